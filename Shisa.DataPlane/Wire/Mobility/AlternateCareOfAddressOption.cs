using System.Net;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Alternate Care-of Address option, RFC 6275 6.2.5: alignment 8n+6, Option Length 16.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 3    |  Length = 16  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  Alternate Care-of Address (128 bits)         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record AlternateCareOfAddressOption(IPAddress CareOfAddress) : MobilityOption(MobilityOptionType.AlternateCareOfAddress)
{
    public const int Length = Addresses.IPv6Length;

    public override int DataLength => Length;

    public override int AlignmentModulus => 8;

    public override int AlignmentOffset => 6;

    internal static AlternateCareOfAddressOption? Parse(ReadOnlySpan<byte> data) =>
        data.Length == Length ? new(Addresses.ReadIPv6(data)) : null;

    private protected override void WriteData(Span<byte> data) => Addresses.WriteIPv6(CareOfAddress, data);
}
