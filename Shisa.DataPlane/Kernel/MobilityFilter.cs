using System.Net;

namespace Shisa.DataPlane.Kernel;

/// <summary>
/// What the kernel must leave alone because the appliance handles it itself (DESIGN 5). Without
/// CONFIG_IPV6_MIP6 the kernel answers a Mobility Header or IPv6-in-IPv6 packet addressed to it with ICMPv6
/// Parameter Problem code 1, a Home Address option with code 2, a type 2 routing header with code 0; and a
/// packet the appliance intercepts with AF_PACKET would also be forwarded. The rules drop those packets in the
/// kernel (after AF_PACKET taps have seen them) and drop the kernel's Parameter Problem answers about them.
/// The switches say which rules table <c>ip6 NAME</c> holds; <see cref="Netlink.Nftables"/> encodes them as one
/// nfnetlink batch (<see cref="IKernel.ReplaceTable"/>), with chains input, output and forward at priority
/// filter - 10, policy accept.
/// </summary>
public sealed class MobilityFilter
{
    /// <summary>
    /// The firewall mark (SO_MARK) of the appliance's own signalling socket: its ICMPv6 Parameter Problems (a home
    /// agent's answer to a malformed Mobility Header, RFC 6275 9.2) are not the kernel's and must go out.
    /// </summary>
    public const int SignallingMark = 0x5348;

    /// <summary>Drop Mobility Header (135) packets addressed to this node.</summary>
    public bool DropMobilityHeader { get; init; } = true;

    /// <summary>Drop IPv6-in-IPv6 (41) packets addressed to this node (the appliance decapsulates them).</summary>
    public bool DropTunnelled { get; init; } = true;

    /// <summary>Drop packets addressed to this node whose Destination Options header carries a Home Address option.</summary>
    public bool DropHomeAddressOption { get; init; } = true;

    /// <summary>Drop packets addressed to this node with a type 2 routing header.</summary>
    public bool DropType2RoutingHeader { get; init; } = true;

    /// <summary>Drop Neighbor Solicitations and Advertisements the kernel would forward (a unicast solicitation for a home address the home agent answers itself).</summary>
    public bool DropForwardedNeighborDiscovery { get; init; } = true;

    /// <summary>Drop the kernel's own ICMPv6 Parameter Problem about MH, 41, Destination Options and Routing headers.</summary>
    public bool SuppressParameterProblems { get; init; } = true;

    /// <summary>
    /// A home agent's Home-Agents anycast address (RFC 2526), or null. DHAAD requests (ICMPv6 144) to it are answered
    /// by the appliance (RFC 6275 10.5); the address is on no interface, so the kernel would also forward the request
    /// onto the home link, fail neighbour discovery and 3 s later send the mobile node an address unreachable
    /// (RFC 4443 3.1, code 3). Set: they are dropped in chain forward.
    /// </summary>
    public IPAddress? HomeAgentsAnycast { get; init; }
}
