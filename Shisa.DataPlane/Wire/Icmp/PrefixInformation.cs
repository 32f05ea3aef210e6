using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// The Prefix Information option (RFC 4861 4.6.2) with Mobile IPv6's R flag (RFC 6275 7.2: the Prefix field
/// holds the sending router's complete address), as carried by Mobile Prefix Advertisements (RFC 6275 6.8).
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type=3    |    Length=4   | Prefix Length |L|A|R|Reserved1|   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Valid Lifetime                        |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Preferred Lifetime                      |   8
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           Reserved2                           |  12
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Prefix (16 octets)                      |  16
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Lifetimes are seconds (0xFFFFFFFF: infinity).
/// </remarks>
public sealed record PrefixInformation(
    byte PrefixLength,
    bool OnLink,
    bool Autonomous,
    bool RouterAddress,
    uint ValidLifetime,
    uint PreferredLifetime,
    IPAddress Prefix)
{
    public const byte OptionType = 3;

    /// <summary>Length field value (units of 8 octets) and the option's octets.</summary>
    public const byte LengthUnits = 4;
    public const int Length = 32;

    private const int PrefixLengthOffset = 2;
    private const int FlagsOffset = 3;
    private const int ValidOffset = 4;
    private const int PreferredOffset = 8;
    private const int Reserved2Offset = 12;
    private const int PrefixOffset = 16;
    private const byte OnLinkFlag = 0x80;
    private const byte AutonomousFlag = 0x40;
    private const byte RouterAddressFlag = 0x20;

    /// <summary>Reads the option at the start of <paramref name="option"/>; false unless type 3, length 4.</summary>
    public static bool TryParse(ReadOnlySpan<byte> option, [NotNullWhen(true)] out PrefixInformation? prefix)
    {
        prefix = null;
        if (option.Length < Length || option[0] != OptionType || option[1] != LengthUnits)
        {
            return false;
        }

        byte flags = option[FlagsOffset];
        prefix = new PrefixInformation(option[PrefixLengthOffset], (flags & OnLinkFlag) != 0, (flags & AutonomousFlag) != 0,
            (flags & RouterAddressFlag) != 0, BinaryPrimitives.ReadUInt32BigEndian(option[ValidOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(option[PreferredOffset..]), new IPAddress(option.Slice(PrefixOffset, Ipv6Header.AddressLength)));
        return true;
    }

    public int GetByteCount() => Length;

    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < Length || !Ipv6Header.TryWriteAddress(Prefix, destination.Slice(PrefixOffset, Ipv6Header.AddressLength)))
        {
            return false;
        }

        destination[0] = OptionType;
        destination[1] = LengthUnits;
        destination[PrefixLengthOffset] = PrefixLength;
        destination[FlagsOffset] = (byte)((OnLink ? OnLinkFlag : 0) | (Autonomous ? AutonomousFlag : 0) | (RouterAddress ? RouterAddressFlag : 0));
        BinaryPrimitives.WriteUInt32BigEndian(destination[ValidOffset..], ValidLifetime);
        BinaryPrimitives.WriteUInt32BigEndian(destination[PreferredOffset..], PreferredLifetime);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Reserved2Offset..], 0);
        bytesWritten = Length;
        return true;
    }
}
