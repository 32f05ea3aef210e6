namespace Shisa.DataPlane.Bus.Encoding;

/// <summary>
/// The versioned binary encoding of bus messages for the bus socket (docs/bus-socket.md): SHISA's AF_MOBILITY
/// messages on a Unix stream socket. One frame per message: the mipsock common header, the envelope's
/// timestamp, the message's fields in its fixed layout (one partial file per message), then the publisher's
/// name.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            Length             |  Version (1)  |     Type      |  0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           Sequence                            |  4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |  8
/// +          Timestamp (microseconds since the Unix epoch)        +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                 Message fields (layout per Type)              .  16
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Origin Len   |  Origin (UTF-8, Origin Len octets) ...        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// A frame must end exactly where Length says. Reading checks Length once, then every field; it never throws
/// and refuses with a <see cref="BusFrameRefusal"/>. Writing a message whose values no layout can carry (a string
/// over 255 octets, a negative lifetime, an undefined enum value ...) throws <see cref="ArgumentException"/>
/// from <see cref="GetByteCount(MobilityMessage, string?)"/> and the TryWrite methods alike.
/// </summary>
public static partial class BusFrame
{
    /// <summary>Offset of the envelope's timestamp (i64, microseconds since 1970-01-01T00:00:00Z).</summary>
    public const int TimestampOffset = BusFrameHeader.Size;

    /// <summary>Offset of the first message field.</summary>
    public const int BodyOffset = TimestampOffset + 8;

    /// <summary>The smallest frame: header, timestamp, an empty body (a flush) and an empty origin.</summary>
    public const int MinimumLength = BodyOffset + 1;

    /// <summary>The largest frame Length can announce.</summary>
    public const int MaximumLength = ushort.MaxValue;

    private static readonly long s_minMicroseconds = (DateTimeOffset.MinValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
    private static readonly long s_maxMicroseconds = (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>Reads the frame at the start of <paramref name="source"/>; see the overload with a refusal.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out BusEnvelope envelope, out int bytesConsumed) =>
        TryRead(source, out envelope, out bytesConsumed, out _);

    /// <summary>
    /// Reads the frame at the start of <paramref name="source"/> (octets after it are left alone). The envelope's
    /// <see cref="BusEnvelope.Sequence"/> is the header's 32-bit sequence, its timestamp is in UTC, its origin null
    /// when the frame carries none. On refusal <paramref name="bytesConsumed"/> is 0; a
    /// <see cref="BusFrameError.Truncated"/> refusal means more octets may complete the frame, any other is final.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out BusEnvelope envelope, out int bytesConsumed, out BusFrameRefusal refusal)
    {
        envelope = default;
        bytesConsumed = 0;
        if (!BusFrameHeader.TryRead(source, out var header))
        {
            // Not even the header: still refuse what the octets present already show to be wrong.
            if (source.Length > BusFrameHeader.VersionOffset && source[BusFrameHeader.VersionOffset] != BusEnvelope.Version)
            {
                refusal = new BusFrameRefusal(BusFrameError.BadVersion, BusFrameHeader.VersionOffset);
            }
            else if (source.Length > BusFrameHeader.TypeOffset && !IsKnown((MessageType)source[BusFrameHeader.TypeOffset]))
            {
                refusal = new BusFrameRefusal(BusFrameError.UnknownType, BusFrameHeader.TypeOffset);
            }
            else
            {
                refusal = new BusFrameRefusal(BusFrameError.Truncated, source.Length);
            }

            return false;
        }

        refusal = CheckHeader(header);
        if (refusal.Error != BusFrameError.None)
        {
            return false;
        }

        if (source.Length < header.Length)
        {
            refusal = new BusFrameRefusal(BusFrameError.Truncated, source.Length);
            return false;
        }

        var reader = new FrameFieldReader(source[..header.Length], TimestampOffset);
        if (!reader.I64(out long microseconds))
        {
            refusal = reader.Refusal;
            return false;
        }

        if (microseconds < s_minMicroseconds || microseconds > s_maxMicroseconds)
        {
            refusal = new BusFrameRefusal(BusFrameError.BadField, TimestampOffset);
            return false;
        }

        var message = ReadBody(header.Type, ref reader);
        if (message is null || !reader.String(out string origin))
        {
            refusal = reader.Refusal;
            return false;
        }

        if (reader.Remaining != 0)
        {
            refusal = new BusFrameRefusal(BusFrameError.BadLength, reader.Offset);
            return false;
        }

        var timestamp = DateTimeOffset.UnixEpoch.AddTicks(microseconds * TimeSpan.TicksPerMicrosecond);
        envelope = new BusEnvelope(header.Sequence, timestamp, message, origin.Length == 0 ? null : origin);
        bytesConsumed = header.Length;
        return true;
    }

    /// <summary>
    /// What the header alone shows to be wrong, in the order a reader meets it: Length below
    /// <see cref="MinimumLength"/>, the version, the type. <see cref="BusFrameRefusal.None"/> when nothing is.
    /// </summary>
    public static BusFrameRefusal CheckHeader(BusFrameHeader header)
    {
        if (header.Version != BusEnvelope.Version)
        {
            return new BusFrameRefusal(BusFrameError.BadVersion, BusFrameHeader.VersionOffset);
        }

        if (!IsKnown(header.Type))
        {
            return new BusFrameRefusal(BusFrameError.UnknownType, BusFrameHeader.TypeOffset);
        }

        if (header.Length < MinimumLength)
        {
            return new BusFrameRefusal(BusFrameError.BadLength, BusFrameHeader.LengthOffset);
        }

        return BusFrameRefusal.None;
    }

    /// <summary>Octets of the frame of <paramref name="message"/> with <paramref name="origin"/>.</summary>
    /// <exception cref="ArgumentException">A value of the message that its layout cannot carry; the message names the field.</exception>
    public static int GetByteCount(MobilityMessage message, string? origin = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        int length = BodyOffset + BodySize(message) + FrameFields.StringSize(origin, "Origin");
        return length <= MaximumLength
            ? length
            : throw new ArgumentException($"a {message.Type} frame of {length} octets is longer than {MaximumLength}", nameof(message));
    }

    /// <summary>Octets of the frame of <paramref name="envelope"/>.</summary>
    /// <exception cref="ArgumentException">See <see cref="GetByteCount(MobilityMessage, string?)"/>.</exception>
    public static int GetByteCount(BusEnvelope envelope) => GetByteCount(envelope.Message, envelope.Origin);

    /// <summary>
    /// Writes <paramref name="envelope"/> as one frame: its sequence modulo 2^32, its timestamp to the microsecond
    /// (rounded down), its origin. False, with nothing written, when <paramref name="destination"/> is too short.
    /// </summary>
    /// <exception cref="ArgumentException">See <see cref="GetByteCount(MobilityMessage, string?)"/>.</exception>
    public static bool TryWrite(Span<byte> destination, BusEnvelope envelope, out int bytesWritten)
    {
        long microseconds = (envelope.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
        return TryWrite(destination, envelope.Message, unchecked((uint)envelope.Sequence), microseconds, envelope.Origin, out bytesWritten);
    }

    /// <summary>
    /// Writes <paramref name="message"/> as a client's frame: sequence <paramref name="sequence"/> (the client's own
    /// count, or 0), timestamp 0, no origin (the server fills in both). False when <paramref name="destination"/> is too short.
    /// </summary>
    /// <exception cref="ArgumentException">See <see cref="GetByteCount(MobilityMessage, string?)"/>.</exception>
    public static bool TryWrite(Span<byte> destination, MobilityMessage message, out int bytesWritten, uint sequence = 0) =>
        TryWrite(destination, message, sequence, 0, null, out bytesWritten);

    /// <summary>The frame of <paramref name="envelope"/> in a new array.</summary>
    public static byte[] ToArray(BusEnvelope envelope)
    {
        var frame = new byte[GetByteCount(envelope)];
        TryWrite(frame, envelope, out _);
        return frame;
    }

    /// <summary>The client frame of <paramref name="message"/> in a new array.</summary>
    public static byte[] ToArray(MobilityMessage message, uint sequence = 0)
    {
        var frame = new byte[GetByteCount(message)];
        TryWrite(frame, message, out _, sequence);
        return frame;
    }

    /// <summary>True for the types this version has a layout for.</summary>
    public static bool IsKnown(MessageType type) => MessageKinds.All.Includes(type) && Enum.IsDefined(type);

    private static bool TryWrite(Span<byte> destination, MobilityMessage message, uint sequence, long microseconds, string? origin, out int bytesWritten)
    {
        int length = GetByteCount(message, origin);
        if (destination.Length < length)
        {
            bytesWritten = 0;
            return false;
        }

        var frame = destination[..length];
        new BusFrameHeader((ushort)length, BusEnvelope.Version, message.Type, sequence).TryWrite(frame, out _);
        var writer = new FrameFieldWriter(frame, TimestampOffset);
        writer.I64(microseconds);
        WriteBody(ref writer, message);
        writer.String(origin);
        bytesWritten = writer.Offset;
        return true;
    }

    private static int BodySize(MobilityMessage message) => message switch
    {
        NodeTypeInfo m => NodeTypeInfoSize(m),
        BindingCacheAdd m => BindingCacheEntrySize(m.Entry),
        BindingCacheRemove m => BindingCacheEntrySize(m.Entry),
        BindingCacheFlush or BindingUpdateListFlush => 0,
        BindingUpdateListAdd m => BindingUpdateListEntrySize(m.Entry),
        BindingUpdateListRemove m => BindingUpdateListEntrySize(m.Entry),
        MovementInfo m => MovementInfoSize(m),
        HomeHint m => HomeHintSize(m),
        RrHint m => RrHintSize(m),
        BeHint m => BeHintSize(m),
        Dad m => DadSize(m),
        _ => throw new ArgumentException($"message type {message.Type} has no layout", nameof(message)),
    };

    private static void WriteBody(ref FrameFieldWriter writer, MobilityMessage message)
    {
        switch (message)
        {
            case NodeTypeInfo m: WriteNodeTypeInfo(ref writer, m); break;
            case BindingCacheAdd m: WriteBindingCacheEntry(ref writer, m.Entry); break;
            case BindingCacheRemove m: WriteBindingCacheEntry(ref writer, m.Entry); break;
            case BindingUpdateListAdd m: WriteBindingUpdateListEntry(ref writer, m.Entry); break;
            case BindingUpdateListRemove m: WriteBindingUpdateListEntry(ref writer, m.Entry); break;
            case MovementInfo m: WriteMovementInfo(ref writer, m); break;
            case HomeHint m: WriteHomeHint(ref writer, m); break;
            case RrHint m: WriteRrHint(ref writer, m); break;
            case BeHint m: WriteBeHint(ref writer, m); break;
            case Dad m: WriteDad(ref writer, m); break;
            default: break; // the flushes have no fields
        }
    }

    // Each reader returns null with the reader's refusal set when a field is refused.
    private static MobilityMessage? ReadBody(MessageType type, ref FrameFieldReader reader) => type switch
    {
        MessageType.NodeTypeInfo => ReadNodeTypeInfo(ref reader),
        MessageType.BindingCacheAdd => ReadBindingCacheEntry(ref reader, out var entry) ? new BindingCacheAdd(entry) : null,
        MessageType.BindingCacheRemove => ReadBindingCacheEntry(ref reader, out var entry) ? new BindingCacheRemove(entry) : null,
        MessageType.BindingCacheFlush => new BindingCacheFlush(),
        MessageType.BindingUpdateListAdd => ReadBindingUpdateListEntry(ref reader, out var entry) ? new BindingUpdateListAdd(entry) : null,
        MessageType.BindingUpdateListRemove => ReadBindingUpdateListEntry(ref reader, out var entry) ? new BindingUpdateListRemove(entry) : null,
        MessageType.BindingUpdateListFlush => new BindingUpdateListFlush(),
        MessageType.MovementInfo => ReadMovementInfo(ref reader),
        MessageType.HomeHint => ReadHomeHint(ref reader),
        MessageType.RrHint => ReadRrHint(ref reader),
        MessageType.BeHint => ReadBeHint(ref reader),
        MessageType.Dad => ReadDad(ref reader),
        _ => null,
    };
}
