using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// What the kernel should hold for the bindings the writer has applied: routes, policy rules and addresses, each
/// counted by how many bindings need it (two correspondent bindings of one home address share its route; every bound
/// home address of a mobile node needs the tunnel's default route). Handlers only change
/// the counts; <see cref="Sync"/> then installs what went from 0 to 1 and deletes what went back to 0, so a
/// removal followed by the same addition in one batch (a re-registration, a resync) never touches the kernel.
/// <see cref="Reconcile"/> reads back the kernel's tagged state and converges: leftovers removed, missing re-added.
/// </summary>
/// <remarks>
/// Not thread-safe: the writer calls it under its own lock. A home agent keeps one route per binding here, so routes
/// are kept compact (<see cref="RouteKey"/>: integers and a device number, about 50 octets with the table's entry).
/// </remarks>
public sealed class DesiredKernelState
{
    private readonly Desired<RouteKey, KernelRoute> _routes;
    private readonly Desired<KernelRoute, KernelRoute> _gatewayRoutes;
    private readonly Desired<KernelRule, KernelRule> _rules;
    private readonly Desired<KernelAddress, KernelAddress> _addresses;
    private readonly List<string> _devices = [];

    /// <param name="ownedAddressDevices">Devices whose every global address is ours (the TUN): their leftovers are removed.</param>
    public DesiredKernelState(IReadOnlyCollection<string> ownedAddressDevices)
    {
        ArgumentNullException.ThrowIfNull(ownedAddressDevices);
        _routes = new Desired<RouteKey, KernelRoute>(ToKey, ToRoute, (k, r) => k.ReplaceRoutes(r), (k, r) => k.DeleteRoutes(r));
        _gatewayRoutes = new Desired<KernelRoute, KernelRoute>(r => r, r => r, (k, r) => k.ReplaceRoutes(r), (k, r) => k.DeleteRoutes(r));
        _rules = new Desired<KernelRule, KernelRule>(r => r, r => r, OneByOne<KernelRule>((k, r) => k.AddRule(r)), OneByOne<KernelRule>((k, r) => k.DeleteRule(r)));
        _addresses = new Desired<KernelAddress, KernelAddress>(a => a, a => a, OneByOne<KernelAddress>((k, a) => k.ReplaceAddress(a)), OneByOne<KernelAddress>((k, a) => k.DeleteAddress(a)));
        OwnedAddressDevices = ownedAddressDevices;
    }

    public IReadOnlyCollection<string> OwnedAddressDevices { get; }

    /// <summary>Kernel requests that failed (the item is retried by the next sync or reconcile).</summary>
    public long Failures { get; private set; }

    /// <summary>Leftovers found in the kernel and removed by <see cref="Reconcile"/>.</summary>
    public long RepairedRemoved { get; private set; }

    /// <summary>Wanted items found missing from the kernel and re-added by <see cref="Reconcile"/>.</summary>
    public long RepairedAdded { get; private set; }

    /// <summary>The last failure's message, for the log.</summary>
    public string? LastFailure { get; private set; }

    public int RouteCount => _routes.Count + _gatewayRoutes.Count;

    public int RuleCount => _rules.Count;

    public int AddressCount => _addresses.Count;

    public void Require(KernelRoute route)
    {
        if (route.Via is null)
        {
            _routes.Require(route);
        }
        else
        {
            _gatewayRoutes.Require(route);
        }
    }

    public void Release(KernelRoute route)
    {
        if (route.Via is null)
        {
            _routes.Release(route);
        }
        else
        {
            _gatewayRoutes.Release(route);
        }
    }

    public void Require(KernelRule rule) => _rules.Require(rule);

    public void Release(KernelRule rule) => _rules.Release(rule);

    public void Require(KernelAddress address) => _addresses.Require(address);

    public void Release(KernelAddress address) => _addresses.Release(address);

    public bool IsWanted(KernelRoute route) => route.Via is null ? _routes.IsWanted(route) : _gatewayRoutes.IsWanted(route);

    public bool IsWanted(KernelRule rule) => _rules.IsWanted(rule);

    public bool IsWanted(KernelAddress address) => _addresses.IsWanted(address);

    /// <summary>Installs what became wanted and deletes what stopped being wanted since the last sync. Rules after addresses and routes, so a source rule never points at a table without its route.</summary>
    public void Sync(IKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        // Deletions first (rules before what they lead to), then additions (what rules lead to before them).
        Count(_rules.SyncRemovals(kernel));
        Count(_routes.SyncRemovals(kernel));
        Count(_gatewayRoutes.SyncRemovals(kernel));
        Count(_addresses.SyncRemovals(kernel));
        Count(_addresses.SyncAdditions(kernel));
        Count(_routes.SyncAdditions(kernel));
        Count(_gatewayRoutes.SyncAdditions(kernel));
        Count(_rules.SyncAdditions(kernel));
    }

    /// <summary>
    /// Reads the kernel's state that carries our tags (routes and rules of <see cref="KernelTags.RouteProtocol"/>,
    /// addresses on <see cref="OwnedAddressDevices"/>) and converges it
    /// to what is wanted. Returns how many items it repaired.
    /// </summary>
    public int Reconcile(IKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        Sync(kernel);
        int repaired = 0;
        var routes = Read(() => kernel.ListRoutes());
        repaired += Converge(_routes, kernel, routes?.Where(r => r.Via is null).ToList());
        repaired += Converge(_gatewayRoutes, kernel, routes?.Where(r => r.Via is not null).ToList());
        repaired += Converge(_rules, kernel, Read(() => kernel.ListRules()));
        // The owned devices whole; on others (the home address on the egress interface at home) only what we want.
        var devices = OwnedAddressDevices.Union(_addresses.Wanted.Select(a => a.Device)).Distinct(StringComparer.Ordinal).ToList();
        var addresses = Read(() => devices.SelectMany(kernel.ListAddresses).ToList());
        repaired += Converge(_addresses, kernel, addresses, extraAllowed: a => !OwnedAddressDevices.Contains(a.Device));
        return repaired;
    }

    /// <summary>Deletes everything installed (the appliance stops), newest kinds first; failures are counted and skipped.</summary>
    public void RemoveAll(IKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        Count(_rules.RemoveAll(kernel));
        Count(_gatewayRoutes.RemoveAll(kernel));
        Count(_routes.RemoveAll(kernel));
        Count(_addresses.RemoveAll(kernel));
    }

    private IReadOnlyList<T>? Read<T>(Func<IReadOnlyList<T>> list)
    {
        try
        {
            return list();
        }
        catch (KernelException exception)
        {
            Failures++;
            LastFailure = exception.Message;
            return null;
        }
    }

    private int Converge<TKey, TItem>(Desired<TKey, TItem> desired, IKernel kernel, IReadOnlyList<TItem>? actual, Func<TItem, bool>? extraAllowed = null)
        where TKey : notnull
    {
        if (actual is null)
        {
            return 0;
        }

        var (removed, added, failures) = desired.Converge(kernel, actual, extraAllowed);
        RepairedRemoved += removed;
        RepairedAdded += added;
        Count(failures);
        return removed + added;
    }

    private void Count(IReadOnlyList<KernelException> failures)
    {
        foreach (var failure in failures)
        {
            Failures++;
            LastFailure = failure.Message;
        }
    }

    /// <summary>The compact form of a route without a gateway: its device by number in <see cref="_devices"/> (a few names).</summary>
    private RouteKey ToKey(KernelRoute route)
    {
        int device = _devices.IndexOf(route.Device);
        if (device < 0)
        {
            device = _devices.Count;
            _devices.Add(route.Device);
        }

        var destination = AddressKey.From(route.Destination.BaseAddress);
        return new RouteKey(
            (ulong)(destination >> 64),
            (ulong)destination,
            route.Table,
            route.Metric,
            (byte)route.Destination.PrefixLength,
            (ushort)device);
    }

    private KernelRoute ToRoute(RouteKey key) => new(
        new IPNetwork(AddressKey.ToAddress(key.Destination), key.PrefixLength),
        _devices[key.Device],
        key.Table,
        key.Metric);

    /// <summary>A change of many items made of the kernel's change of one.</summary>
    private static Func<IKernel, IReadOnlyList<T>, IReadOnlyList<KernelFailure>> OneByOne<T>(Action<IKernel, T> change) =>
        (kernel, items) => KernelFailure.OneByOne(items, item => change(kernel, item));

    /// <summary>
    /// A route without a gateway in integers: 32 octets, no objects. The address is two <see cref="ulong"/> halves: a
    /// <see cref="UInt128"/> field would align the table's entries to 16 octets. (Routes via a gateway, one per granted
    /// mobile network prefix, are kept as they are.)
    /// </summary>
    private readonly record struct RouteKey(ulong DestinationHigh, ulong DestinationLow, int Table, int Metric, byte PrefixLength, ushort Device)
    {
        public UInt128 Destination => new(DestinationHigh, DestinationLow);
    }

    /// <summary>How many bindings want an item, and whether the kernel has it.</summary>
    private struct Slot
    {
        public int Wanted;
        public bool Installed;
    }

    /// <summary>
    /// One kind of kernel item, kept as <typeparamref name="TKey"/> and sent to the kernel as <typeparamref name="TItem"/>:
    /// how many bindings want each, which are installed, which changed since the last sync.
    /// </summary>
    private sealed class Desired<TKey, TItem>(
        Func<TItem, TKey> toKey,
        Func<TKey, TItem> toItem,
        Func<IKernel, IReadOnlyList<TItem>, IReadOnlyList<KernelFailure>> install,
        Func<IKernel, IReadOnlyList<TItem>, IReadOnlyList<KernelFailure>> delete)
        where TKey : notnull
    {
        private readonly Dictionary<TKey, Slot> _slots = [];
        private readonly HashSet<TKey> _changed = [];

        public int Count { get; private set; }

        public IEnumerable<TItem> Wanted => _slots.Where(e => e.Value.Wanted > 0).Select(e => toItem(e.Key));

        public bool IsWanted(TItem item) => IsWanted(toKey(item));

        public void Require(TItem item)
        {
            var key = toKey(item);
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slots, key, out _);
            if (slot.Wanted++ == 0)
            {
                Count++;
            }

            _changed.Add(key);
        }

        public void Release(TItem item)
        {
            var key = toKey(item);
            ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_slots, key);
            if (Unsafe.IsNullRef(ref slot) || slot.Wanted == 0)
            {
                return;
            }

            if (--slot.Wanted == 0)
            {
                Count--;
                if (!slot.Installed)
                {
                    _slots.Remove(key);
                }
            }

            _changed.Add(key);
        }

        public List<KernelException> SyncRemovals(IKernel kernel)
        {
            var gone = Apply(kernel, delete, [.. _changed.Where(key => !IsWanted(key) && IsInstalled(key))], out var failures);
            foreach (var key in gone)
            {
                _slots.Remove(key);
            }

            _changed.RemoveWhere(key => !IsWanted(key) && !IsInstalled(key));
            return failures;
        }

        public List<KernelException> SyncAdditions(IKernel kernel)
        {
            var added = Apply(kernel, install, [.. _changed.Where(key => IsWanted(key) && !IsInstalled(key))], out var failures);
            MarkInstalled(added);

            // What failed stays changed, and is tried again by the next sync.
            _changed.RemoveWhere(key => IsWanted(key) == IsInstalled(key));
            if (_changed.Count == 0)
            {
                _changed.TrimExcess(); // a burst's capacity is not kept for ever
            }

            return failures;
        }

        public (int Removed, int Added, List<KernelException> Failures) Converge(IKernel kernel, IReadOnlyList<TItem> actual, Func<TItem, bool>? extraAllowed)
        {
            var present = new HashSet<TKey>(actual.Select(toKey));
            var removed = Apply(kernel, delete, [.. present.Where(key => !IsWanted(key) && !(extraAllowed?.Invoke(toItem(key)) ?? false))], out var failures);
            foreach (var key in removed)
            {
                _slots.Remove(key);
            }

            // Already there (a previous run installed it): ours now.
            var wanted = _slots.Where(e => e.Value.Wanted > 0).Select(e => e.Key).ToList();
            var there = wanted.Where(present.Contains).ToList();
            MarkInstalled(there);
            _changed.ExceptWith(there);

            var added = Apply(kernel, install, [.. wanted.Where(key => !present.Contains(key))], out var addFailures);
            MarkInstalled(added);
            _changed.ExceptWith(added);
            failures.AddRange(addFailures);
            return (removed.Count, added.Count, failures);
        }

        public List<KernelException> RemoveAll(IKernel kernel)
        {
            Apply(kernel, delete, [.. _slots.Where(e => e.Value.Installed).Select(e => e.Key)], out var failures);
            _slots.Clear();
            _changed.Clear();
            Count = 0;
            return failures;
        }

        private bool IsWanted(TKey key) => _slots.TryGetValue(key, out var slot) && slot.Wanted > 0;

        private bool IsInstalled(TKey key) => _slots.TryGetValue(key, out var slot) && slot.Installed;

        private void MarkInstalled(List<TKey> keys)
        {
            foreach (var key in keys)
            {
                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slots, key, out _);
                slot.Installed = true;
            }
        }

        /// <summary>Sends <paramref name="keys"/> to the kernel; returns those that succeeded, and why the others failed.</summary>
        private List<TKey> Apply(IKernel kernel, Func<IKernel, IReadOnlyList<TItem>, IReadOnlyList<KernelFailure>> change, List<TKey> keys, out List<KernelException> failures)
        {
            failures = [];
            if (keys.Count == 0)
            {
                return keys;
            }

            var failed = change(kernel, [.. keys.Select(toItem)]);
            if (failed.Count == 0)
            {
                return keys;
            }

            var ok = new bool[keys.Count];
            Array.Fill(ok, true);
            foreach (var failure in failed)
            {
                ok[failure.Index] = false;
                failures.Add(failure.Error);
            }

            return [.. keys.Where((_, i) => ok[i])];
        }
    }
}
