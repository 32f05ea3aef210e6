namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>Codes of the ICMPv6 Parameter Problem message (RFC 4443 3.4).</summary>
public enum ParameterProblemCode : byte
{
    /// <summary>Erroneous header field encountered.</summary>
    ErroneousHeaderField = 0,

    /// <summary>Unrecognized Next Header type encountered.</summary>
    UnrecognizedNextHeader = 1,

    /// <summary>Unrecognized IPv6 option encountered.</summary>
    UnrecognizedOption = 2,
}
