using System.Net;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// IPv4 Care-of Address option, RFC 5555 3.1.2 (type 32): alignment 4n, Option Length 6.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 32   |   Length = 6  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Reserved            |   IPv4 Care-of address        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   IPv4 Care-of address (cont.)|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record IPv4CareOfAddressOption(IPAddress CareOfAddress) : MobilityOption(MobilityOptionType.IPv4CareOfAddress)
{
    public const int Length = 6;
    private const int AddressOffset = 2;

    public override int DataLength => Length;

    public override int AlignmentModulus => 4;

    internal static IPv4CareOfAddressOption? Parse(ReadOnlySpan<byte> data) =>
        data.Length == Length ? new(Addresses.ReadIPv4(data[AddressOffset..])) : null;

    private protected override void WriteData(Span<byte> data)
    {
        data[..AddressOffset].Clear();
        Addresses.WriteIPv4(CareOfAddress, data[AddressOffset..]);
    }
}
