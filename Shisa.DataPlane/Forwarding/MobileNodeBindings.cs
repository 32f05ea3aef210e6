using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// The mobile node's (and mobile router's) binding update list: while a home registration is Bound, its home
/// address sits on the TUN and everything sent from it (and from the mobile network's prefixes) is source-routed
/// into the TUN (SHISA's reverse tunnel through <c>mip</c>); route optimization bindings with correspondents switch
/// the forwarding path to the Home Address option (RFC 6275 11.3.1). What is sent from a care-of address leaves
/// through that address's uplink (<see cref="UplinkRoutes"/>). Movement: back on the home link the home
/// address goes on the interface attached to it (RFC 6275 11.5.5); a link that is gone forgets what its
/// advertisements taught the kernel. With RFC 5648 a home address has one entry per binding id (uplink): the table
/// holds the preferred Bound one (the lowest id), so outbound traffic leaves through that uplink, and when its entry
/// goes the next one takes over in the same batch.
/// </summary>
internal sealed class MobileNodeBindings(
    ForwardingTables tables,
    DesiredKernelState desired,
    IKernel kernel,
    string tunnel,
    int policyTable,
    int policyPriority,
    IPAddress? homeAddress,
    IReadOnlyCollection<string> egressInterfaces,
    IReadOnlyCollection<string> ingressInterfaces,
    UplinkRoutes uplinks,
    ILogger logger) : StateHandler
{
    private static readonly IPNetwork DefaultRoute = IPNetwork.Parse("::/0");

    /// <summary>The local address set's source for the home address while it is on the home link.</summary>
    private const string HomeLinkSource = "home link";

    private readonly BindingTable _list = tables.BindingUpdateList!;
    private readonly CorrespondentBindingTable _correspondents = tables.CorrespondentList!;

    /// <summary>The Bound bindings whose home address, rules and route are wanted in the kernel.</summary>
    private readonly Dictionary<UInt128, TunnelBinding> _installed = [];

    /// <summary>Each home address's home registration entries by binding id: one, or one per uplink with RFC 5648.</summary>
    private readonly Dictionary<UInt128, SortedList<ushort, TunnelBinding>> _entries = [];
    private string? _homeLinkInterface;

    public override IReadOnlyList<MessageType> Types { get; } =
        [MessageType.BindingUpdateListAdd, MessageType.BindingUpdateListRemove, MessageType.BindingUpdateListFlush, MessageType.MovementInfo];

    public override bool Apply(MobilityMessage message)
    {
        switch (message)
        {
            case BindingUpdateListAdd add when add.Entry.IsHomeRegistration:
                Add(add.Entry);
                return true;
            case BindingUpdateListRemove remove when remove.Entry.IsHomeRegistration:
                Remove(remove.Entry);
                return true;
            case BindingUpdateListAdd add:
                SetCorrespondent(add.Entry);
                return true;
            case BindingUpdateListRemove remove:
                if (_correspondents.Remove(new CorrespondentKey(AddressKey.From(remove.Entry.Peer), AddressKey.From(remove.Entry.HomeAddress)), out var unbound))
                {
                    ForwardingLog.BindingRemoved(logger, "correspondent list", AddressKey.ToAddress(unbound.Correspondent));
                }

                return true;
            case BindingUpdateListFlush:
                _entries.Clear();
                _correspondents.Clear();
                foreach (var binding in _list.Clear())
                {
                    Uninstall(binding.HomeAddress);
                }

                tables.LocalAddresses.Set("bul", []);
                return true;
            case MovementInfo movement:
                OnMovement(movement);
                return true;
            default:
                return false;
        }
    }

    private void Add(BindingUpdateListEntry entry)
    {
        var home = AddressKey.From(entry.HomeAddress);
        var entries = _entries.GetValueOrDefault(home) ?? [];
        var traffic = entries.TryGetValue(entry.BindingId, out var old) ? old.Traffic : null;
        var own = new TunnelBinding(entry.HomeAddress, entry.CareOfAddress, entry.Peer, entry.MobileNetworkPrefixes,
            entry.State == BindingUpdateListState.Bound, entry.Sequence, entry.BindingId, traffic);
        entries[entry.BindingId] = own;
        var binding = Preferred(entries);
        if (_list.Set(binding, out _) == BindingSetResult.Full)
        {
            entries.Remove(entry.BindingId);
            ForwardingLog.TableFull(logger, "binding update list", entry.HomeAddress, _list.Capacity);
            return;
        }

        _entries[home] = entries;
        if (old is not null && !old.LocalEndpoint.Equals(own.LocalEndpoint))
        {
            tables.LocalAddresses.Remove("bul", AddressKey.ToAddress(old.LocalEndpoint));
        }

        tables.LocalAddresses.Add("bul", entry.CareOfAddress);
        bool installed = _installed.ContainsKey(binding.HomeAddress);
        if (entry.State is BindingUpdateListState.Deregistering or BindingUpdateListState.Idle)
        {
            Uninstall(binding.HomeAddress);
        }
        else if (entry.State == BindingUpdateListState.Bound || installed)
        {
            // Bound: install; any other state of an installed binding keeps it, following a mobile router's prefixes.
            Install(binding);
        }

        ForwardingLog.BindingSet(logger, "binding update list", binding.ToString());
    }

    private void Remove(BindingUpdateListEntry entry)
    {
        var home = AddressKey.From(entry.HomeAddress);
        if (!_entries.TryGetValue(home, out var entries) || !entries.Remove(entry.BindingId, out var gone))
        {
            return;
        }

        tables.LocalAddresses.Remove("bul", AddressKey.ToAddress(gone.LocalEndpoint));
        if (entries.Count > 0)
        {
            // RFC 5648: the next uplink's binding carries the outbound traffic from this batch on.
            var next = Preferred(entries);
            _list.Set(next, out _);
            if (_installed.ContainsKey(home))
            {
                Install(next);
            }

            ForwardingLog.BindingSet(logger, "binding update list", next.ToString());
            return;
        }

        _entries.Remove(home);
        if (_list.Remove(home, out _))
        {
            Uninstall(home);
        }
    }

    /// <summary>The lowest binding id that is Bound (else the lowest), with the others as alternates.</summary>
    private static TunnelBinding Preferred(SortedList<ushort, TunnelBinding> entries)
    {
        int chosen = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries.Values[i].Forwarding)
            {
                chosen = i;
                break;
            }
        }

        var others = new TunnelBinding[entries.Count - 1];
        for (int i = 0, j = 0; i < entries.Count; i++)
        {
            if (i != chosen)
            {
                others[j++] = entries.Values[i];
            }
        }

        return TunnelBinding.WithAlternates(entries.Values[chosen], others);
    }

    /// <summary>The home address on the TUN, and everything sent from it (and the mobile network) routed into the TUN.</summary>
    private void Install(TunnelBinding binding)
    {
        Require(binding);
        if (_installed.Remove(binding.HomeAddress, out var previous))
        {
            Release(previous);
        }
        else
        {
            tables.LocalAddresses.Add("home", AddressKey.ToAddress(binding.HomeAddress));
            ForwardingLog.HomeAddressInstalled(logger, AddressKey.ToAddress(binding.HomeAddress), tunnel);
        }

        _installed[binding.HomeAddress] = binding;
    }

    private void Uninstall(UInt128 home)
    {
        if (!_installed.Remove(home, out var binding))
        {
            return;
        }

        Release(binding);
        tables.LocalAddresses.Remove("home", AddressKey.ToAddress(home));
        ForwardingLog.BindingRemoved(logger, "binding update list", AddressKey.ToAddress(home));
    }

    private void Require(TunnelBinding binding) => ForEachItem(binding, desired.Require, desired.Require, desired.Require);

    private void Release(TunnelBinding binding) => ForEachItem(binding, desired.Release, desired.Release, desired.Release);

    /// <summary>
    /// What a bound binding needs: its home address on the TUN, the TUN as the policy table's default route, a source
    /// rule per address and prefix; and for a mobile router's binding with prefixes, one rule per ingress interface
    /// (mobile network link) just after those, sending everything else that arrives from the mobile network into the
    /// TUN too, where the data plane drops and counts it (ingress filtering, BCP 38 / RFC 2827): the home agent would
    /// drop such a packet from the tunnel anyway, and sent natively it would leave with a topologically wrong source.
    /// </summary>
    private void ForEachItem(TunnelBinding binding, Action<KernelAddress> address, Action<KernelRoute> route, Action<KernelRule> rule)
    {
        var home = AddressKey.ToAddress(binding.HomeAddress);
        address(new KernelAddress(home, 128, tunnel));
        route(new KernelRoute(DefaultRoute, tunnel, policyTable));
        rule(new KernelRule(new IPNetwork(home, 128), policyTable, policyPriority));
        foreach (var prefix in binding.MobileNetworkPrefixes)
        {
            rule(new KernelRule(HomeAgentBindings.Network(prefix), policyTable, policyPriority));
        }

        if (binding.MobileNetworkPrefixes.Count > 0)
        {
            foreach (string ingress in ingressInterfaces)
            {
                rule(new KernelRule(AnySource, policyTable, policyPriority + 1, InputInterface: ingress));
            }
        }
    }

    private static readonly IPNetwork AnySource = IPNetwork.Parse("::/0");

    /// <summary>
    /// A Bound entry with a correspondent sends its traffic from the care-of address with a Home Address option
    /// (RFC 6275 11.3.1); any other state sends it through the tunnel again.
    /// </summary>
    private void SetCorrespondent(BindingUpdateListEntry entry)
    {
        var key = new CorrespondentKey(AddressKey.From(entry.Peer), AddressKey.From(entry.HomeAddress));
        if (entry.State != BindingUpdateListState.Bound)
        {
            _correspondents.Remove(key, out _);
            return;
        }

        var binding = new CorrespondentBinding(entry.HomeAddress, entry.CareOfAddress, entry.Peer);
        if (_correspondents.Set(binding, out _) == BindingSetResult.Full)
        {
            ForwardingLog.TableFull(logger, "correspondent list", entry.HomeAddress, _correspondents.Capacity);
            return;
        }

        ForwardingLog.BindingSet(logger, "correspondent list", binding.ToString());
    }

    private void OnMovement(MovementInfo movement)
    {
        switch (movement.Command)
        {
            case MovementCommand.NewCareOfAddress when movement.CareOfAddress is { } careOf:
                if (movement.Formed is { } formed && egressInterfaces.Contains(movement.InterfaceName))
                {
                    // DNA confirmed a known link before its router advertised: the address goes on now, as SLAAC
                    // would put it (the router's next advertisement refreshes it), and outer packets go via that router.
                    FormCareOfAddress(movement.InterfaceName, careOf, formed);
                }

                tables.LocalAddresses.Add("movement", careOf);
                uplinks.Use(movement.InterfaceName, careOf, movement.Formed?.Router);
                LeaveHomeLink();
                break;
            case MovementCommand.CareOfAddressRemoved when movement.CareOfAddress is { } old:
                tables.LocalAddresses.Remove("movement", old);
                uplinks.Forget(movement.InterfaceName);
                break;
            case MovementCommand.ReturnedHome:
                uplinks.Forget(movement.InterfaceName);
                ArriveOnHomeLink(movement.InterfaceName);
                break;
            case MovementCommand.Scan when egressInterfaces.Contains(movement.InterfaceName):
                // The link is gone: the home address leaves it, and so does what its advertisements taught the kernel.
                LeaveHomeLink();
                uplinks.Forget(movement.InterfaceName);
                kernel.ForgetLink(movement.InterfaceName);
                break;
        }
    }

    private void FormCareOfAddress(string interfaceName, IPAddress careOf, FormedCareOfAddress formed)
    {
        try
        {
            kernel.ReplaceAddress(new KernelAddress(careOf, formed.PrefixLength, interfaceName), formed.ValidLifetime, formed.PreferredLifetime);
            ForwardingLog.CareOfAddressFormed(logger, careOf, interfaceName, formed.Router);
        }
        catch (KernelException e)
        {
            ForwardingLog.CareOfAddressNotFormed(logger, careOf, interfaceName, e.Message);
        }
    }

    /// <summary>
    /// RFC 6275 11.5.5: back on the home link the mobile node uses its home address there again (no DAD: the home
    /// agent defended it until the deregistration). The binding update list's removal takes it off the TUN.
    /// The address is the classifier's local one from now on: the deregistration's BA (RFC 6275 11.5.4) comes back
    /// to it on the home link within a round trip, before the engine's next read of the interfaces' addresses (its
    /// read on this movement message ran before the kernel had the address), and a BA to an address not local would
    /// be left to the kernel, which has no Mobile IPv6: the BU would be retransmitted and answered with 133.
    /// </summary>
    private void ArriveOnHomeLink(string interfaceName)
    {
        if (homeAddress is null || !egressInterfaces.Contains(interfaceName) || _homeLinkInterface == interfaceName)
        {
            return;
        }

        LeaveHomeLink();
        desired.Require(new KernelAddress(homeAddress, 128, interfaceName));
        tables.LocalAddresses.Add(HomeLinkSource, homeAddress);
        _homeLinkInterface = interfaceName;
        ForwardingLog.HomeAddressAtHome(logger, homeAddress, interfaceName);
    }

    private void LeaveHomeLink()
    {
        if (_homeLinkInterface is not { } interfaceName || homeAddress is null)
        {
            return;
        }

        _homeLinkInterface = null;
        desired.Release(new KernelAddress(homeAddress, 128, interfaceName));
        tables.LocalAddresses.Remove(HomeLinkSource, homeAddress);
    }
}
