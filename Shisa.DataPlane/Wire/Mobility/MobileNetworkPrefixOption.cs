using System.Net;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Mobile Network Prefix option, RFC 3963 4.3: alignment 8n+4, Option Length 18.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 6    |  Length = 18  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Reserved    | Prefix Length |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
/// |                     Mobile Network Prefix (128 bits)          |
/// +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record MobileNetworkPrefixOption(byte PrefixLength, IPAddress Prefix) : MobilityOption(MobilityOptionType.MobileNetworkPrefix)
{
    public const int Length = 18;
    private const int ReservedOffset = 0;
    private const int PrefixLengthOffset = 1;
    private const int PrefixOffset = 2;

    public override int DataLength => Length;

    public override int AlignmentModulus => 8;

    public override int AlignmentOffset => 4;

    internal static MobileNetworkPrefixOption? Parse(ReadOnlySpan<byte> data) =>
        data.Length == Length ? new(data[PrefixLengthOffset], Addresses.ReadIPv6(data[PrefixOffset..])) : null;

    private protected override void WriteData(Span<byte> data)
    {
        data[ReservedOffset] = 0;
        data[PrefixLengthOffset] = PrefixLength;
        Addresses.WriteIPv6(Prefix, data[PrefixOffset..]);
    }
}
