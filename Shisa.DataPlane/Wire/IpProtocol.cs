namespace Shisa.DataPlane.Wire;

/// <summary>
/// Next Header values (IANA "Assigned Internet Protocol Numbers") that the Mobile IPv6 data plane meets.
/// Kept as byte constants: the field is one octet on the wire and a value outside this list is legal.
/// </summary>
public static class IpProtocol
{
    /// <summary>Hop-by-Hop Options header (RFC 8200 4.3); only directly after the IPv6 header.</summary>
    public const byte HopByHop = 0;

    public const byte Tcp = 6;

    public const byte Udp = 17;

    /// <summary>IPv6 encapsulated in IPv6 (RFC 2473).</summary>
    public const byte Ipv6 = 41;

    /// <summary>Routing header (RFC 8200 4.4); type 2 is Mobile IPv6's (RFC 6275 6.4).</summary>
    public const byte Routing = 43;

    /// <summary>Fragment header (RFC 8200 4.5).</summary>
    public const byte Fragment = 44;

    /// <summary>Encapsulating Security Payload (RFC 4303): nothing after it can be read.</summary>
    public const byte Esp = 50;

    /// <summary>Authentication Header (RFC 4302); its length is in 4-octet units.</summary>
    public const byte AuthenticationHeader = 51;

    public const byte Icmpv6 = 58;

    /// <summary>No Next Header (RFC 8200 4.7).</summary>
    public const byte NoNextHeader = 59;

    /// <summary>Destination Options header (RFC 8200 4.6); carries the Home Address option (RFC 6275 6.3).</summary>
    public const byte DestinationOptions = 60;

    /// <summary>Mobility Header (RFC 6275 6.1).</summary>
    public const byte Mobility = 135;
}
