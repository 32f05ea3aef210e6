using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// A checked view of the common part of a Mobility Header, RFC 6275 6.1.1. Creating it checks once that the octets
/// Header Len announces are present; after that no accessor can fail. It reads any MH Type, known or not, so a
/// node can answer an unknown type with a Binding Error (RFC 6275 9.2) and a bad Header Len with a Parameter Problem.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Payload Proto |  Header Len   |   MH Type     |   Reserved    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Checksum            |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
/// .                         Message Data                          .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Header Len counts 8-octet units after the first 8 octets.
/// </summary>
public readonly ref struct MobilityHeaderView
{
    public const int PayloadProtoOffset = 0;
    public const int HeaderLengthOffset = 1;
    public const int TypeOffset = 2;
    public const int ReservedOffset = 3;
    public const int ChecksumOffset = 4;
    public const int MessageDataOffset = 6;

    /// <summary>The smallest Mobility Header: Header Len 0.</summary>
    public const int MinimumLength = 8;

    /// <summary>The largest: Header Len 255.</summary>
    public const int MaximumLength = (byte.MaxValue + 1) * 8;

    private MobilityHeaderView(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    /// <summary>The Mobility Header, exactly as long as Header Len says (any octets after it are not part of it).</summary>
    public ReadOnlySpan<byte> Bytes { get; }

    public byte PayloadProto => Bytes[PayloadProtoOffset];

    /// <summary>The Header Len field.</summary>
    public byte HeaderLength => Bytes[HeaderLengthOffset];

    /// <summary>Octets of the whole Mobility Header: (Header Len + 1) * 8.</summary>
    public int Length => Bytes.Length;

    /// <summary>The MH Type, possibly a value this codec does not know.</summary>
    public MobilityHeaderType Type => (MobilityHeaderType)Bytes[TypeOffset];

    public byte Reserved => Bytes[ReservedOffset];

    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(Bytes[ChecksumOffset..]);

    public ReadOnlySpan<byte> MessageData => Bytes[MessageDataOffset..];

    /// <summary>Length from Header Len: (Header Len + 1) * 8.</summary>
    public static int LengthFromHeaderLength(byte headerLength) => (headerLength + 1) * 8;

    /// <summary>False (<see cref="MobilityParseError.Truncated"/>) when fewer octets are present than Header Len announces.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> mh, out MobilityHeaderView view)
    {
        view = default;
        if (mh.Length < MinimumLength)
        {
            return false;
        }

        int length = LengthFromHeaderLength(mh[HeaderLengthOffset]);
        if (length > mh.Length)
        {
            return false;
        }

        view = new MobilityHeaderView(mh[..length]);
        return true;
    }

    /// <summary>True when the checksum verifies under the pseudo-header (16-octet addresses each, RFC 6275 6.1.1).</summary>
    public bool VerifyChecksum(ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination) =>
        InternetChecksum.Compute(pseudoSource, pseudoDestination, MobilityHeader.NextHeader, Bytes) == 0;
}
