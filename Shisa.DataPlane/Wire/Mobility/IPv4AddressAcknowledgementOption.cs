using System.Net;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// IPv4 Address Acknowledgement option, RFC 5555 3.2.1 (type 30): alignment 4n, Option Length 6; Status 0 is
/// success, 128 and above refusals.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 30   |   Length = 6  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Status    |Pref-len   |Res|   IPv4 home address           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   IPv4 home address (cont.)   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record IPv4AddressAcknowledgementOption(byte Status, byte PrefixLength, IPAddress HomeAddress) : MobilityOption(MobilityOptionType.IPv4AddressAcknowledgement)
{
    public const int Length = 6;
    public const byte StatusSuccess = 0;
    private const int StatusOffset = 0;
    private const int PrefixLengthOffset = 1;
    private const int PrefixLengthShift = 2;
    private const int PrefixLengthMask = 0x3F;
    private const int AddressOffset = 2;

    public override int DataLength => Length;

    public override int AlignmentModulus => 4;

    internal static IPv4AddressAcknowledgementOption? Parse(ReadOnlySpan<byte> data) =>
        data.Length == Length
            ? new(data[StatusOffset], (byte)(data[PrefixLengthOffset] >> PrefixLengthShift), Addresses.ReadIPv4(data[AddressOffset..]))
            : null;

    private protected override void WriteData(Span<byte> data)
    {
        data[StatusOffset] = Status;
        data[PrefixLengthOffset] = (byte)((PrefixLength & PrefixLengthMask) << PrefixLengthShift);
        Addresses.WriteIPv4(HomeAddress, data[AddressOffset..]);
    }
}
