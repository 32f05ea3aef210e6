using System.Text;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Mobile Node Identifier option, RFC 4283 3: no alignment requirement; Option Length is 1 (Subtype) plus the
/// identifier's length. Subtype 1 is the Network Access Identifier (RFC 4282).
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 8    | Option Length |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Subtype      |          Identifier ...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record MobileNodeIdentifierOption(byte Subtype, Octets Identifier) : MobilityOption(MobilityOptionType.MobileNodeIdentifier)
{
    public const byte NaiSubtype = 1;
    private const int SubtypeOffset = 0;
    private const int IdentifierOffset = 1;

    /// <summary>The identifier as text (UTF-8), meaningful for the NAI subtype.</summary>
    public string IdentifierText => Encoding.UTF8.GetString(Identifier.Span);

    public override int DataLength => IdentifierOffset + Identifier.Length;

    public static MobileNodeIdentifierOption FromNai(string nai) => new(NaiSubtype, Octets.Copy(Encoding.UTF8.GetBytes(nai)));

    internal static MobileNodeIdentifierOption? Parse(ReadOnlySpan<byte> data) =>
        data.Length >= IdentifierOffset ? new(data[SubtypeOffset], Octets.Copy(data[IdentifierOffset..])) : null;

    private protected override void WriteData(Span<byte> data)
    {
        data[SubtypeOffset] = Subtype;
        Identifier.Span.CopyTo(data[IdentifierOffset..]);
    }
}
