using Shisa.DataPlane;
using Shisa.DataPlane.Ports;

namespace Shisa.Appliance.Hosting;

/// <summary>Creates the data plane pieces a run needs.</summary>
internal static class DataPlaneFactory
{
    /// <summary>
    /// Signalling leaves through a raw IPv6 socket (DESIGN 5): any source address and extension headers, and the
    /// kernel routes and resolves neighbours.
    /// </summary>
    public static IPacketSender CreateSender() => RawIpv6Sender.Open();
}
