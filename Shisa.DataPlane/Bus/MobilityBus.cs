namespace Shisa.DataPlane.Bus;

/// <summary>
/// The mobility bus (DESIGN 3): SHISA's AF_MOBILITY socket inside one process. Publishers hand over immutable
/// messages; every subscriber receives every message of the kinds it asked for, in publish order, through its
/// own bounded channel.
/// </summary>
/// <remarks>
/// <para><see cref="Publish"/> never waits for a subscriber and never loses state: in a subscriber's queue, state
/// messages coalesce per key (latest wins), a full queue drops its oldest notification first (counted), and a queue
/// full of state resyncs from the bus's own copy of the current tables (see <see cref="MobilitySubscription"/>).</para>
/// <para>One lock covers sequence assignment, that copy and the fan-out, so concurrent publishers get one global
/// order and every subscriber sees that same order. Under the lock a publish costs one table update and, per
/// matching subscriber, O(1) amortised queue work (a resync is O(state) and rare); subscribers' continuations never
/// run on the publisher's thread.</para>
/// </remarks>
public sealed class MobilityBus : IDisposable
{
    /// <summary>The channel bound of a subscription that names none.</summary>
    public const int DefaultCapacity = 1024;

    /// <summary>How many recent messages the bus keeps for the status page, unless told otherwise.</summary>
    public const int DefaultRecentCapacity = 256;

    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly BusEnvelope[] _recent;
    private readonly long[] _publishedByType = new long[16];
    private readonly BusStateTable _state = new();
    private int _recentNext;
    private int _recentCount;
    private long _sequence;
    private bool _disposed;

    // Copy-on-write: changed under _gate, read without it by the status snapshots.
    private volatile MobilitySubscription[] _subscriptions = [];

    public MobilityBus(TimeProvider? timeProvider = null, int recentCapacity = DefaultRecentCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recentCapacity);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _recent = new BusEnvelope[recentCapacity];
    }

    /// <summary>The sequence number of the last message published; 0 before the first.</summary>
    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _sequence;
            }
        }
    }

    /// <summary>
    /// Publishes <paramref name="message"/> to every subscriber of its kind and returns it as delivered, with its
    /// sequence number and timestamp. Never blocks on a subscriber.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="origin">The publisher's name (e.g. "home_agent"), shown by the status page and monitor.</param>
    /// <exception cref="ObjectDisposedException">The bus is disposed.</exception>
    public BusEnvelope Publish(MobilityMessage message, string? origin = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var kind = message.Type.ToKinds();
        var key = StateKey.For(message);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var envelope = new BusEnvelope(++_sequence, _timeProvider.GetUtcNow(), message, origin);
            _publishedByType[(int)message.Type]++;
            _state.Apply(envelope.Sequence, message);
            if (_recent.Length > 0)
            {
                _recent[_recentNext] = envelope;
                _recentNext = (_recentNext + 1) % _recent.Length;
                _recentCount = Math.Min(_recentCount + 1, _recent.Length);
            }

            foreach (var subscription in _subscriptions)
            {
                if ((subscription.Kinds & kind) != 0)
                {
                    subscription.Offer(envelope, key, _state);
                }
            }

            return envelope;
        }
    }

    /// <summary>
    /// Subscribes to the messages of <paramref name="kinds"/> published from now on. Read them from
    /// <see cref="MobilitySubscription.Reader"/>; dispose the subscription to leave.
    /// </summary>
    /// <param name="name">Who subscribes, for counters and logs (e.g. "data_plane.tunnels").</param>
    /// <param name="kinds">The message types wanted.</param>
    /// <param name="capacity">The queue's bound: past it the oldest unread notification is dropped (counted), or the
    /// subscription resyncs when only state is queued.</param>
    public MobilitySubscription Subscribe(string name, MessageKinds kinds, int capacity = DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if ((kinds & MessageKinds.All) == MessageKinds.None || (kinds & ~MessageKinds.All) != 0)
        {
            throw new ArgumentException($"'{kinds}' names no message type, or one the bus does not know", nameof(kinds));
        }

        var subscription = new MobilitySubscription(this, name, kinds, capacity);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    /// <summary>
    /// The current state the bus's messages carry, as a resync sends it to a subscriber of <paramref name="kinds"/>:
    /// node types in publish order, then per table its Flush and current entries. For a reader that starts late.
    /// </summary>
    public IReadOnlyList<MobilityMessage> GetState(MessageKinds kinds)
    {
        var messages = new List<MobilityMessage>();
        lock (_gate)
        {
            _state.AppendResync(kinds, messages);
        }

        return messages;
    }

    /// <summary>The counters of every current subscription, in subscription order.</summary>
    public IReadOnlyList<SubscriberStatus> GetSubscribers() => [.. _subscriptions.Select(s => s.GetStatus())];

    /// <summary>The last messages published (at most the recent capacity given at construction), oldest first.</summary>
    public IReadOnlyList<BusEnvelope> GetRecent()
    {
        lock (_gate)
        {
            return RecentLocked();
        }
    }

    /// <summary>Everything the status page shows about the bus, taken at one instant.</summary>
    public BusSnapshot GetSnapshot()
    {
        lock (_gate)
        {
            var published = new List<KeyValuePair<MessageType, long>>();
            foreach (var type in Enum.GetValues<MessageType>())
            {
                published.Add(new(type, _publishedByType[(int)type]));
            }

            return new BusSnapshot(_sequence, [.. published], [.. GetSubscribers()], [.. RecentLocked()]);
        }
    }

    /// <summary>Ends every subscription (their readers complete) and refuses further publishing.</summary>
    public void Dispose()
    {
        MobilitySubscription[] subscriptions;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            subscriptions = _subscriptions;
            _subscriptions = [];
        }

        foreach (var subscription in subscriptions)
        {
            subscription.Complete();
        }
    }

    private BusEnvelope[] RecentLocked()
    {
        var copy = new BusEnvelope[_recentCount];
        int start = _recentCount < _recent.Length ? 0 : _recentNext;
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = _recent[(start + i) % _recent.Length];
        }

        return copy;
    }

    internal void Remove(MobilitySubscription subscription)
    {
        lock (_gate)
        {
            int index = Array.IndexOf(_subscriptions, subscription);
            if (index >= 0)
            {
                _subscriptions = [.. _subscriptions.AsSpan(0, index), .. _subscriptions.AsSpan(index + 1)];
            }
        }
    }
}
