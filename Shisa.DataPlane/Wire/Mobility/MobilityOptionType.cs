namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>Mobility option types (RFC 6275 6.2; IANA "Mobility Options", checked against Wireshark's table).</summary>
public enum MobilityOptionType : byte
{
    /// <summary>RFC 6275 6.2.2: one octet, no length field.</summary>
    Pad1 = 0,

    /// <summary>RFC 6275 6.2.3.</summary>
    PadN = 1,

    /// <summary>RFC 6275 6.2.4.</summary>
    BindingRefreshAdvice = 2,

    /// <summary>RFC 6275 6.2.5.</summary>
    AlternateCareOfAddress = 3,

    /// <summary>RFC 6275 6.2.6.</summary>
    NonceIndices = 4,

    /// <summary>RFC 6275 6.2.7.</summary>
    BindingAuthorizationData = 5,

    /// <summary>RFC 3963 4.3.</summary>
    MobileNetworkPrefix = 6,

    /// <summary>RFC 4283 3 (MN-ID-OPTION-TYPE).</summary>
    MobileNodeIdentifier = 8,

    /// <summary>RFC 4285 5 (AUTH-OPTION-TYPE).</summary>
    MobilityMessageAuthentication = 9,

    /// <summary>RFC 4285 6 (MESG-ID-OPTION-TYPE).</summary>
    MobilityMessageReplayProtection = 10,

    /// <summary>RFC 5555 3.1.1.</summary>
    IPv4HomeAddress = 29,

    /// <summary>RFC 5555 3.2.1.</summary>
    IPv4AddressAcknowledgement = 30,

    /// <summary>RFC 5555 3.2.2.</summary>
    NatDetection = 31,

    /// <summary>RFC 5555 3.1.2.</summary>
    IPv4CareOfAddress = 32,

    /// <summary>RFC 5648 6.1.</summary>
    BindingIdentifier = 35,
}
