using System.Net;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.Modules.MovementDetection;

/// <summary>
/// Router and Neighbor Discovery on one egress interface for the movement detector: what it sends (RS, unicast NS)
/// and the valid RAs and NAs it hears. A raw ICMPv6 socket on Linux, a fake in tests.
/// </summary>
public interface INeighborDiscoveryLink : IDisposable
{
    /// <summary>
    /// Starts receiving; the callbacks run on the link's receive thread, with the time the kernel received the
    /// message when it tells (null: take the time of the call).
    /// </summary>
    void Start(Action<IPAddress, RouterAdvertisement, DateTimeOffset?> routerAdvertisement, Action<IPAddress, bool, DateTimeOffset?> neighborAdvertisement);

    bool TrySendRouterSolicitation();

    bool TrySendNeighborSolicitation(IPAddress target);
}
