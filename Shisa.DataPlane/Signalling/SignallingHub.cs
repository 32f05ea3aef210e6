using System.Net;
using System.Threading.Channels;

namespace Shisa.DataPlane.Signalling;

/// <summary>The modules' side of received signalling: subscribe to the kinds a role handles.</summary>
public interface ISignallingSource
{
    SignallingSubscription Subscribe(string name, SignallingKinds kinds, int capacity = SignallingHub.DefaultCapacity);
}

/// <summary>
/// Fans received signalling packets out to the modules that asked for their kind. Each subscriber has a
/// bounded queue; when it is full the oldest packet is dropped and counted, so a slow module never stalls
/// the capture loop (signalling is retransmitted by its sender, RFC 6275 11.8). A subscription with a
/// <see cref="SignallingSubscription.Admission"/> decides before the copy which packets go ahead of the rest and
/// which are over their rate (a flood then costs a parse, not an allocation). Receivers (capture loops, tests)
/// call <see cref="Deliver(SignallingPacket)"/> or, with the bytes still in their batch, <see cref="Deliver(ReadOnlySpan{byte}, SignallingKinds, string, int, DateTimeOffset, IPAddress?, IPAddress?)"/>.
/// </summary>
public sealed class SignallingHub : ISignallingSource
{
    public const int DefaultCapacity = 256;

    private readonly object _gate = new();
    private SignallingSubscription[] _subscriptions = [];
    private long _unclaimed;

    /// <summary>Packets no subscriber asked for.</summary>
    public long Unclaimed => Interlocked.Read(ref _unclaimed);

    public IReadOnlyList<SignallingSubscription> Subscriptions => Volatile.Read(ref _subscriptions);

    public SignallingSubscription Subscribe(string name, SignallingKinds kinds, int capacity = DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var subscription = new SignallingSubscription(this, name, kinds, capacity);
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    /// <summary>Hands a packet to every subscriber of its kind; returns how many took it.</summary>
    public int Deliver(SignallingPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        int taken = 0;
        foreach (var s in Volatile.Read(ref _subscriptions))
        {
            if ((s.Kinds & packet.Kind) != 0 && s.Offer(packet, s.Admit(packet.Packet.Span)))
            {
                taken++;
            }
        }

        if (taken == 0)
        {
            Interlocked.Increment(ref _unclaimed);
        }

        return taken;
    }

    /// <summary>
    /// Hands a packet still in the receiver's buffer to every subscriber of its kind, copying it once and only
    /// when some subscriber admits it. <see cref="SignallingDelivery.Wanted"/> counts the subscribers of its kind
    /// (0: unclaimed), <see cref="SignallingDelivery.Taken"/> those that queued it.
    /// </summary>
    public SignallingDelivery Deliver(
        ReadOnlySpan<byte> packet,
        SignallingKinds kind,
        string interfaceName,
        int interfaceIndex,
        DateTimeOffset receivedAt,
        IPAddress? tunnelSource = null,
        IPAddress? tunnelDestination = null)
    {
        SignallingPacket? copy = null;
        int wanted = 0;
        int taken = 0;
        foreach (var s in Volatile.Read(ref _subscriptions))
        {
            if ((s.Kinds & kind) == 0)
            {
                continue;
            }

            wanted++;
            var lane = s.Admit(packet);
            if (lane == SignallingLane.RateLimited)
            {
                continue;
            }

            copy ??= new SignallingPacket(packet.ToArray(), kind, interfaceName, interfaceIndex, receivedAt, tunnelSource, tunnelDestination);
            if (s.Offer(copy, lane))
            {
                taken++;
            }
        }

        if (wanted == 0)
        {
            Interlocked.Increment(ref _unclaimed);
        }

        return new SignallingDelivery(wanted, taken);
    }

    internal void Remove(SignallingSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions.Where(s => s != subscription)];
        }
    }
}

/// <summary>What <see cref="SignallingHub.Deliver(ReadOnlySpan{byte}, SignallingKinds, string, int, DateTimeOffset, IPAddress?, IPAddress?)"/> did with a packet.</summary>
public readonly record struct SignallingDelivery(int Wanted, int Taken);

/// <summary>
/// One module's bounded queues of received signalling: the priority lane (what its <see cref="Admission"/> knows
/// to be from a node it serves) and the bulk lane; <see cref="Reader"/> reads the priority lane first, so the rest,
/// however much of it arrives, never delays nor displaces a packet of the priority lane.
/// </summary>
public sealed class SignallingSubscription : IDisposable
{
    /// <summary>Capacity of the priority lane: nodes the subscriber serves, each with a BU or two in flight.</summary>
    public const int PriorityCapacity = 256;

    private readonly SignallingHub _hub;
    private readonly Channel<SignallingPacket> _bulk;
    private readonly Channel<SignallingPacket> _priority;
    private readonly Channel<byte> _doorbell = Channel.CreateBounded<byte>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private SignallingAdmission? _admission;
    private long _delivered;
    private long _dropped;

    internal SignallingSubscription(SignallingHub hub, string name, SignallingKinds kinds, int capacity)
    {
        _hub = hub;
        Name = name;
        Kinds = kinds;
        _bulk = Channel.CreateBounded<SignallingPacket>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        _priority = Channel.CreateBounded<SignallingPacket>(
            new BoundedChannelOptions(PriorityCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        Reader = new PriorityFirstReader(_priority.Reader, _bulk.Reader, _doorbell.Reader);
    }

    public string Name { get; }

    public SignallingKinds Kinds { get; }

    /// <summary>The priority lane first, then the bulk lane.</summary>
    public ChannelReader<SignallingPacket> Reader { get; }

    /// <summary>
    /// Sorts received packets into lanes and rate-limits the bulk one; null (the default): every packet takes the
    /// bulk lane, unlimited but for the queue's capacity.
    /// </summary>
    public SignallingAdmission? Admission
    {
        get => Volatile.Read(ref _admission);
        set => Volatile.Write(ref _admission, value);
    }

    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Queued packets displaced by newer ones (a full lane drops its oldest).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    internal SignallingLane Admit(ReadOnlySpan<byte> packet) =>
        Volatile.Read(ref _admission) is { } admission ? admission.Admit(packet) : SignallingLane.Bulk;

    internal bool Offer(SignallingPacket packet, SignallingLane lane)
    {
        var writer = lane switch
        {
            SignallingLane.Priority => _priority.Writer,
            SignallingLane.Bulk => _bulk.Writer,
            _ => null,
        };
        if (writer is null || !writer.TryWrite(packet))
        {
            return false;
        }

        Interlocked.Increment(ref _delivered);
        _doorbell.Writer.TryWrite(0);
        return true;
    }

    public void Dispose()
    {
        _hub.Remove(this);
        _priority.Writer.TryComplete();
        _bulk.Writer.TryComplete();
        _doorbell.Writer.TryComplete();
    }

    /// <summary>
    /// Reads <c>priority</c> until it is empty before each packet of <c>bulk</c>; completes when both have. One
    /// doorbell (capacity 1) is rung after every write, so a wait holds one waiter, never one per lane per wait.
    /// </summary>
    private sealed class PriorityFirstReader(ChannelReader<SignallingPacket> priority, ChannelReader<SignallingPacket> bulk, ChannelReader<byte> doorbell)
        : ChannelReader<SignallingPacket>
    {
        public override Task Completion { get; } = Task.WhenAll(priority.Completion, bulk.Completion);

        public override bool CanCount => true;

        public override int Count => priority.Count + bulk.Count;

        public override bool CanPeek => true;

        public override bool TryRead(out SignallingPacket item) =>
            priority.TryRead(out item!) || bulk.TryRead(out item!);

        public override bool TryPeek(out SignallingPacket item) =>
            priority.TryPeek(out item!) || bulk.TryPeek(out item!);

        public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                // Take a pending ring first: a write after the look below rings again and ends the wait.
                doorbell.TryRead(out _);
                if (priority.TryPeek(out _) || bulk.TryPeek(out _))
                {
                    return true;
                }

                if (priority.Completion.IsCompleted && bulk.Completion.IsCompleted)
                {
                    return false;
                }

                if (!await doorbell.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return priority.TryPeek(out _) || bulk.TryPeek(out _);
                }
            }
        }
    }
}
