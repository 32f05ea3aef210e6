using System.Runtime.CompilerServices;

namespace Shisa.DataPlane.Ports;

/// <summary>What a port learned about one received frame.</summary>
[Flags]
public enum FrameFlags : byte
{
    None = 0,

    /// <summary>The frame was longer than its slot; the slot holds its beginning (see <see cref="FrameInfo.OriginalLength"/>).</summary>
    Truncated = 1,

    /// <summary>The kernel handed the frame over with a partial L4 checksum (TP_STATUS_CSUMNOTREADY) that is still partial.</summary>
    ChecksumNotReady = 2,

    /// <summary>The frame had a partial L4 checksum and the port completed it in place.</summary>
    ChecksumCompleted = 4,

    /// <summary>The kernel marked the checksum as verified (TP_STATUS_CSUM_VALID).</summary>
    ChecksumValid = 8,
}

/// <summary>The link-layer packet type of a received frame (sockaddr_ll.sll_pkttype).</summary>
public enum LinkPacketType : byte
{
    Host = 0,
    Broadcast = 1,
    Multicast = 2,
    OtherHost = 3,
    Outgoing = 4,
}

/// <summary>Per-slot metadata of a <see cref="PacketBatch"/>.</summary>
public struct FrameInfo
{
    /// <summary>Octets of the frame held in the slot.</summary>
    public int Length;

    /// <summary>The frame's length on the wire (larger than <see cref="Length"/> when truncated).</summary>
    public int OriginalLength;

    public FrameFlags Flags;

    public LinkPacketType PacketType;
}

/// <summary>
/// A reusable batch of frames: one pinned buffer cut into <see cref="Capacity"/> slots of
/// <see cref="SlotSize"/> octets, plus per-slot metadata. Allocate it once per thread and hand it to
/// <see cref="IPacketPort.Receive"/> and <see cref="IPacketPort.Send"/> over and over (Kestrel's reused frame
/// object); the buffer's address never changes, so drivers point their iovecs straight into it.
/// </summary>
public sealed class PacketBatch
{
    /// <summary>The spike's batch size: recvmmsg/sendmmsg with 64 messages per call.</summary>
    public const int DefaultCapacity = 64;

    /// <summary>Room for a 1500-octet MTU Ethernet frame with a VLAN tag, rounded up.</summary>
    public const int DefaultSlotSize = 2048;

    private readonly byte[] _buffer;
    private readonly FrameInfo[] _info;

    public PacketBatch(int capacity = DefaultCapacity, int slotSize = DefaultSlotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 64);
        Capacity = capacity;
        SlotSize = slotSize;
        _buffer = GC.AllocateArray<byte>(checked(capacity * slotSize), pinned: true);
        _info = new FrameInfo[capacity];
    }

    public int Capacity { get; }

    public int SlotSize { get; }

    /// <summary>Frames in the batch, in slots 0 .. Count-1.</summary>
    public int Count { get; private set; }

    public bool IsFull => Count == Capacity;

    /// <summary>The frame in slot <paramref name="index"/> (its first <see cref="FrameInfo.Length"/> octets).</summary>
    public Span<byte> this[int index]
    {
        get
        {
            CheckIndex(index);
            return _buffer.AsSpan(index * SlotSize, _info[index].Length);
        }
    }

    /// <summary>Metadata of the frame in slot <paramref name="index"/>.</summary>
    public ref readonly FrameInfo Info(int index)
    {
        CheckIndex(index);
        return ref _info[index];
    }

    /// <summary>Empties the batch (the buffer is kept).</summary>
    public void Clear() => Count = 0;

    /// <summary>Copies <paramref name="frame"/> into the next slot; false when full or too long.</summary>
    public bool TryAdd(ReadOnlySpan<byte> frame)
    {
        if (Count == Capacity || frame.Length > SlotSize)
        {
            return false;
        }

        frame.CopyTo(_buffer.AsSpan(Count * SlotSize, SlotSize));
        _info[Count] = new FrameInfo { Length = frame.Length, OriginalLength = frame.Length };
        Count++;
        return true;
    }

    /// <summary>
    /// The whole next free slot to write a frame into directly; finish with <see cref="Commit"/>.
    /// Empty when the batch is full.
    /// </summary>
    public Span<byte> GetNextSlot() => Count == Capacity ? Span<byte>.Empty : _buffer.AsSpan(Count * SlotSize, SlotSize);

    /// <summary>Adds the frame written into <see cref="GetNextSlot"/>, of <paramref name="length"/> octets.</summary>
    public void Commit(int length)
    {
        if (Count == Capacity)
        {
            throw new InvalidOperationException("The batch is full.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, SlotSize);
        _info[Count] = new FrameInfo { Length = length, OriginalLength = length };
        Count++;
    }

    /// <summary>Removes the frame at <paramref name="index"/>, moving the later ones down.</summary>
    public void RemoveAt(int index)
    {
        CheckIndex(index);
        for (int i = index + 1; i < Count; i++)
        {
            MoveSlot(i, i - 1);
        }

        Count--;
    }

    /// <summary>Inserts a copy of the frame at <paramref name="index"/> right after it; false when full.</summary>
    public bool TryDuplicate(int index)
    {
        CheckIndex(index);
        if (Count == Capacity)
        {
            return false;
        }

        for (int i = Count - 1; i > index; i--)
        {
            MoveSlot(i, i + 1);
        }

        MoveSlot(index, index + 1);
        Count++;
        return true;
    }

    /// <summary>The whole slot <paramref name="index"/>, for drivers that fill it.</summary>
    internal Span<byte> Slot(int index) => _buffer.AsSpan(index * SlotSize, SlotSize);

    /// <summary>The address of slot <paramref name="index"/>; stable because the buffer is pinned.</summary>
    internal unsafe byte* SlotPointer(int index)
        => (byte*)Unsafe.AsPointer(ref _buffer[index * SlotSize]);

    /// <summary>Drivers: sets the number of frames they filled.</summary>
    internal void SetCount(int count) => Count = count;

    /// <summary>Drivers: the mutable metadata of slot <paramref name="index"/>.</summary>
    internal ref FrameInfo InfoRef(int index) => ref _info[index];

    private void MoveSlot(int from, int to)
    {
        int length = _info[from].Length;
        _buffer.AsSpan(from * SlotSize, length).CopyTo(_buffer.AsSpan(to * SlotSize, SlotSize));
        _info[to] = _info[from];
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, "No frame in that slot.");
        }
    }
}
