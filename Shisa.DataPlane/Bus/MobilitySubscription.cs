using System.Threading.Channels;

namespace Shisa.DataPlane.Bus;

/// <summary>
/// One subscriber's place on the <see cref="MobilityBus"/>: a bounded queue of the messages of its kinds, in
/// ascending <see cref="BusEnvelope.Sequence"/>, that never loses state (DESIGN 3). Dispose it to unsubscribe; its
/// reader then completes after the messages already queued.
/// </summary>
/// <remarks>
/// <para><b>State and notifications.</b> A message carries state when a later message can make it pointless:
/// BindingCacheAdd/Remove per entry key (peer, home address, binding id) and BindingCacheFlush; the same for the
/// binding update list; NodeTypeInfo per node type value; DAD requests (Do, Stop, LinkLocal) per address and
/// interface; and MovementInfo NewCareOfAddress, CareOfAddressRemoved and ReturnedHome per (home address hint,
/// address, interface): each says what holds for that address on that interface now, so the latest is all a reader
/// needs. Everything else is a pure notification: MovementInfo Scan (an edge, "look again", nothing to supersede),
/// HomeHint, RrHint, BeHint and DAD results.</para>
/// <para><b>Coalescing.</b> When a state message arrives while one with the same key is still unread, the older one
/// is removed from its place and the new one appended (counted in <see cref="Coalesced"/>): the reader sees the
/// latest and ascending sequence numbers. A Flush supersedes every unread message of its table (adds, removes and
/// an older flush); it leaves other tables and notifications alone. Notifications are never coalesced.</para>
/// <para><b>Bounded.</b> When a message would grow a full queue (<see cref="Capacity"/> messages), the oldest
/// unread notification is dropped (<see cref="DroppedNotifications"/>). If only state is queued, the subscription
/// resyncs (<see cref="Resyncs"/>): its queue becomes the unread DAD requests and movement messages as they were
/// (the reader saw every earlier one; these are bounded by the addresses that exist), then, for each table its
/// kinds include, the table's Flush and its current entries from the bus's own copy, and node types; those
/// synthetic messages carry the triggering message's sequence number and the origin "bus.resync". The trigger
/// itself is in that copy if it is a table's message, else appended after. A resync's output may exceed the
/// capacity when the state does; the queue may then grow to twice the resync's size before the next one, so
/// resyncs stay rare and publishing O(1) per subscriber amortised; the bound is max(capacity, 2 × state).</para>
/// <para><b>Barrier.</b> <see cref="LastOffered"/> is the sequence of the last message offered;
/// <see cref="ConsumedThrough"/> the largest s such that every message offered with sequence ≤ s was read, dropped,
/// or superseded by a message that was itself read (so a packet sent after message s may leave once what was read
/// is applied). A superseded message hands its place in that reckoning to the message that superseded it.</para>
/// </remarks>
public sealed class MobilitySubscription : IDisposable
{
    /// <summary>The origin of the messages a resync synthesises.</summary>
    public const string ResyncOrigin = "bus.resync";

    private readonly MobilityBus _bus;
    private readonly object _gate = new();
    private readonly Dictionary<StateKey, Node>[] _unread = new Dictionary<StateKey, Node>[StateKey.TableCount];
    private readonly Queue<Node> _notifications = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<MobilityMessage> _resyncScratch = [];

    // Queue order (ascending sequence) and "floor" order: a node's floor is the smallest sequence it stands for
    // (its own, or that of a message it superseded). Floors ascend along the floor list, so its head gives
    // ConsumedThrough in O(1).
    private Node? _head;
    private Node? _tail;
    private Node? _floorHead;
    private Node? _floorTail;
    private int _count;
    private int _resyncSize;
    private long _lastOffered;
    private long _delivered;
    private long _coalesced;
    private long _droppedNotifications;
    private long _resyncs;
    private bool _completed;
    private int _blockedReaders;
    private TaskCompletionSource<bool>? _waiter;
    private int _disposed;

    internal MobilitySubscription(MobilityBus bus, string name, MessageKinds kinds, int capacity)
    {
        _bus = bus;
        Name = name;
        Kinds = kinds;
        Capacity = capacity;
        Reader = new SubscriptionReader(this);
        for (int i = 0; i < _unread.Length; i++)
        {
            _unread[i] = [];
        }
    }

    public string Name { get; }

    public MessageKinds Kinds { get; }

    /// <summary>The queue's bound (see the class remarks for a resync larger than it).</summary>
    public int Capacity { get; }

    /// <summary>The messages, in ascending sequence. Completes when the subscription or the bus is disposed and the queue is drained.</summary>
    public ChannelReader<BusEnvelope> Reader { get; }

    /// <summary>Messages offered to this subscriber (read, waiting, superseded or dropped since); resync messages are not counted.</summary>
    public long Delivered => Read(ref _delivered);

    /// <summary>Unread state messages superseded by a later message with the same key, or by a flush of their table.</summary>
    public long Coalesced => Read(ref _coalesced);

    /// <summary>Unread notifications dropped because the queue was full.</summary>
    public long DroppedNotifications => Read(ref _droppedNotifications);

    /// <summary>Times the queue was full of state and was rebuilt from the bus's tables.</summary>
    public long Resyncs => Read(ref _resyncs);

    /// <summary>Messages waiting to be read.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>The sequence of the last message offered to this subscriber; 0 before the first.</summary>
    public long LastOffered => Read(ref _lastOffered);

    /// <summary>
    /// Every message offered with a sequence up to this one has been read, dropped, or superseded by a message that
    /// has been read: <see cref="LastOffered"/> when nothing is waiting. Never decreases.
    /// </summary>
    public long ConsumedThrough
    {
        get
        {
            lock (_gate)
            {
                return _floorHead is { } first ? first.Floor - 1 : _lastOffered;
            }
        }
    }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// For a reader on a thread of its own: blocks until a message can be read (true) or the subscription has
    /// completed and is drained (false). Unlike <c>Reader.WaitToReadAsync</c>, waking needs no thread-pool thread,
    /// so a starved pool (threads blocked in sends or kernel commands) cannot hold the reader back.
    /// </summary>
    public bool WaitToRead()
    {
        lock (_gate)
        {
            while (true)
            {
                if (_count > 0)
                {
                    return true;
                }

                if (_completed)
                {
                    return false;
                }

                _blockedReaders++;
                try
                {
                    Monitor.Wait(_gate);
                }
                finally
                {
                    _blockedReaders--;
                }
            }
        }
    }

    public SubscriberStatus GetStatus()
    {
        lock (_gate)
        {
            return new(Name, Kinds, Capacity, _delivered, _coalesced, _droppedNotifications, _resyncs, _count);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _bus.Remove(this);
            Complete();
        }
    }

    // Called by the bus under its lock, in sequence order, after it applied the message to its state table.
    internal void Offer(in BusEnvelope envelope, StateKey key, BusStateTable state)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _delivered++;
            _lastOffered = envelope.Sequence;

            // The superseded node with the lowest floor: the new node takes its floor and its place in the floor list.
            Node? anchor = null;
            if (key.IsState)
            {
                var unread = _unread[(int)key.Table];
                if (key.IsFlush)
                {
                    foreach (var node in unread.Values)
                    {
                        Supersede(node, ref anchor);
                    }

                    unread.Clear();
                }
                else if (unread.Remove(key, out var previous))
                {
                    Supersede(previous, ref anchor);
                }
            }

            if (anchor is null && _count >= Math.Max(Capacity, 2 * _resyncSize))
            {
                if (_notifications.TryDequeue(out var oldest))
                {
                    UnlinkQueue(oldest);
                    UnlinkFloor(oldest);
                    _count--;
                    _droppedNotifications++;
                }
                else
                {
                    Resync(envelope, state);
                    if (ResyncCovers(key))
                    {
                        Wake();
                        return;
                    }
                }
            }

            var added = new Node(envelope, key, envelope.Sequence);
            AppendQueue(added);
            if (anchor is null)
            {
                AppendFloor(added);
            }
            else
            {
                added.Floor = anchor.Floor;
                ReplaceFloor(anchor, added);
            }

            if (key.IsState)
            {
                _unread[(int)key.Table][key] = added;
            }
            else
            {
                _notifications.Enqueue(added);
            }

            Wake();
        }
    }

    internal void Complete()
    {
        Volatile.Write(ref _disposed, 1);
        lock (_gate)
        {
            _completed = true;
            if (_count == 0)
            {
                _completion.TrySetResult();
            }

            Wake();
        }
    }

    private static long Read(ref long counter) => Interlocked.Read(ref counter);

    // The resync re-sent the trigger's whole table (the subscriber takes all of its message types), so the trigger
    // is already in it.
    private bool ResyncCovers(StateKey key) => key.Table switch
    {
        StateTable.NodeType => Kinds.Includes(MessageType.NodeTypeInfo),
        StateTable.BindingCache => (Kinds & MessageKinds.BindingCache) == MessageKinds.BindingCache,
        StateTable.BindingUpdateList => (Kinds & MessageKinds.BindingUpdateList) == MessageKinds.BindingUpdateList,
        _ => false,
    };

    private bool TryRead(out BusEnvelope envelope)
    {
        lock (_gate)
        {
            if (_head is not { } node)
            {
                envelope = default;
                return false;
            }

            UnlinkQueue(node);
            UnlinkFloor(node);
            _count--;
            if (node.Key.IsState)
            {
                _unread[(int)node.Key.Table].Remove(node.Key);
            }
            else
            {
                _notifications.Dequeue();
            }

            if (_count == 0)
            {
                _resyncSize = 0;
                if (_completed)
                {
                    _completion.TrySetResult();
                }
            }

            envelope = node.Envelope;
            return true;
        }
    }

    private bool TryPeek(out BusEnvelope envelope)
    {
        lock (_gate)
        {
            envelope = _head?.Envelope ?? default;
            return _head is not null;
        }
    }

    private ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        Task<bool> wake;
        lock (_gate)
        {
            if (_count > 0)
            {
                return new(true);
            }

            if (_completed)
            {
                return new(false);
            }

            _waiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            wake = _waiter.Task;
        }

        return WaitForWakeAsync(wake, cancellationToken);
    }

    private async ValueTask<bool> WaitForWakeAsync(Task<bool> wake, CancellationToken cancellationToken)
    {
        await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await WaitToReadAsync(cancellationToken).ConfigureAwait(false);
    }

    // Under _gate. Waiters' continuations run on the pool (RunContinuationsAsynchronously), never on the publisher's thread.
    private void Wake()
    {
        if (_waiter is { } waiter)
        {
            _waiter = null;
            waiter.TrySetResult(true);
        }

        if (_blockedReaders > 0)
        {
            Monitor.PulseAll(_gate);
        }
    }

    private void Supersede(Node node, ref Node? anchor)
    {
        UnlinkQueue(node);
        _count--;
        _coalesced++;
        if (anchor is null || node.Floor < anchor.Floor)
        {
            if (anchor is not null)
            {
                UnlinkFloor(anchor);
            }

            anchor = node;
        }
        else
        {
            UnlinkFloor(node);
        }
    }

    // Under _gate, with only state queued: keep the unread DAD requests and movement messages, replace the rest by
    // the bus's tables. Every node of the new queue stands for everything down to the old lowest floor, so
    // ConsumedThrough does not move until the whole resync has been read.
    private void Resync(in BusEnvelope trigger, BusStateTable state)
    {
        long floor = _floorHead!.Floor;
        var carried = new List<Node>();
        for (var node = _head; node is not null; node = node.Next)
        {
            if (!node.Key.IsSnapshotted)
            {
                carried.Add(node);
            }
        }

        _head = _tail = _floorHead = _floorTail = null;
        _count = 0;
        foreach (var unread in _unread)
        {
            unread.Clear();
        }

        foreach (var node in carried)
        {
            node.Prev = node.Next = node.FloorPrev = node.FloorNext = null;
            node.Floor = floor;
            AppendQueue(node);
            AppendFloor(node);
            _unread[(int)node.Key.Table][node.Key] = node;
        }

        _resyncScratch.Clear();
        state.AppendResync(Kinds, _resyncScratch);
        foreach (var message in _resyncScratch)
        {
            var key = StateKey.For(message);
            var node = new Node(new BusEnvelope(trigger.Sequence, trigger.Timestamp, message, ResyncOrigin), key, floor);
            AppendQueue(node);
            AppendFloor(node);
            _unread[(int)key.Table][key] = node;
        }

        _resyncScratch.Clear();
        _resyncs++;
        _resyncSize = _count;
    }

    private void AppendQueue(Node node)
    {
        node.Prev = _tail;
        if (_tail is null)
        {
            _head = node;
        }
        else
        {
            _tail.Next = node;
        }

        _tail = node;
        _count++;
    }

    private void UnlinkQueue(Node node)
    {
        if (node.Prev is null)
        {
            _head = node.Next;
        }
        else
        {
            node.Prev.Next = node.Next;
        }

        if (node.Next is null)
        {
            _tail = node.Prev;
        }
        else
        {
            node.Next.Prev = node.Prev;
        }

        node.Prev = node.Next = null;
    }

    private void AppendFloor(Node node)
    {
        node.FloorPrev = _floorTail;
        if (_floorTail is null)
        {
            _floorHead = node;
        }
        else
        {
            _floorTail.FloorNext = node;
        }

        _floorTail = node;
    }

    private void ReplaceFloor(Node old, Node node)
    {
        node.FloorPrev = old.FloorPrev;
        node.FloorNext = old.FloorNext;
        if (old.FloorPrev is null)
        {
            _floorHead = node;
        }
        else
        {
            old.FloorPrev.FloorNext = node;
        }

        if (old.FloorNext is null)
        {
            _floorTail = node;
        }
        else
        {
            old.FloorNext.FloorPrev = node;
        }

        old.FloorPrev = old.FloorNext = null;
    }

    private void UnlinkFloor(Node node)
    {
        if (node.FloorPrev is null)
        {
            _floorHead = node.FloorNext;
        }
        else
        {
            node.FloorPrev.FloorNext = node.FloorNext;
        }

        if (node.FloorNext is null)
        {
            _floorTail = node.FloorPrev;
        }
        else
        {
            node.FloorNext.FloorPrev = node.FloorPrev;
        }

        node.FloorPrev = node.FloorNext = null;
    }

    private sealed class Node(BusEnvelope envelope, StateKey key, long floor)
    {
        public BusEnvelope Envelope { get; } = envelope;

        public StateKey Key { get; } = key;

        public long Floor { get; set; } = floor;

        public Node? Prev { get; set; }

        public Node? Next { get; set; }

        public Node? FloorPrev { get; set; }

        public Node? FloorNext { get; set; }
    }

    /// <summary>The subscription's queue as a <see cref="ChannelReader{T}"/>, for <c>await foreach</c> and <c>TryRead</c>.</summary>
    private sealed class SubscriptionReader(MobilitySubscription subscription) : ChannelReader<BusEnvelope>
    {
        public override Task Completion => subscription._completion.Task;

        public override bool CanCount => true;

        public override bool CanPeek => true;

        public override int Count => subscription.Pending;

        public override bool TryRead(out BusEnvelope item) => subscription.TryRead(out item);

        public override bool TryPeek(out BusEnvelope item) => subscription.TryPeek(out item);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
            subscription.WaitToReadAsync(cancellationToken);
    }
}
