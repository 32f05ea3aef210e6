using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// Several uplinks: outer packets (tunnelled traffic and signalling) leave through the uplink of the care-of address
/// they carry as source, never by the main table's choice. Uplink <c>i</c> of the profile's <c>interfaces</c> gets
/// routing table <c>tableBase + i</c> holding that uplink's default routes, copied from the main table (where the
/// kernel puts a router advertisement's default router, and an operator or pppd a point-to-point link's
/// <c>default dev ppp0</c>), and the care-of address in use on it a rule <c>from CoA lookup TABLE</c>. With two
/// uplinks up, the main table holds both links' default routers and picks one for every source: a packet from one
/// uplink's care-of address sent through the other is dropped by any access network that filters sources
/// (BCP 38), and a failover to the other uplink would not move the traffic.
/// </summary>
/// <remarks>
/// The table also gets the uplink's link-local prefix, so that a lookup from the care-of address to a link-local
/// destination stays on the link. Routes are read when the care-of address is reported (a router advertisement
/// installs its default route before the address it forms) and withdrawn when the link is gone.
/// </remarks>
internal sealed class UplinkRoutes(DesiredKernelState desired, IKernel kernel, IReadOnlyList<string> uplinks, int tableBase, int priority, ILogger logger)
{
    private static readonly IPNetwork LinkLocal = IPNetwork.Parse("fe80::/64");

    /// <summary>What is wanted per uplink: at most one care-of address each, so bounded by the profile's list.</summary>
    private readonly Dictionary<string, (IReadOnlyList<KernelRoute> Routes, KernelRule Rule)> _wanted = new(StringComparer.Ordinal);

    /// <summary>The routing table of <paramref name="device"/>, or null when it is not one of the profile's uplinks.</summary>
    public int? TableOf(string device)
    {
        for (int i = 0; i < uplinks.Count; i++)
        {
            if (string.Equals(uplinks[i], device, StringComparison.Ordinal))
            {
                return tableBase + i;
            }
        }

        return null;
    }

    /// <summary>
    /// Routes packets from <paramref name="careOf"/> through <paramref name="device"/>, replacing what the uplink had;
    /// via <paramref name="router"/> when the main table has no default route there yet (a link confirmed by DNA
    /// before its router advertised).
    /// </summary>
    public void Use(string device, IPAddress careOf, IPAddress? router = null)
    {
        if (TableOf(device) is not { } table)
        {
            return;
        }

        IReadOnlyList<KernelRoute> defaults;
        try
        {
            defaults = kernel.ListDefaultRoutes(device);
        }
        catch (KernelException e)
        {
            Forget(device);
            ForwardingLog.UplinkUnrouted(logger, device, careOf, e.Message);
            return;
        }

        if (defaults.Count == 0 && router is not null)
        {
            defaults = [new KernelRoute(new IPNetwork(IPAddress.IPv6Any, 0), device, Via: router)];
        }

        if (defaults.Count == 0)
        {
            Forget(device);
            ForwardingLog.UplinkUnrouted(logger, device, careOf, "none yet");
            return;
        }

        List<KernelRoute> routes = [.. defaults.Select(r => r with { Table = table }), new KernelRoute(LinkLocal, device, table)];
        var rule = new KernelRule(new IPNetwork(careOf, 128), table, priority);

        // Require before release: what the old and new sets share stays installed throughout.
        routes.ForEach(desired.Require);
        desired.Require(rule);
        Forget(device);
        _wanted[device] = (routes, rule);
        ForwardingLog.UplinkRouted(logger, careOf, device, table, string.Join("; ", routes));
    }

    /// <summary>The uplink is gone (carrier lost, removed): its table and rule go with it.</summary>
    public void Forget(string device)
    {
        if (_wanted.Remove(device, out var previous))
        {
            previous.Routes.ToList().ForEach(desired.Release);
            desired.Release(previous.Rule);
        }
    }
}
