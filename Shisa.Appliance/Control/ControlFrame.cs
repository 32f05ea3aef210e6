using System.Buffers.Binary;

namespace Shisa.Appliance.Control;

/// <summary>What a control frame carries (docs/control.md).</summary>
public enum ControlFrameKind : byte
{
    Request = 1,
    Response = 2,
}

/// <summary>A response's outcome; also <c>shisa ctl</c>'s exit code (0, 1, 2).</summary>
public enum ControlStatus : ushort
{
    /// <summary>Done; the results say what.</summary>
    Ok = 0,

    /// <summary>The service could not do it (e.g. a file it could not write); nothing changed.</summary>
    Failed = 1,

    /// <summary>Bad usage or an unknown target (no such binding, no such policy); nothing changed.</summary>
    Refused = 2,
}

/// <summary>Why a header was not accepted.</summary>
public enum ControlFrameError
{
    None,
    Truncated,
    UnknownVersion,
    UnknownKind,
    TooLong,
}

/// <summary>
/// The 8-octet header in front of every control message, version 1 (docs/control.md, "Encoding"):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+---------------+-------------------------------+
/// |    Version    |     Kind      |            Status             |
/// +---------------+---------------+-------------------------------+
/// |                        Payload length                         |
/// +---------------------------------------------------------------+
/// |          Payload (UTF-8 JSON, Payload length octets)  ...
/// </code>
/// All numbers big-endian. A request's status is 0.
/// </summary>
public readonly record struct ControlFrameHeader(ControlFrameKind Kind, ControlStatus Status, int PayloadLength)
{
    public const int Size = 8;
    public const byte Version = 1;

    /// <summary>A request's payload is at most this long: a command line, not a file.</summary>
    public const int MaxRequestPayload = 4096;

    /// <summary>A response's payload is at most this long (a listing of 100 000 bindings fits).</summary>
    public const int MaxResponsePayload = 64 << 20;

    private const int VersionOffset = 0;
    private const int KindOffset = 1;
    private const int StatusOffset = 2;
    private const int LengthOffset = 4;

    /// <summary>Reads a header of <paramref name="expected"/> kind; <paramref name="header"/> is valid only with <see cref="ControlFrameError.None"/>.</summary>
    public static ControlFrameError TryRead(ReadOnlySpan<byte> source, ControlFrameKind expected, out ControlFrameHeader header)
    {
        header = default;
        if (source.Length < Size)
        {
            return ControlFrameError.Truncated;
        }

        if (source[VersionOffset] != Version)
        {
            return ControlFrameError.UnknownVersion;
        }

        if (source[KindOffset] != (byte)expected)
        {
            return ControlFrameError.UnknownKind;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(source[LengthOffset..]);
        int max = expected == ControlFrameKind.Request ? MaxRequestPayload : MaxResponsePayload;
        if (length > (uint)max)
        {
            return ControlFrameError.TooLong;
        }

        header = new ControlFrameHeader(expected, (ControlStatus)BinaryPrimitives.ReadUInt16BigEndian(source[StatusOffset..]), (int)length);
        return ControlFrameError.None;
    }

    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        if (destination.Length < Size || PayloadLength < 0)
        {
            bytesWritten = 0;
            return false;
        }

        destination[VersionOffset] = Version;
        destination[KindOffset] = (byte)Kind;
        BinaryPrimitives.WriteUInt16BigEndian(destination[StatusOffset..], (ushort)Status);
        BinaryPrimitives.WriteUInt32BigEndian(destination[LengthOffset..], (uint)PayloadLength);
        bytesWritten = Size;
        return true;
    }

    /// <summary>The header followed by <paramref name="payload"/>, as sent.</summary>
    public static byte[] Frame(ControlFrameKind kind, ControlStatus status, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[Size + payload.Length];
        new ControlFrameHeader(kind, status, payload.Length).TryWrite(frame, out _);
        payload.CopyTo(frame.AsSpan(Size));
        return frame;
    }
}
