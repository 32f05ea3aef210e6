
namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// The modules' send API: a signalling packet leaves only after the forwarding state published before it is applied
/// and journalled (as SHISA's synchronous mipsock writes were in place before its daemons sent anything): a home
/// agent's BA finds its binding installed and durable, a deregistration BA finds the home address's route gone.
/// The order is a queue, not a wait: a packet whose state is not applied yet is copied into a bounded queue that
/// the <see cref="ForwardingStateWriter"/> releases after its next apply; the sender never blocks.
/// </summary>
public sealed class OrderedSignallingSender : IPacketSender
{
    /// <summary>Packets waiting for their state at most; past it a send fails (counted).</summary>
    public const int Capacity = 4096;

    private readonly IPacketSender _sender;
    private readonly Func<long> _mark;
    private readonly Queue<(long Mark, byte[] Packet)> _waiting = new();
    private readonly Lock _gate = new();
    private long _released;
    private long _queued;
    private long _dropped;

    /// <param name="sender">Where packets go (the raw IPv6 socket).</param>
    /// <param name="mark">The position of the last state message offered to the writer (taken at each send).</param>
    public OrderedSignallingSender(IPacketSender sender, Func<long> mark)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(mark);
        _sender = sender;
        _mark = mark;
    }

    /// <summary>Packets that had to wait for the writer.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>Packets refused because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
    {
        long mark = _mark();
        lock (_gate)
        {
            if (mark > _released || _waiting.Count > 0)
            {
                if (_waiting.Count >= Capacity)
                {
                    _dropped++;
                    return false;
                }

                _waiting.Enqueue((mark, ipv6Packet.ToArray()));
                _queued++;
                return true;
            }
        }

        return _sender.TrySend(ipv6Packet);
    }

    /// <summary>Not queued: the caller says the packet needs none of the state the writer has not applied yet.</summary>
    public bool TrySendAhead(ReadOnlySpan<byte> ipv6Packet) => _sender.TrySend(ipv6Packet);

    /// <summary>Everything up to <paramref name="appliedThrough"/> is applied and durable: sends what waited for it, in order.</summary>
    public void Release(long appliedThrough)
    {
        List<byte[]>? ready = null;
        lock (_gate)
        {
            _released = Math.Max(_released, appliedThrough);
            while (_waiting.TryPeek(out var head) && head.Mark <= _released)
            {
                (ready ??= []).Add(_waiting.Dequeue().Packet);
            }
        }

        foreach (var packet in ready ?? [])
        {
            _sender.TrySend(packet);
        }
    }

    /// <summary>Sends whatever still waits (the writer stops).</summary>
    public void ReleaseAll() => Release(long.MaxValue);
}
