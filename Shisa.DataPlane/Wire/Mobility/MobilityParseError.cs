namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Why a Mobility Header was refused (RFC 6275 9.2). <see cref="MobilityHeader.ParameterProblemPointer"/> tells which
/// refusals RFC 6275 answers with an ICMPv6 Parameter Problem and where its pointer points.
/// </summary>
public enum MobilityParseError
{
    None = 0,

    /// <summary>Fewer octets than the 6-octet common header plus checksum, or than Header Len announces.</summary>
    Truncated,

    /// <summary>Payload Proto is not IPPROTO_NONE (59): Parameter Problem code 0, pointer to offset 0 (RFC 6275 9.2).</summary>
    PayloadProtoNotNone,

    /// <summary>Header Len below the minimum of the MH Type: Parameter Problem code 0, pointer to offset 1 (RFC 6275 9.2).</summary>
    HeaderLengthBelowMinimum,

    /// <summary>The checksum under the pseudo-header does not verify: silently discard (RFC 6275 9.2).</summary>
    BadChecksum,

    /// <summary>The MH Type is not known: answer with a Binding Error, status 2 (RFC 6275 9.2, 6.1.9).</summary>
    UnknownType,

    /// <summary>A known mobility option carries a length its RFC does not allow (RFC 6275 6.2.1).</summary>
    BadOptionLength,

    /// <summary>A mobility option runs past the end of the Mobility Header (RFC 6275 6.2.1).</summary>
    OptionOverrun,
}
