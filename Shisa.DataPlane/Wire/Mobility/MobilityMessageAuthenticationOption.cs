using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Mobility Message Authentication option, RFC 4285 5 (subtype 1 MN-HA, 5.1; subtype 2 MN-AAA, 5.2): alignment
/// 4n+1 (so the SPI lands on a 4-octet boundary); it is the last option of the message. The authenticator of
/// MN-HA is 96 bits; see Shisa.DataPlane.Wire.Crypto.MnHaAuthentication.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 9    | Option Length |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Subtype     |                 Mobility SPI ...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ... Mobility SPI|        Authentication Data ...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record MobilityMessageAuthenticationOption(byte Subtype, uint Spi, Octets Authenticator) : MobilityOption(MobilityOptionType.MobilityMessageAuthentication)
{
    public const byte MnHaSubtype = 1;
    public const byte MnAaaSubtype = 2;

    /// <summary>First(96, HMAC_SHA1(...)), RFC 4285 5.1.</summary>
    public const int MnHaAuthenticatorLength = 12;

    /// <summary>Offset of the Subtype octet in the Option Data.</summary>
    public const int SubtypeOffset = 0;

    /// <summary>Offset of the Mobility SPI in the Option Data.</summary>
    public const int SpiOffset = 1;

    /// <summary>Offset of the Authentication Data in the Option Data.</summary>
    public const int AuthenticatorOffset = 5;

    /// <summary>An MN-HA option with a zero authenticator of the right size, to be filled after writing.</summary>
    public static MobilityMessageAuthenticationOption MnHaPlaceholder(uint spi) => new(MnHaSubtype, spi, Octets.Copy(new byte[MnHaAuthenticatorLength]));

    public override int DataLength => AuthenticatorOffset + Authenticator.Length;

    public override int AlignmentModulus => 4;

    public override int AlignmentOffset => 1;

    internal static MobilityMessageAuthenticationOption? Parse(ReadOnlySpan<byte> data) =>
        data.Length >= AuthenticatorOffset
            ? new(data[SubtypeOffset], BinaryPrimitives.ReadUInt32BigEndian(data[SpiOffset..]), Octets.Copy(data[AuthenticatorOffset..]))
            : null;

    private protected override void WriteData(Span<byte> data)
    {
        data[SubtypeOffset] = Subtype;
        BinaryPrimitives.WriteUInt32BigEndian(data[SpiOffset..], Spi);
        Authenticator.Span.CopyTo(data[AuthenticatorOffset..]);
    }
}
