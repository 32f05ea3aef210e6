using System.Net.NetworkInformation;

namespace Shisa.DataPlane.Ports;

/// <summary>
/// An in-memory link (a hub): every frame one attached <see cref="MemoryPort"/> sends is delivered to every
/// other port on the hub, like a bridge with no learning. Each port has a bounded queue of preallocated slots;
/// a full queue drops the frame and counts it, never blocks the sender. For unit tests of anything that
/// talks to an <see cref="IPacketPort"/> (smoltcp's loopback device, dotnet/iot's simulator driver).
/// </summary>
public sealed class MemoryHub
{
    private readonly List<MemoryPort> _ports = [];
    private readonly Lock _lock = new();

    public MemoryHub(PortFrameKind frameKind = PortFrameKind.Ethernet, int mtu = 1500, int queueCapacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 68);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        FrameKind = frameKind;
        Mtu = mtu;
        QueueCapacity = queueCapacity;
    }

    public PortFrameKind FrameKind { get; }

    public int Mtu { get; }

    public int QueueCapacity { get; }

    /// <summary>The longest frame the hub carries: the MTU plus the Ethernet header when there is one.</summary>
    public int MaxFrameLength => Mtu + (FrameKind == PortFrameKind.Ethernet ? 14 : 0);

    /// <summary>Attaches a new port; its link address is a locally administered MAC derived from its number.</summary>
    public MemoryPort CreatePort(string name)
    {
        lock (_lock)
        {
            int number = _ports.Count + 1;
            var port = new MemoryPort(this, name, number);
            _ports.Add(port);
            return port;
        }
    }

    /// <summary>Two ports joined by a hub of their own: a point-to-point link.</summary>
    public static (MemoryPort A, MemoryPort B) CreatePair(PortFrameKind frameKind = PortFrameKind.Ethernet, int mtu = 1500, int queueCapacity = 256)
    {
        var hub = new MemoryHub(frameKind, mtu, queueCapacity);
        return (hub.CreatePort("mem0"), hub.CreatePort("mem1"));
    }

    internal void Detach(MemoryPort port)
    {
        lock (_lock)
        {
            _ports.Remove(port);
        }
    }

    internal void Deliver(MemoryPort sender, ReadOnlySpan<byte> frame)
    {
        lock (_lock)
        {
            foreach (var port in _ports)
            {
                if (!ReferenceEquals(port, sender))
                {
                    port.Enqueue(frame);
                }
            }
        }
    }
}

/// <summary>One port on a <see cref="MemoryHub"/>.</summary>
public sealed class MemoryPort : IPacketPort
{
    private readonly MemoryHub _hub;
    private readonly byte[][] _slots;
    private readonly int[] _lengths;
    private readonly object _lock = new();
    private int _head;
    private int _count;
    private bool _disposed;

    internal MemoryPort(MemoryHub hub, string name, int number)
    {
        _hub = hub;
        Name = name;
        LinkAddress = hub.FrameKind == PortFrameKind.Ethernet
            ? new PhysicalAddress([0x02, 0x00, 0x5E, (byte)(number >> 16), (byte)(number >> 8), (byte)number])
            : PhysicalAddress.None;
        _slots = new byte[hub.QueueCapacity][];
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new byte[hub.MaxFrameLength];
        }

        _lengths = new int[hub.QueueCapacity];
    }

    public string Name { get; }

    public int InterfaceIndex => 0;

    public PortFrameKind FrameKind => _hub.FrameKind;

    public PhysicalAddress LinkAddress { get; }

    public int Mtu => _hub.Mtu;

    public PortCounters Counters { get; } = new();

    /// <summary>Frames waiting to be received.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public int Receive(PacketBatch batch, int timeoutMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Clear();
        lock (_lock)
        {
            if (_count == 0 && timeoutMilliseconds != 0 && !_disposed)
            {
                Monitor.Wait(_lock, timeoutMilliseconds);
            }

            while (_count > 0 && !batch.IsFull)
            {
                var slot = batch.GetNextSlot();
                int length = Math.Min(_lengths[_head], slot.Length);
                _slots[_head].AsSpan(0, length).CopyTo(slot);
                batch.Commit(length);
                if (length < _lengths[_head])
                {
                    batch.InfoRef(batch.Count - 1).OriginalLength = _lengths[_head];
                    batch.InfoRef(batch.Count - 1).Flags = FrameFlags.Truncated;
                    Counters.truncated++;
                }

                Counters.received++;
                Counters.receivedBytes += length;
                _head = (_head + 1) % _slots.Length;
                _count--;
            }

            return batch.Count;
        }
    }

    public int Send(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_disposed)
        {
            return 0;
        }

        int sent = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            var frame = batch[i];
            if (frame.Length > _hub.MaxFrameLength)
            {
                Interlocked.Increment(ref Counters.oversize);
                continue;
            }

            _hub.Deliver(this, frame);
            Interlocked.Increment(ref Counters.sent);
            Interlocked.Add(ref Counters.sentBytes, frame.Length);
            sent++;
        }

        return sent;
    }

    /// <summary>Detaches from the hub and wakes a waiting receiver.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Monitor.PulseAll(_lock);
        }

        _hub.Detach(this);
    }

    public override string ToString() => $"memory:{Name}";

    internal void Enqueue(ReadOnlySpan<byte> frame)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (_count == _slots.Length)
            {
                Counters.dropped++;
                return;
            }

            int tail = (_head + _count) % _slots.Length;
            frame.CopyTo(_slots[tail]);
            _lengths[tail] = frame.Length;
            _count++;
            Monitor.PulseAll(_lock);
        }
    }
}
