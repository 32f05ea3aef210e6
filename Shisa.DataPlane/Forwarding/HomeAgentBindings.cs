using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// The home agent's binding cache (home registrations): RFC 6275 10.4.1, the home address and the mobile router's
/// prefixes (RFC 3963) routed into the TUN, the home address defended on the home link by a proxy ND entry.
/// </summary>
internal sealed class HomeAgentBindings(
    BindingTable table,
    DesiredKernelState desired,
    string tunnel,
    string? homeLink,
    IPAddress? homeAgentAddress,
    ILogger logger) : StateHandler
{
    /// <summary>
    /// The metric of a mobile network prefix's route via the mobile router's home address on the home link, behind
    /// the tunnel route (the kernel's default metric, 1024): RFC 3963 leaves the routing of a mobile network whose
    /// router is at home to ordinary routing (a static route or a routing protocol, section 8), and the prefix table
    /// (6.1.2) names the router's home address. So once a prefix was granted, the home agent keeps routing it to the
    /// home address on the home link; while the router is away, its binding's tunnel route wins.
    /// </summary>
    public const int HomeLinkPrefixMetric = 2048;

    /// <summary>The prefixes granted per home address, routed via it on the home link (kept when the binding goes).</summary>
    private readonly Dictionary<UInt128, PrefixKey[]> _granted = [];

    public override IReadOnlyList<MessageType> Types { get; } =
        [MessageType.BindingCacheAdd, MessageType.BindingCacheRemove, MessageType.BindingCacheFlush];

    public override bool Apply(MobilityMessage message)
    {
        switch (message)
        {
            case BindingCacheAdd add when add.Entry.IsHomeRegistration:
                Add(add.Entry);
                return true;
            case BindingCacheRemove remove when remove.Entry.IsHomeRegistration:
                if (table.Remove(AddressKey.From(remove.Entry.HomeAddress), out var removed))
                {
                    Release(removed);
                    ForwardingLog.BindingRemoved(logger, "binding cache", remove.Entry.HomeAddress);
                }

                return true;
            case BindingCacheFlush:
                foreach (var binding in table.Clear())
                {
                    Release(binding);
                }

                return true;
            default:
                return false;
        }
    }

    private void Add(BindingCacheEntry entry)
    {
        var local = entry.Peer.Equals(IPAddress.IPv6Any) || entry.Peer.Equals(IPAddress.IPv6None) ? homeAgentAddress! : entry.Peer;
        var binding = new TunnelBinding(entry.HomeAddress, local, entry.CareOfAddress, entry.MobileNetworkPrefixes, true, entry.Sequence);
        if (table.Set(binding, out var previous) == BindingSetResult.Full)
        {
            ForwardingLog.TableFull(logger, "binding cache", entry.HomeAddress, table.Capacity);
            return;
        }

        // The new binding's items before the old one's are released: what both need never leaves the kernel.
        Require(binding);
        if (previous is not null)
        {
            Release(previous);
        }

        Grant(binding);
        ForwardingLog.BindingSet(logger, "binding cache", binding.ToString());
    }

    private void Require(TunnelBinding binding) => ForEachItem(binding, desired.Require, desired.Require);

    private void Release(TunnelBinding binding) => ForEachItem(binding, desired.Release, desired.Release);

    /// <summary>What a binding needs: its home address and prefixes routed into the TUN, the home address proxied on the home link.</summary>
    private void ForEachItem(TunnelBinding binding, Action<KernelRoute> route, Action<KernelProxyNeighbor> proxy)
    {
        var homeAddress = AddressKey.ToAddress(binding.HomeAddress);
        route(new KernelRoute(new IPNetwork(homeAddress, 128), tunnel));
        foreach (var prefix in binding.MobileNetworkPrefixes)
        {
            route(new KernelRoute(Network(prefix), tunnel));
        }

        if (homeLink is not null)
        {
            proxy(new KernelProxyNeighbor(homeAddress, homeLink));
        }
    }

    /// <summary>The granted prefixes' routes via the home address on the home link follow the latest binding's prefixes.</summary>
    private void Grant(TunnelBinding binding)
    {
        if (homeLink is null)
        {
            return;
        }

        var via = AddressKey.ToAddress(binding.HomeAddress);
        var now = binding.MobileNetworkPrefixes.ToArray();
        var before = _granted.GetValueOrDefault(binding.HomeAddress, []);
        foreach (var prefix in now.Except(before))
        {
            desired.Require(new KernelRoute(Network(prefix), homeLink, Metric: HomeLinkPrefixMetric, Via: via));
        }

        foreach (var prefix in before.Except(now))
        {
            desired.Release(new KernelRoute(Network(prefix), homeLink, Metric: HomeLinkPrefixMetric, Via: via));
        }

        if (now.Length == 0)
        {
            _granted.Remove(binding.HomeAddress);
        }
        else
        {
            _granted[binding.HomeAddress] = now;
        }
    }

    internal static IPNetwork Network(PrefixKey prefix) => new(AddressKey.ToAddress(prefix.Network), prefix.Length);
}
