using System.Net;

namespace Shisa.DataPlane.Bus;

/// <summary>What a movement detector reports, valued as SHISA's MIPM_MD_* commands.</summary>
public enum MovementCommand : byte
{
    /// <summary>MIPM_MD_REREG: a new care-of address; register it.</summary>
    NewCareOfAddress = 0x01,

    /// <summary>MIPM_MD_DEREGHOME: back on the home link; deregister.</summary>
    ReturnedHome = 0x02,

    /// <summary>MIPM_MD_DEREGFOREIGN: a care-of address went away; deregister it.</summary>
    CareOfAddressRemoved = 0x03,

    /// <summary>
    /// MIPM_MD_SCAN: look again (e.g. after a link change with no address yet). The movement detector publishes it
    /// when the interface the node was attached through loses its link: what that link's router advertisements
    /// taught the kernel is stale from then on.
    /// </summary>
    Scan = 0x04,
}

/// <summary>
/// MIPM_MD_INFO (10): movement, from the movement detector to the mobile node and router (mipsock mipm_md_info).
/// </summary>
/// <param name="Command">What happened.</param>
/// <param name="CareOfAddress">The new (or removed) care-of address; on <see cref="MovementCommand.ReturnedHome"/>
/// the home address, as in SHISA; null for <see cref="MovementCommand.Scan"/>.</param>
/// <param name="InterfaceName">The interface it happened on.</param>
/// <param name="InterfaceIndex">That interface's index, 0 when unknown.</param>
/// <param name="OnHomeLink">True when the interface is attached to the home link.</param>
/// <param name="HomeAddress">When set, the move applies to this home address only (SHISA's MIPM_MD_ADDR hint).</param>
/// <param name="Formed">On <see cref="MovementCommand.NewCareOfAddress"/>: the movement detector formed the care-of
/// address itself, from what it remembers of the link's router (RFC 6059 DNA), before any router advertisement
/// taught the kernel; the data plane puts it on the interface with a route through that router.</param>
public sealed record MovementInfo(
    MovementCommand Command,
    IPAddress? CareOfAddress,
    string InterfaceName,
    int InterfaceIndex,
    bool OnHomeLink,
    IPAddress? HomeAddress = null,
    FormedCareOfAddress? Formed = null) : MobilityMessage
{
    public override MessageType Type => MessageType.MovementInfo;
}

/// <summary>
/// A care-of address formed from a remembered router's prefix (RFC 6059 5.1's SDAT: the addresses a host configured
/// on a router's link) when DNA confirms that link: what the kernel's SLAAC would have made from the router's next
/// advertisement (RFC 4862 5.5.3), which refreshes it.
/// </summary>
/// <param name="Router">The router's link-local address: the default router on that link.</param>
/// <param name="PrefixLength">The advertised prefix's length.</param>
/// <param name="ValidLifetime">What is left of the prefix's valid lifetime.</param>
/// <param name="PreferredLifetime">What is left of its preferred lifetime.</param>
public sealed record FormedCareOfAddress(IPAddress Router, int PrefixLength, TimeSpan ValidLifetime, TimeSpan PreferredLifetime);
