namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// A mobility option (RFC 6275 6.2.1), one record per option type; types this codec does not know are kept as
/// <see cref="UnknownOption"/> (a receiver skips them, RFC 6275 6.2.1). Padding (Pad1, PadN) is layout, not
/// content: the parser drops it and the writer inserts it where each option's alignment rule asks.
/// <code>
///  0                   1                   2
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- - - - - - - - -
/// |  Option Type  | Option Length |   Option Data...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- - - - - - - - -
/// </code>
/// </summary>
public abstract record MobilityOption
{
    /// <summary>The Option Type and Option Length octets.</summary>
    public const int HeaderLength = 2;

    private protected MobilityOption(MobilityOptionType type) => Type = type;

    public MobilityOptionType Type { get; }

    /// <summary>Octets after the Option Length field (the value of Option Length).</summary>
    public abstract int DataLength { get; }

    /// <summary>The option's alignment requirement xn+y: x (a power of two, 1 when none).</summary>
    public virtual int AlignmentModulus => 1;

    /// <summary>The option's alignment requirement xn+y: y.</summary>
    public virtual int AlignmentOffset => 0;

    /// <summary>Octets on the wire, Option Type and Option Length included.</summary>
    public int GetByteCount() => HeaderLength + DataLength;

    /// <summary>Writes the Option Data (exactly <see cref="DataLength"/> octets).</summary>
    private protected abstract void WriteData(Span<byte> data);

    /// <summary>Writes the whole option at the start of <paramref name="destination"/>; the caller saw to length and alignment.</summary>
    internal void WriteTo(Span<byte> destination)
    {
        destination[0] = (byte)Type;
        destination[1] = (byte)DataLength;
        WriteData(destination.Slice(HeaderLength, DataLength));
    }

    /// <summary>Builds the typed option from a raw one whose length was checked against the message.</summary>
    internal static MobilityParseError TryParse(MobilityOptionType type, ReadOnlySpan<byte> data, out MobilityOption? option)
    {
        option = type switch
        {
            MobilityOptionType.BindingRefreshAdvice => BindingRefreshAdviceOption.Parse(data),
            MobilityOptionType.AlternateCareOfAddress => AlternateCareOfAddressOption.Parse(data),
            MobilityOptionType.NonceIndices => NonceIndicesOption.Parse(data),
            MobilityOptionType.BindingAuthorizationData => BindingAuthorizationDataOption.Parse(data),
            MobilityOptionType.MobileNetworkPrefix => MobileNetworkPrefixOption.Parse(data),
            MobilityOptionType.MobileNodeIdentifier => MobileNodeIdentifierOption.Parse(data),
            MobilityOptionType.MobilityMessageAuthentication => MobilityMessageAuthenticationOption.Parse(data),
            MobilityOptionType.MobilityMessageReplayProtection => MobilityMessageReplayProtectionOption.Parse(data),
            MobilityOptionType.IPv4HomeAddress => IPv4HomeAddressOption.Parse(data),
            MobilityOptionType.IPv4AddressAcknowledgement => IPv4AddressAcknowledgementOption.Parse(data),
            MobilityOptionType.NatDetection => NatDetectionOption.Parse(data),
            MobilityOptionType.IPv4CareOfAddress => IPv4CareOfAddressOption.Parse(data),
            MobilityOptionType.BindingIdentifier => BindingIdentifierOption.Parse(data),
            _ => new UnknownOption(type, Octets.Copy(data)),
        };
        return option is null ? MobilityParseError.BadOptionLength : MobilityParseError.None;
    }
}
