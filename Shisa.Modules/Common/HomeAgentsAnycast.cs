using System.Net;
using System.Net.Sockets;

using Shisa.DataPlane.Bus;

namespace Shisa.Modules.Common;

/// <summary>
/// The Mobile IPv6 Home-Agents anycast address of a home prefix (RFC 2526, RFC 6275 10.5, 11.4.1): where a mobile
/// node sends DHAAD requests and what a home agent answers on.
/// </summary>
public static class HomeAgentsAnycast
{
    /// <summary>Anycast ID of the Mobile IPv6 Home-Agents address (RFC 2526 3: 0x7E).</summary>
    public const byte AnycastId = Shisa.DataPlane.Kernel.MobilityFilter.HomeAgentsAnycastId;

    /// <summary>The Home-Agents anycast address of <paramref name="prefix"/>; see <see cref="For(IPAddress, int)"/>.</summary>
    public static IPAddress For(Prefix prefix) => For(prefix.Network, prefix.Length);

    /// <summary>
    /// The prefix of <paramref name="homeAddress"/> with every interface identifier bit set except the last seven,
    /// which hold 0x7E; for a 64-bit (EUI-64 format) identifier the universal/local bit is clear (RFC 2526 2):
    /// for 2001:db8:1::/64 that is 2001:db8:1::fdff:ffff:ffff:fffe.
    /// </summary>
    public static IPAddress For(IPAddress homeAddress, int prefixLength) =>
        Shisa.DataPlane.Kernel.MobilityFilter.HomeAgentsAnycastOf(homeAddress, prefixLength);
}
