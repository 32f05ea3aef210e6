using System.Net;

namespace Shisa.DataPlane.Signalling;

/// <summary>What kind of signalling a module wants to receive from the data plane.</summary>
[Flags]
public enum SignallingKinds
{
    None = 0,

    /// <summary>Mobility Header messages (next header 135): BU, BA, BE, BRR, HoTI/CoTI, HoT/CoT.</summary>
    MobilityHeader = 1 << 0,

    /// <summary>ICMPv6 Home Agent Address Discovery Request/Reply (144, 145; RFC 6275 6.5, 6.6).</summary>
    HomeAgentDiscovery = 1 << 1,

    /// <summary>ICMPv6 Mobile Prefix Solicitation/Advertisement (146, 147; RFC 6275 6.7, 6.8).</summary>
    MobilePrefix = 1 << 2,

    /// <summary>ICMPv6 Parameter Problem about our own packets (e.g. an HAO a correspondent did not understand).</summary>
    ParameterProblem = 1 << 3,

    /// <summary>ICMPv6 Router Advertisements (movement detection, home agent lists).</summary>
    RouterAdvertisement = 1 << 4,

    All = MobilityHeader | HomeAgentDiscovery | MobilePrefix | ParameterProblem | RouterAdvertisement,
}

/// <summary>
/// A signalling packet the data plane received and hands to the modules: the complete IPv6 packet (the inner
/// one when it came IPv6-in-IPv6, e.g. a HoT the home agent tunnelled), where it arrived, and the outer
/// addresses of the tunnel it came through. The bytes belong to the receiver; parse them with
/// <c>Shisa.DataPlane.Wire.Ipv6Packet</c>.
/// </summary>
public sealed record SignallingPacket(
    ReadOnlyMemory<byte> Packet,
    SignallingKinds Kind,
    string InterfaceName,
    int InterfaceIndex,
    DateTimeOffset ReceivedAt,
    IPAddress? TunnelSource = null,
    IPAddress? TunnelDestination = null)
{
    public bool Tunnelled => TunnelSource is not null;
}
