using System.Buffers.Binary;
using System.IO.Hashing;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;
using Shisa.DataPlane.Dsmip;

namespace Shisa.DataPlane.State;

/// <summary>Why a journal record was not read.</summary>
public enum JournalRecordError : byte
{
    None = 0,

    /// <summary>The octets end inside the record: a write cut short (the usual end of a crashed journal).</summary>
    Truncated,

    /// <summary>Length is below the smallest or above the largest record.</summary>
    BadLength,

    /// <summary>The CRC-32 does not match the length and payload.</summary>
    BadChecksum,

    /// <summary>The CRC matched, but the payload is not a binding state message (written by a newer version?).</summary>
    BadPayload,
}

/// <summary>
/// One record of the binding journal: a state message (the bus's own encoding, docs/bus-socket.md) with the
/// absolute time its entry expires.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     CRC-32 (IEEE) of everything after it: Length and payload  |  0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Length (of the payload)                   |  4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |  8   payload:
/// +     Expiry (milliseconds since the Unix epoch; 0 for a        +
/// |     remove or a flush)                                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .  Bus frame of the message (BusFrame: header with the mipsock   .  16
/// .  type as the record's kind, then the entry's fields)          .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  UDP endpoint: IPv4 address (journal version 2, optional)     |  16 + frame
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  UDP port                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The entry layouts are the bus socket's (versioned, documented, tested against malformed input), so the journal
/// has no second encoding of a binding to keep in step. The UDP endpoint (RFC 5555 4.1: where a binding with an
/// IPv4 care-of address is reached, the NAT's mapping behind a NAT) follows the frame of a
/// <see cref="BindingCacheAdd"/> whose care-of address is IPv4-mapped, and only there; a record without it (every
/// version 1 record) reads as before. Reading never throws.
/// </summary>
/// <param name="Message">A <see cref="BindingCacheAdd"/>, <see cref="BindingCacheRemove"/>, <see cref="BindingCacheFlush"/>,
/// <see cref="BindingUpdateListAdd"/>, <see cref="BindingUpdateListRemove"/> or <see cref="BindingUpdateListFlush"/>.</param>
/// <param name="ExpiryUnixMilliseconds">When an added entry's lifetime runs out; 0 for the others.</param>
/// <param name="UdpEndpoint">The binding's UDP endpoint: only for a <see cref="BindingCacheAdd"/> with an IPv4-mapped care-of address.</param>
public readonly record struct JournalRecord(MobilityMessage Message, long ExpiryUnixMilliseconds, Ipv4Endpoint? UdpEndpoint = null)
{
    /// <summary>Octets of the optional UDP endpoint after the bus frame: IPv4 address, port.</summary>
    public const int UdpEndpointSize = 6;

    public const int ChecksumOffset = 0;
    public const int LengthOffset = 4;
    public const int PayloadOffset = 8;
    public const int HeaderSize = PayloadOffset;

    private const int ExpirySize = 8;
    private const int MinimumPayload = ExpirySize + BusFrame.MinimumLength;
    private const int MaximumPayload = ExpirySize + BusFrame.MaximumLength + UdpEndpointSize;

    /// <summary>True for the messages the journal records.</summary>
    public static bool IsStateMessage(MobilityMessage message) => message is BindingCacheAdd or BindingCacheRemove or BindingCacheFlush
        or BindingUpdateListAdd or BindingUpdateListRemove or BindingUpdateListFlush;

    /// <summary>Octets of this record, header included.</summary>
    /// <exception cref="ArgumentException">The message is not a state message, or a value its layout cannot carry.</exception>
    public int GetByteCount()
    {
        if (!IsStateMessage(Message))
        {
            throw new ArgumentException($"a {Message.Type} message is not binding state", nameof(Message));
        }

        if (UdpEndpoint is not null && !MayCarryUdpEndpoint(Message))
        {
            throw new ArgumentException("only a binding cache entry with an IPv4-mapped care-of address has a UDP endpoint", nameof(UdpEndpoint));
        }

        return HeaderSize + ExpirySize + BusFrame.GetByteCount(Message) + (UdpEndpoint is null ? 0 : UdpEndpointSize);
    }

    /// <summary>True for a <see cref="BindingCacheAdd"/> whose care-of address is IPv4-mapped (RFC 5555: reached through the UDP tunnel).</summary>
    public static bool MayCarryUdpEndpoint(MobilityMessage message) =>
        message is BindingCacheAdd { Entry.CareOfAddress.IsIPv4MappedToIPv6: true };

    /// <summary>Writes the record; false, with nothing written, when <paramref name="destination"/> is too short.</summary>
    /// <exception cref="ArgumentException">See <see cref="GetByteCount"/>.</exception>
    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        int length = GetByteCount();
        if (destination.Length < length)
        {
            bytesWritten = 0;
            return false;
        }

        var record = destination[..length];
        BinaryPrimitives.WriteUInt32BigEndian(record[LengthOffset..], (uint)(length - HeaderSize));
        BinaryPrimitives.WriteInt64BigEndian(record[PayloadOffset..], ExpiryUnixMilliseconds);
        BusFrame.TryWrite(record[(PayloadOffset + ExpirySize)..], Message, out int frameLength);
        if (UdpEndpoint is { } endpoint)
        {
            var udp = record[(PayloadOffset + ExpirySize + frameLength)..];
            BinaryPrimitives.WriteUInt32BigEndian(udp, endpoint.Address);
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], endpoint.Port);
        }

        BinaryPrimitives.WriteUInt32BigEndian(record[ChecksumOffset..], Crc32.HashToUInt32(record[LengthOffset..]));
        bytesWritten = length;
        return true;
    }

    /// <summary>
    /// Reads the record at the start of <paramref name="source"/>. On failure <paramref name="bytesConsumed"/> is 0
    /// and <paramref name="error"/> says why; <see cref="JournalRecordError.Truncated"/> when the octets end inside it.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out JournalRecord record, out int bytesConsumed, out JournalRecordError error)
    {
        record = default;
        bytesConsumed = 0;
        if (source.Length < HeaderSize)
        {
            error = JournalRecordError.Truncated;
            return false;
        }

        uint payloadLength = BinaryPrimitives.ReadUInt32BigEndian(source[LengthOffset..]);
        if (payloadLength < MinimumPayload || payloadLength > MaximumPayload)
        {
            error = JournalRecordError.BadLength;
            return false;
        }

        int length = HeaderSize + (int)payloadLength;
        if (source.Length < length)
        {
            error = JournalRecordError.Truncated;
            return false;
        }

        var payload = source[PayloadOffset..length];
        if (BinaryPrimitives.ReadUInt32BigEndian(source[ChecksumOffset..]) != Crc32.HashToUInt32(source[LengthOffset..length]))
        {
            error = JournalRecordError.BadChecksum;
            return false;
        }

        long expiry = BinaryPrimitives.ReadInt64BigEndian(payload);
        var frame = payload[ExpirySize..];
        if (!BusFrame.TryRead(frame, out var envelope, out int frameLength) || !IsStateMessage(envelope.Message) || expiry < 0)
        {
            error = JournalRecordError.BadPayload;
            return false;
        }

        Ipv4Endpoint? udpEndpoint = null;
        if (frameLength + UdpEndpointSize == frame.Length && MayCarryUdpEndpoint(envelope.Message))
        {
            var udp = frame[frameLength..];
            udpEndpoint = new Ipv4Endpoint(BinaryPrimitives.ReadUInt32BigEndian(udp), BinaryPrimitives.ReadUInt16BigEndian(udp[4..]));
        }
        else if (frameLength != frame.Length)
        {
            error = JournalRecordError.BadPayload;
            return false;
        }

        record = new JournalRecord(envelope.Message, expiry, udpEndpoint);
        bytesConsumed = length;
        error = JournalRecordError.None;
        return true;
    }
}
