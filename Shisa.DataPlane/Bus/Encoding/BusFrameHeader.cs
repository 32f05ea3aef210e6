using System.Buffers.Binary;

namespace Shisa.DataPlane.Bus.Encoding;

/// <summary>
/// The common header of every bus socket frame: SHISA's mipsock <c>struct mip_msghdr</c> (sys/net/mipsock.h),
/// network byte order.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            Length             |    Version    |     Type      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           Sequence                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Length counts the whole frame, this header included.
/// </summary>
/// <param name="Length">Octets of the whole frame.</param>
/// <param name="Version">The format version, <see cref="BusEnvelope.Version"/>.</param>
/// <param name="Type">The mipsock message number, possibly one this version does not know.</param>
/// <param name="Sequence">The bus's sequence number, modulo 2^32; 0 from clients.</param>
public readonly record struct BusFrameHeader(ushort Length, byte Version, MessageType Type, uint Sequence)
{
    public const int LengthOffset = 0;
    public const int VersionOffset = 2;
    public const int TypeOffset = 3;
    public const int SequenceOffset = 4;

    /// <summary>Octets of the common header.</summary>
    public const int Size = 8;

    /// <summary>Reads the header's four fields; false only when fewer than <see cref="Size"/> octets are present. Checks nothing else.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out BusFrameHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        header = new BusFrameHeader(
            BinaryPrimitives.ReadUInt16BigEndian(source[LengthOffset..]),
            source[VersionOffset],
            (MessageType)source[TypeOffset],
            BinaryPrimitives.ReadUInt32BigEndian(source[SequenceOffset..]));
        return true;
    }

    /// <summary>Writes the header; false when <paramref name="destination"/> is shorter than <see cref="Size"/>.</summary>
    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        if (destination.Length < Size)
        {
            bytesWritten = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[LengthOffset..], Length);
        destination[VersionOffset] = Version;
        destination[TypeOffset] = (byte)Type;
        BinaryPrimitives.WriteUInt32BigEndian(destination[SequenceOffset..], Sequence);
        bytesWritten = Size;
        return true;
    }
}
