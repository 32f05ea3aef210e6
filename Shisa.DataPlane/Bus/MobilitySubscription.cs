using System.Threading.Channels;

namespace Shisa.DataPlane.Bus;

/// <summary>
/// One subscriber's place on the <see cref="MobilityBus"/>: a bounded channel of the messages of its kinds, in
/// publish order, with counters. Dispose it to unsubscribe; its reader then completes after the messages
/// already queued.
/// </summary>
public sealed class MobilitySubscription : IDisposable
{
    private readonly MobilityBus _bus;
    private readonly Channel<BusEnvelope> _channel;
    private readonly object _wake = new();
    private bool _completed;
    private long _delivered;
    private long _dropped;
    private long _lastOffered;
    private int _disposed;

    internal MobilitySubscription(MobilityBus bus, string name, MessageKinds kinds, int capacity)
    {
        _bus = bus;
        Name = name;
        Kinds = kinds;
        Capacity = capacity;
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleWriter = true,
            SingleReader = false,
            AllowSynchronousContinuations = false,
        };
        _channel = Channel.CreateBounded<BusEnvelope>(options, _ => Interlocked.Increment(ref _dropped));
    }

    public string Name { get; }

    public MessageKinds Kinds { get; }

    public int Capacity { get; }

    /// <summary>The messages, oldest first. Completes when the subscription or the bus is disposed.</summary>
    public ChannelReader<BusEnvelope> Reader => _channel.Reader;

    /// <summary>Messages put in this subscriber's channel (read, waiting, or dropped since).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Messages dropped unread because the channel was full (drop-oldest).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The Sequence of the last message offered to this subscription; 0 before the first.</summary>
    public long LastOffered => Interlocked.Read(ref _lastOffered);

    /// <summary>Every message offered with a Sequence up to this one has been read or dropped.</summary>
    public long ConsumedThrough => _channel.Reader.TryPeek(out var first) ? first.Sequence - 1 : LastOffered;

    /// <summary>Messages waiting in the channel.</summary>
    public int Pending => _channel.Reader.Count;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// For a reader on a thread of its own: blocks until a message can be read (true) or the subscription has
    /// completed and is drained (false). Unlike <c>Reader.WaitToReadAsync</c>, waking needs no thread-pool thread,
    /// so a starved pool (threads blocked in sends or kernel commands) cannot hold the reader back.
    /// </summary>
    public bool WaitToRead()
    {
        lock (_wake)
        {
            while (true)
            {
                if (_channel.Reader.Count > 0)
                {
                    return true;
                }

                if (_completed)
                {
                    return false;
                }

                Monitor.Wait(_wake);
            }
        }
    }

    public SubscriberStatus GetStatus() => new(Name, Kinds, Capacity, Delivered, Dropped, Pending);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _bus.Remove(this);
            Complete();
        }
    }

    // Called by the bus under its lock, one writer at a time, in sequence order.
    internal void Offer(BusEnvelope envelope)
    {
        Interlocked.Exchange(ref _lastOffered, envelope.Sequence);
        if (_channel.Writer.TryWrite(envelope))
        {
            Interlocked.Increment(ref _delivered);
            Wake(completed: false);
        }
    }

    internal void Complete()
    {
        Volatile.Write(ref _disposed, 1);
        _channel.Writer.TryComplete();
        Wake(completed: true);
    }

    private void Wake(bool completed)
    {
        lock (_wake)
        {
            _completed |= completed;
            Monitor.PulseAll(_wake);
        }
    }
}
