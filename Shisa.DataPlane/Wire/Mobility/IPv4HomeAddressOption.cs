using System.Buffers.Binary;
using System.Net;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// IPv4 Home Address option, RFC 5555 3.1.1 (type 29): alignment 4n, Option Length 6. P asks the home agent for a
/// mobile network prefix; an all-zero address asks it to assign one.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 29   |   Length = 6  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Prefix-len |P| Reserved        |   IPv4 home address           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   IPv4 home address (cont.)   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record IPv4HomeAddressOption(byte PrefixLength, bool RequestPrefix, IPAddress HomeAddress) : MobilityOption(MobilityOptionType.IPv4HomeAddress)
{
    public const int Length = 6;
    private const int FlagsOffset = 0;
    private const int AddressOffset = 2;
    private const int PrefixLengthShift = 10;
    private const ushort PrefixLengthMask = 0xFC00;
    private const ushort PFlag = 0x0200;

    public override int DataLength => Length;

    public override int AlignmentModulus => 4;

    internal static IPv4HomeAddressOption? Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length != Length)
        {
            return null;
        }

        ushort bits = BinaryPrimitives.ReadUInt16BigEndian(data[FlagsOffset..]);
        return new((byte)((bits & PrefixLengthMask) >> PrefixLengthShift), (bits & PFlag) != 0, Addresses.ReadIPv4(data[AddressOffset..]));
    }

    private protected override void WriteData(Span<byte> data)
    {
        ushort bits = (ushort)(((PrefixLength << PrefixLengthShift) & PrefixLengthMask) | (RequestPrefix ? PFlag : 0));
        BinaryPrimitives.WriteUInt16BigEndian(data[FlagsOffset..], bits);
        Addresses.WriteIPv4(HomeAddress, data[AddressOffset..]);
    }
}
