using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;

namespace Shisa.Appliance.Control;

/// <summary>What the kernel holds of the appliance's forwarding state, read once (routes and rules tagged proto 0x53, TUN addresses).</summary>
public sealed record KernelState(
    IReadOnlyList<KernelRoute> Routes,
    IReadOnlyList<KernelRule> Rules,
    IReadOnlyList<KernelAddress> TunnelAddresses);

/// <summary>One line of <c>shisa ctl bindings</c>: a daemon binding with what the kernel lacks of it, or a kernel entry no binding explains.</summary>
public sealed record BindingComparison(string Source, string Binding, IReadOnlyList<string> Missing, string? KernelOnly)
{
    /// <summary>"ok", "MISSING" (the daemon has the binding, the kernel lacks some of its state) or "STALE" (kernel only).</summary>
    public string Mark => KernelOnly is not null ? "STALE" : Missing.Count > 0 ? "MISSING" : "ok";
}

/// <summary>
/// SHISA's <c>show bc</c> beside <c>show kbc</c>: the bindings the modules announced on the bus beside what the
/// forwarding-state writer put in the kernel for them (the rules of <c>Forwarding/HomeAgentBindings</c> and
/// <c>MobileNodeBindings</c>): a home agent's binding needs its home address and prefixes routed into the TUN (its
/// proxy Neighbor Discovery is the appliance's own, answered from the binding table); a mobile node's home registration needs its home address on the TUN and a policy
/// rule from it; a correspondent's bindings live in user space only. A route into the TUN that no home agent binding
/// explains is stale.
/// </summary>
public static class KernelBindingView
{
    public static IReadOnlyList<BindingComparison> Compare(
        IReadOnlyList<BindingCacheEntry> cache,
        IReadOnlyList<BindingUpdateListEntry> updateList,
        KernelState kernel,
        string tunnel,
        bool isHomeAgent)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var routes = kernel.Routes.Where(r => r.Device == tunnel).Select(r => r.Destination).ToHashSet();
        var explained = new HashSet<IPNetwork>();
        var lines = new List<BindingComparison>();
        foreach (var entry in cache)
        {
            string text = $"{entry.HomeAddress} -> {entry.CareOfAddress}{(entry.BindingId != 0 ? $" id {entry.BindingId}" : "")}";
            if (!entry.IsHomeRegistration)
            {
                lines.Add(new BindingComparison("correspondent", text, [], null));
                continue;
            }

            var missing = new List<string>();
            foreach (var network in entry.MobileNetworkPrefixes.Select(p => new IPNetwork(p.Network, p.Length)).Prepend(new IPNetwork(entry.HomeAddress, 128)))
            {
                explained.Add(network);
                if (!routes.Contains(network))
                {
                    missing.Add($"route {network} dev {tunnel}");
                }
            }

            lines.Add(new BindingComparison("home_agent", text, missing, null));
        }

        foreach (var entry in updateList.Where(e => e.IsHomeRegistration))
        {
            var missing = new List<string>();
            if (!kernel.TunnelAddresses.Any(a => a.Address.Equals(entry.HomeAddress)))
            {
                missing.Add($"address {entry.HomeAddress}/128 dev {tunnel}");
            }

            if (!kernel.Rules.Any(r => r.From is { } from && from.BaseAddress.Equals(entry.HomeAddress) && from.PrefixLength == 128))
            {
                missing.Add($"rule from {entry.HomeAddress}/128");
            }

            lines.Add(new BindingComparison("mobile_node", $"{entry.HomeAddress} -> {entry.CareOfAddress} via {entry.Peer}", missing, null));
        }

        if (isHomeAgent)
        {
            foreach (var route in kernel.Routes.Where(r => r.Device == tunnel && !explained.Contains(r.Destination) && r.Destination.PrefixLength > 0))
            {
                lines.Add(new BindingComparison("kernel", route.Destination.ToString(), [], route.ToString()));
            }
        }

        return lines;
    }
}
