namespace Shisa.DataPlane.Ports;

/// <summary>
/// A port's counters. Receive counters are written by the receiving thread, send counters by the sending
/// thread; readers see them through <see cref="Volatile"/> reads. <see cref="Snapshot"/> gives a value copy for
/// status pages (OpenBSD: status from snapshots, never from live tables).
/// </summary>
public sealed class PortCounters
{
    internal long received;
    internal long receivedBytes;
    internal long truncated;
    internal long checksumsCompleted;
    internal long checksumsNotCompleted;
    internal long receiveErrors;
    internal long sent;
    internal long sentBytes;
    internal long oversize;
    internal long sendErrors;
    internal long dropped;

    public long Received => Volatile.Read(ref received);
    public long ReceivedBytes => Volatile.Read(ref receivedBytes);

    /// <summary>Frames longer than a batch slot (cut to the slot, flagged <see cref="FrameFlags.Truncated"/>).</summary>
    public long Truncated => Volatile.Read(ref truncated);

    /// <summary>Frames with a partial (offloaded) checksum that the port completed.</summary>
    public long ChecksumsCompleted => Volatile.Read(ref checksumsCompleted);

    /// <summary>Frames with a partial checksum the port could not complete (flagged <see cref="FrameFlags.ChecksumNotReady"/>).</summary>
    public long ChecksumsNotCompleted => Volatile.Read(ref checksumsNotCompleted);

    public long ReceiveErrors => Volatile.Read(ref receiveErrors);
    public long Sent => Volatile.Read(ref sent);
    public long SentBytes => Volatile.Read(ref sentBytes);

    /// <summary>Frames not sent because they exceed the link MTU (AF_PACKET would drop them silently).</summary>
    public long Oversize => Volatile.Read(ref oversize);

    public long SendErrors => Volatile.Read(ref sendErrors);

    /// <summary>Frames lost inside the port (a full in-memory queue, fault injection).</summary>
    public long Dropped => Volatile.Read(ref dropped);

    public PortCountersSnapshot Snapshot() => new(
        Received, ReceivedBytes, Truncated, ChecksumsCompleted, ChecksumsNotCompleted, ReceiveErrors,
        Sent, SentBytes, Oversize, SendErrors, Dropped);
}

/// <summary>A value copy of <see cref="PortCounters"/>.</summary>
public readonly record struct PortCountersSnapshot(
    long Received,
    long ReceivedBytes,
    long Truncated,
    long ChecksumsCompleted,
    long ChecksumsNotCompleted,
    long ReceiveErrors,
    long Sent,
    long SentBytes,
    long Oversize,
    long SendErrors,
    long Dropped);
