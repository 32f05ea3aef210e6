namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Binding Authorization Data option, RFC 6275 6.2.7: it must be the last option, hence the implicit alignment 8n+2;
/// the authenticator of return routability is 96 bits (Option Length 12; scapy's default of 16 is wrong), but the
/// field is variable, so any length is accepted here and judged by whoever verifies it (Shisa.DataPlane.Wire.Crypto).
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 5    | Option Length |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Authenticator                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record BindingAuthorizationDataOption(Octets Authenticator) : MobilityOption(MobilityOptionType.BindingAuthorizationData)
{
    /// <summary>First(96, HMAC_SHA1(...)), RFC 6275 5.2.6.</summary>
    public const int ReturnRoutabilityAuthenticatorLength = 12;

    /// <summary>A placeholder of the right size, to be filled by ReturnRoutability.TrySign after writing.</summary>
    public static BindingAuthorizationDataOption Placeholder { get; } = new(Octets.Copy(new byte[ReturnRoutabilityAuthenticatorLength]));

    public override int DataLength => Authenticator.Length;

    public override int AlignmentModulus => 8;

    public override int AlignmentOffset => 2;

    internal static BindingAuthorizationDataOption Parse(ReadOnlySpan<byte> data) => new(Octets.Copy(data));

    private protected override void WriteData(Span<byte> data) => Authenticator.Span.CopyTo(data);
}
