using System.Net;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Engine;

// The bus side: binding cache and binding update list messages become table entries and kernel state; DAD
// requests go to the detector; movement refreshes what counts as addressed to this node. One consumer, so the
// kernel state changes in publish order.
public sealed partial class DataPlaneEngine
{
    private static readonly IPNetwork DefaultRoute = IPNetwork.Parse("::/0");

    // On a thread of its own (not the thread pool): applying runs kernel commands, and signalling sends wait for
    // it (AwaitApplied) from pool threads; a pool continuation here could be held back until the pool grows.
    private void Consume(MobilitySubscription subscription)
    {
        while (subscription.WaitToRead())
        {
            while (subscription.Reader.TryRead(out var envelope))
            {
                if (_stopping)
                {
                    return;
                }

                // Read now, before applying: what it covers is applied once this message is.
                long consumedThrough = subscription.ConsumedThrough;

                try
                {
                    Apply(envelope.Message);
                }
                catch (Exception exception) when (exception is KernelCommandException or InvalidOperationException or IOException or AggregateException)
                {
                    Interlocked.Increment(ref _kernelErrors);
                    Log.ApplyFailed(_logger, envelope.Message.Type.ToString(), exception.Message);
                }
#pragma warning disable CA1031 // a bug in applying one message must not stop every later one from being applied
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref _kernelErrors);
                    Log.ConsumerFailed(_logger, exception);
                }

                Interlocked.Increment(ref _applied);
                Interlocked.Exchange(ref _appliedThrough, consumedThrough);
                SignalApplied();
            }
        }
    }

    private void Apply(MobilityMessage message)
    {
        switch (message)
        {
            case BindingCacheAdd add when _bindingCache is not null && add.Entry.IsHomeRegistration:
                AddCacheEntry(add.Entry);
                break;
            case BindingCacheRemove remove when _bindingCache is not null && remove.Entry.IsHomeRegistration:
                if (_bindingCache.Remove(AddressKey.From(remove.Entry.HomeAddress), out var removed))
                {
                    UninstallHomeAgentBinding(removed, null);
                }

                break;
            case BindingCacheAdd add when _correspondentCache is not null && !add.Entry.IsHomeRegistration:
                AddCorrespondentCacheEntry(add.Entry);
                break;
            case BindingCacheRemove remove when _correspondentCache is not null && !remove.Entry.IsHomeRegistration:
                RemoveCorrespondentCacheEntry(new CorrespondentKey(AddressKey.From(remove.Entry.Peer), AddressKey.From(remove.Entry.HomeAddress)));
                break;
            case BindingCacheFlush when _bindingCache is not null || _correspondentCache is not null:
                foreach (var binding in _bindingCache?.Clear() ?? [])
                {
                    UninstallHomeAgentBinding(binding, null);
                }

                foreach (var homeAddress in (_correspondentCache?.Clear() ?? []).Select(b => b.HomeAddress).Distinct())
                {
                    UninstallCorrespondentRoute(homeAddress);
                }

                break;
            case BindingUpdateListAdd add when _updateList is not null && add.Entry.IsHomeRegistration:
                AddUpdateListEntry(add.Entry);
                break;
            case BindingUpdateListRemove remove when _updateList is not null && remove.Entry.IsHomeRegistration:
                if (_updateList.Remove(AddressKey.From(remove.Entry.HomeAddress), out var gone))
                {
                    UninstallMobileNodeBinding(gone);
                    _local.Remove("bul", remove.Entry.CareOfAddress);
                }

                break;
            case BindingUpdateListAdd add when _correspondentList is not null && !add.Entry.IsHomeRegistration:
                SetCorrespondentListEntry(add.Entry);
                break;
            case BindingUpdateListRemove remove when _correspondentList is not null && !remove.Entry.IsHomeRegistration:
                if (_correspondentList.Remove(new CorrespondentKey(AddressKey.From(remove.Entry.Peer), AddressKey.From(remove.Entry.HomeAddress)), out var unbound))
                {
                    Log.BindingRemoved(_logger, "correspondent list", AddressKey.ToAddress(unbound.Correspondent));
                }

                break;
            case BindingUpdateListFlush when _updateList is not null:
                _correspondentList?.Clear();
                foreach (var binding in _updateList.Clear())
                {
                    UninstallMobileNodeBinding(binding);
                }

                _local.Set("bul", []);
                break;
            case Dad dad when !dad.IsResult:
                _dad?.Handle(dad);
                break;
            case MovementInfo movement:
                OnMovement(movement);
                RefreshInterfaceAddresses();
                break;
            default:
                // Results of DAD, entries of roles this engine does not run.
                Interlocked.Increment(ref _ignored);
                break;
        }
    }

    private void OnMovement(MovementInfo movement)
    {
        switch (movement.Command)
        {
            case MovementCommand.NewCareOfAddress when movement.CareOfAddress is { } careOf:
                _local.Add("movement", careOf);
                LeaveHomeLink();
                break;
            case MovementCommand.CareOfAddressRemoved when movement.CareOfAddress is { } old:
                _local.Remove("movement", old);
                break;
            case MovementCommand.ReturnedHome:
                ArriveOnHomeLink(movement.InterfaceName);
                break;
            case MovementCommand.Scan when IsEgress(movement.InterfaceName):
                // The link is gone: the home address leaves it, and so does what its advertisements taught the kernel.
                LeaveHomeLink();
                _kernel!.ForgetLink(movement.InterfaceName);
                break;
        }
    }

    /// <summary>
    /// RFC 6275 11.5.5: back on the home link the mobile node uses its home address there again (no DAD: the home
    /// agent defended it until the deregistration). The binding update list's removal takes it off the TUN.
    /// </summary>
    private void ArriveOnHomeLink(string interfaceName)
    {
        if (_options.HomeAddress is not { } homeAddress || !IsEgress(interfaceName))
        {
            return;
        }

        if (_homeLinkInterface is { } previous && previous != interfaceName)
        {
            LeaveHomeLink();
        }

        _kernel!.AddAddress(homeAddress, 128, interfaceName);
        _homeLinkInterface = interfaceName;
        Log.HomeAddressAtHome(_logger, homeAddress, interfaceName);
    }

    private void LeaveHomeLink()
    {
        if (_homeLinkInterface is not { } interfaceName || _options.HomeAddress is not { } homeAddress)
        {
            return;
        }

        _homeLinkInterface = null;
        TryUndo(() => _kernel!.RemoveAddress(homeAddress, 128, interfaceName));
    }

    private bool IsEgress(string interfaceName) => _options.IsMobileNode && _options.PortInterfaces().Contains(interfaceName);

    private void AddCacheEntry(BindingCacheEntry entry)
    {
        var local = entry.Peer.Equals(IPAddress.IPv6Any) || entry.Peer.Equals(IPAddress.IPv6None) ? _options.HomeAgentAddress! : entry.Peer;
        var binding = new TunnelBinding(entry.HomeAddress, local, entry.CareOfAddress, entry.MobileNetworkPrefixes, true, entry.Sequence);
        switch (_bindingCache!.Set(binding, out var previous))
        {
            case BindingSetResult.Full:
                Log.TableFull(_logger, "binding cache", entry.HomeAddress, _bindingCache.Capacity);
                return;
            case BindingSetResult.Replaced:
                UninstallHomeAgentBinding(previous!, binding);
                InstallHomeAgentBinding(binding, previous);
                break;
            default:
                InstallHomeAgentBinding(binding, null);
                break;
        }

        Log.BindingSet(_logger, "binding cache", binding.ToString());
    }

    /// <summary>
    /// The metric of a mobile network prefix's route via the mobile router's home address on the home link, behind
    /// the tunnel route (the kernel's default metric, 1024): RFC 3963 leaves the routing of a mobile network whose
    /// router is at home to ordinary routing (a static route or a routing protocol, section 8), and the prefix table
    /// (6.1.2) names the router's home address. So once a prefix was granted, the home agent keeps routing it to the
    /// home address on the home link; while the router is away, its binding's tunnel route wins.
    /// </summary>
    private const int HomeLinkPrefixMetric = 2048;

    /// <summary>
    /// RFC 6275 10.4.1: route the home address and prefixes into the TUN, defend the home address on the home link;
    /// RFC 3963: the prefixes also via the home address on the home link, behind the tunnel (<see cref="HomeLinkPrefixMetric"/>).
    /// </summary>
    private void InstallHomeAgentBinding(TunnelBinding binding, TunnelBinding? previous)
    {
        var kernel = _kernel!;
        string tun = _tun!.Name;
        var homeAddress = AddressKey.ToAddress(binding.HomeAddress);
        if (previous is null)
        {
            kernel.AddRoute(new IPNetwork(homeAddress, 128), tun);
        }

        foreach (var prefix in binding.MobileNetworkPrefixes)
        {
            if (previous is null || !previous.MobileNetworkPrefixes.Contains(prefix))
            {
                kernel.AddRoute(Network(prefix), tun);
                if (_options.ResolvedHomeInterface is { } homeLink)
                {
                    kernel.AddRoute(Network(prefix), homeLink, metric: HomeLinkPrefixMetric, via: homeAddress);
                }
            }
        }

        if (previous is null && _options.ResolvedHomeInterface is { } home)
        {
            kernel.AddProxyNeighbor(homeAddress, home);
            SendUnsolicitedAdvertisement(homeAddress);
        }
    }

    /// <summary>Undoes <see cref="InstallHomeAgentBinding"/>; with <paramref name="next"/>, only what the next binding no longer needs.</summary>
    private void UninstallHomeAgentBinding(TunnelBinding binding, TunnelBinding? next)
    {
        var kernel = _kernel!;
        string tun = _tun!.Name;
        foreach (var prefix in binding.MobileNetworkPrefixes)
        {
            if (next is null || !next.MobileNetworkPrefixes.Contains(prefix))
            {
                TryUndo(() => kernel.RemoveRoute(Network(prefix), tun));
            }

            // The route via the home address on the home link stays when the binding goes: the router is back home
            // (or gone, and neighbor discovery says so). Only a prefix the next binding no longer carries loses it.
            if (next is not null && !next.MobileNetworkPrefixes.Contains(prefix) && _options.ResolvedHomeInterface is { } homeLink)
            {
                TryUndo(() => kernel.RemoveRoute(Network(prefix), homeLink, metric: HomeLinkPrefixMetric, via: AddressKey.ToAddress(binding.HomeAddress)));
            }
        }

        if (next is null)
        {
            var homeAddress = AddressKey.ToAddress(binding.HomeAddress);
            TryUndo(() => kernel.RemoveRoute(new IPNetwork(homeAddress, 128), tun));
            if (_options.ResolvedHomeInterface is { } home)
            {
                TryUndo(() => kernel.RemoveProxyNeighbor(homeAddress, home));
            }

            Log.BindingRemoved(_logger, "binding cache", homeAddress);
        }
    }

    private void AddUpdateListEntry(BindingUpdateListEntry entry)
    {
        var binding = TunnelBinding.FromUpdateList(entry);
        var result = _updateList!.Set(binding, out var previous);
        if (result == BindingSetResult.Full)
        {
            Log.TableFull(_logger, "binding update list", entry.HomeAddress, _updateList.Capacity);
            return;
        }

        if (previous is not null && !previous.LocalEndpoint.Equals(binding.LocalEndpoint))
        {
            _local.Remove("bul", AddressKey.ToAddress(previous.LocalEndpoint));
        }

        _local.Add("bul", entry.CareOfAddress);
        bool installed = _installedHomeAddresses.Contains(binding.HomeAddress);
        if (entry.State == BindingUpdateListState.Bound && !installed)
        {
            InstallMobileNodeBinding(binding);
        }
        else if (entry.State is BindingUpdateListState.Deregistering or BindingUpdateListState.Idle && installed)
        {
            UninstallMobileNodeBinding(binding);
        }
        else if (installed && previous is not null)
        {
            // Prefixes of a mobile router may change with a re-registration.
            foreach (var prefix in previous.MobileNetworkPrefixes.Except(binding.MobileNetworkPrefixes))
            {
                _rules!.Remove(prefix.ToPrefix());
            }

            foreach (var prefix in binding.MobileNetworkPrefixes.Except(previous.MobileNetworkPrefixes))
            {
                _rules!.Add(prefix.ToPrefix());
            }
        }

        Log.BindingSet(_logger, "binding update list", binding.ToString());
    }

    /// <summary>The home address on the TUN, and everything sent from it (and the mobile network) routed into the TUN.</summary>
    private void InstallMobileNodeBinding(TunnelBinding binding)
    {
        var homeAddress = AddressKey.ToAddress(binding.HomeAddress);
        if (_installedHomeAddresses.Count == 0)
        {
            _kernel!.AddRoute(DefaultRoute, _tun!.Name, _options.PolicyTable);
        }

        _installedHomeAddresses.Add(binding.HomeAddress);
        _local.Add("home", homeAddress);
        _tun!.AddAddress(homeAddress, 128);
        _rules!.Add(new Prefix(homeAddress, 128));
        foreach (var prefix in binding.MobileNetworkPrefixes)
        {
            _rules.Add(prefix.ToPrefix());
        }

        Log.HomeAddressInstalled(_logger, homeAddress, _tun.Name);
    }

    private void UninstallMobileNodeBinding(TunnelBinding binding)
    {
        if (!_installedHomeAddresses.Remove(binding.HomeAddress))
        {
            return;
        }

        var homeAddress = AddressKey.ToAddress(binding.HomeAddress);
        foreach (var prefix in binding.MobileNetworkPrefixes)
        {
            TryUndo(() => _rules!.Remove(prefix.ToPrefix()));
        }

        TryUndo(() => _rules!.Remove(new Prefix(homeAddress, 128)));
        TryUndo(() => _tun!.RemoveAddress(homeAddress, 128));
        _local.Remove("home", homeAddress);
        if (_installedHomeAddresses.Count == 0)
        {
            TryUndo(() => _kernel!.RemoveRoute(DefaultRoute, _tun!.Name, _options.PolicyTable));
        }

        Log.BindingRemoved(_logger, "binding update list", homeAddress);
    }

    /// <summary>
    /// Mobile node: a Bound entry with a correspondent sends its traffic from the care-of address with a Home Address
    /// option (RFC 6275 11.3.1); any other state sends it through the tunnel again.
    /// </summary>
    private void SetCorrespondentListEntry(BindingUpdateListEntry entry)
    {
        var key = new CorrespondentKey(AddressKey.From(entry.Peer), AddressKey.From(entry.HomeAddress));
        if (entry.State != BindingUpdateListState.Bound)
        {
            _correspondentList!.Remove(key, out _);
            return;
        }

        var binding = new CorrespondentBinding(entry.HomeAddress, entry.CareOfAddress, entry.Peer);
        if (_correspondentList!.Set(binding, out _) == BindingSetResult.Full)
        {
            Log.TableFull(_logger, "correspondent list", entry.HomeAddress, _correspondentList.Capacity);
            return;
        }

        Log.BindingSet(_logger, "correspondent list", binding.ToString());
    }

    /// <summary>Correspondent (RFC 6275 9.3.2): what the kernel sends to the home address goes into the TUN, and out to the care-of address.</summary>
    private void AddCorrespondentCacheEntry(BindingCacheEntry entry)
    {
        var binding = new CorrespondentBinding(entry.HomeAddress, entry.CareOfAddress, entry.Peer);
        bool routed = _correspondentCache!.HasHomeAddress(binding.HomeAddress);
        if (_correspondentCache.Set(binding, out _) == BindingSetResult.Full)
        {
            Log.TableFull(_logger, "correspondent cache", entry.HomeAddress, _correspondentCache.Capacity);
            return;
        }

        if (!routed)
        {
            _kernel!.AddRoute(new IPNetwork(entry.HomeAddress, 128), _tun!.Name, _options.CorrespondentTable);
        }

        Log.BindingSet(_logger, "correspondent cache", binding.ToString());
    }

    private void RemoveCorrespondentCacheEntry(CorrespondentKey key)
    {
        if (_correspondentCache!.Remove(key, out var removed) && !_correspondentCache.HasHomeAddress(removed.HomeAddress))
        {
            UninstallCorrespondentRoute(removed.HomeAddress);
        }
    }

    private void UninstallCorrespondentRoute(UInt128 homeAddress)
    {
        var address = AddressKey.ToAddress(homeAddress);
        TryUndo(() => _kernel!.RemoveRoute(new IPNetwork(address, 128), _tun!.Name, _options.CorrespondentTable));
        Log.BindingRemoved(_logger, "correspondent cache", address);
    }

    private void TryUndo(Action undo)
    {
        try
        {
            undo();
        }
        catch (Exception exception) when (exception is KernelCommandException or InvalidOperationException or IOException)
        {
            Interlocked.Increment(ref _kernelErrors);
            Log.UndoFailed(_logger, exception.Message);
        }
    }

    private static IPNetwork Network(PrefixKey prefix) => new(AddressKey.ToAddress(prefix.Network), prefix.Length);
}
