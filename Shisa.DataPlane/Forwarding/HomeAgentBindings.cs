using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// The home agent's binding cache (home registrations): RFC 6275 10.4.1, the home address and the mobile router's
/// prefixes (RFC 3963) routed into the TUN. The home address is defended on the home link by the appliance itself
/// (<see cref="Neighbors.ProxyNeighborResponder"/> answers from this table); a new binding is announced with an
/// unsolicited Neighbor Advertisement once its route is in the kernel. With RFC 5648 a home address has one binding per
/// binding id, each its own tunnel: the table holds the preferred one (the lowest binding id: the mobile node numbers
/// its uplinks in its order of preference) with the others as alternates, and when a binding goes the next one is in
/// the table in the same batch, before any later packet is read.
/// </summary>
internal sealed class HomeAgentBindings(
    BindingTable table,
    DesiredKernelState desired,
    string tunnel,
    string? homeLink,
    IPAddress? homeAgentAddress,
    Action<IReadOnlyList<UInt128>> announce,
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

    /// <summary>Home addresses newly bound since the last sync, to announce on the home link.</summary>
    private readonly List<UInt128> _toAnnounce = [];

    /// <summary>Each bound home address's bindings by binding id (the lowest first): one, or several with RFC 5648.</summary>
    private readonly Dictionary<UInt128, SortedList<ushort, TunnelBinding>> _bindings = [];

    /// <summary>Home addresses unbound since the last sync: bound again in the same batch (a resync), they are not new.</summary>
    private readonly HashSet<UInt128> _removedSinceSync = [];

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
                Remove(remove.Entry);
                return true;
            case BindingCacheFlush:
                _bindings.Clear();
                foreach (var binding in table.Clear())
                {
                    _removedSinceSync.Add(binding.HomeAddress);
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
        var home = AddressKey.From(entry.HomeAddress);
        if (!_bindings.TryGetValue(home, out var bindings))
        {
            bindings = [];
        }

        // The counters follow the binding id across refreshes and moves.
        var traffic = bindings.TryGetValue(entry.BindingId, out var old) ? old.Traffic : null;
        var binding = new TunnelBinding(entry.HomeAddress, local, entry.CareOfAddress, entry.MobileNetworkPrefixes, true, entry.Sequence, entry.BindingId, traffic);
        bindings[entry.BindingId] = binding;
        if (!Publish(home, bindings))
        {
            bindings.Remove(entry.BindingId);
            ForwardingLog.TableFull(logger, "binding cache", entry.HomeAddress, table.Capacity);
            return;
        }

        _bindings[home] = bindings;
        ForwardingLog.BindingSet(logger, "binding cache", binding.ToString());
    }

    private void Remove(BindingCacheEntry entry)
    {
        var home = AddressKey.From(entry.HomeAddress);
        if (!_bindings.TryGetValue(home, out var bindings) || !bindings.Remove(entry.BindingId))
        {
            return;
        }

        if (bindings.Count > 0)
        {
            // RFC 5648: the next binding carries the home address's traffic from this batch on.
            Publish(home, bindings);
        }
        else
        {
            _bindings.Remove(home);
            if (table.Remove(home, out var removed))
            {
                _removedSinceSync.Add(removed.HomeAddress);
                Release(removed);
            }
        }

        ForwardingLog.BindingRemoved(logger, "binding cache", entry.HomeAddress);
    }

    /// <summary>Puts the preferred of <paramref name="bindings"/> (with the others as alternates) in the table; false when it is full.</summary>
    private bool Publish(UInt128 home, SortedList<ushort, TunnelBinding> bindings)
    {
        var others = new TunnelBinding[bindings.Count - 1];
        for (int i = 1; i < bindings.Count; i++)
        {
            others[i - 1] = bindings.Values[i];
        }

        var binding = TunnelBinding.WithAlternates(bindings.Values[0], others);
        if (table.Set(binding, out var previous) == BindingSetResult.Full)
        {
            return false;
        }

        // The new binding's items before the old one's are released: what both need never leaves the kernel.
        Require(binding);
        if (previous is not null)
        {
            Release(previous);
        }
        else if (homeLink is not null && !_removedSinceSync.Contains(home))
        {
            _toAnnounce.Add(home);
        }

        Grant(binding);
        return true;
    }

    /// <summary>After the kernel has the new bindings' routes: RFC 6275 10.4.1's unsolicited advertisements for them.</summary>
    public override void Synced()
    {
        if (_removedSinceSync.Count > 0)
        {
            _removedSinceSync.Clear();
            _removedSinceSync.TrimExcess();
        }

        if (_toAnnounce.Count == 0)
        {
            return;
        }

        // Only those still bound (a binding added and removed in one batch is not announced).
        _toAnnounce.RemoveAll(homeAddress => !table.TryGetByHomeAddress(homeAddress, out _));
        announce(_toAnnounce);
        _toAnnounce.Clear();
        _toAnnounce.TrimExcess();
    }

    private void Require(TunnelBinding binding) => ForEachRoute(binding, desired.Require);

    private void Release(TunnelBinding binding) => ForEachRoute(binding, desired.Release);

    /// <summary>What a binding needs in the kernel: its home address and prefixes routed into the TUN.</summary>
    private void ForEachRoute(TunnelBinding binding, Action<KernelRoute> route)
    {
        route(new KernelRoute(new IPNetwork(AddressKey.ToAddress(binding.HomeAddress), 128), tunnel));
        foreach (var prefix in binding.MobileNetworkPrefixes)
        {
            route(new KernelRoute(Network(prefix), tunnel));
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
