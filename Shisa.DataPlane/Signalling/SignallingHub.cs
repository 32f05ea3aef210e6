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
/// the capture loop (signalling is retransmitted by its sender, RFC 6275 11.8). Receivers (capture loops,
/// tests) call <see cref="Deliver"/>.
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
        int taken = 0;
        foreach (var s in Volatile.Read(ref _subscriptions))
        {
            if ((s.Kinds & packet.Kind) != 0 && s.Offer(packet))
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

    internal void Remove(SignallingSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions.Where(s => s != subscription)];
        }
    }
}

public sealed class SignallingSubscription : IDisposable
{
    private readonly SignallingHub _hub;
    private readonly Channel<SignallingPacket> _channel;
    private long _delivered;
    private long _dropped;

    internal SignallingSubscription(SignallingHub hub, string name, SignallingKinds kinds, int capacity)
    {
        _hub = hub;
        Name = name;
        Kinds = kinds;
        _channel = Channel.CreateBounded<SignallingPacket>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    public string Name { get; }

    public SignallingKinds Kinds { get; }

    public ChannelReader<SignallingPacket> Reader => _channel.Reader;

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Dropped => Interlocked.Read(ref _dropped);

    internal bool Offer(SignallingPacket packet)
    {
        if (!_channel.Writer.TryWrite(packet))
        {
            return false;
        }

        Interlocked.Increment(ref _delivered);
        return true;
    }

    public void Dispose()
    {
        _hub.Remove(this);
        _channel.Writer.TryComplete();
    }
}
