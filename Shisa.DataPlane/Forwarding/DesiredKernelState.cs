using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// What the kernel should hold for the bindings the writer has applied: routes, policy rules and addresses, each counted by how many bindings need it (two correspondent bindings of one home address share
/// its route; every bound home address of a mobile node needs the tunnel's default route). Handlers only change
/// the counts; <see cref="Sync"/> then installs what went from 0 to 1 and deletes what went back to 0, so a
/// removal followed by the same addition in one batch (a re-registration, a resync) never touches the kernel.
/// <see cref="Reconcile"/> reads back the kernel's tagged state and converges: leftovers removed, missing re-added.
/// </summary>
/// <remarks>Not thread-safe: the writer calls it under its own lock.</remarks>
public sealed class DesiredKernelState
{
    private readonly Desired<KernelRoute> _routes;
    private readonly Desired<KernelRule> _rules;
    private readonly Desired<KernelAddress> _addresses;

    /// <param name="ownedAddressDevices">Devices whose every global address is ours (the TUN): their leftovers are removed.</param>
    public DesiredKernelState(IReadOnlyCollection<string> ownedAddressDevices)
    {
        ArgumentNullException.ThrowIfNull(ownedAddressDevices);
        _routes = new Desired<KernelRoute>((k, r) => k.ReplaceRoute(r), (k, r) => k.DeleteRoute(r));
        _rules = new Desired<KernelRule>((k, r) => k.AddRule(r), (k, r) => k.DeleteRule(r));
        _addresses = new Desired<KernelAddress>((k, a) => k.ReplaceAddress(a), (k, a) => k.DeleteAddress(a));
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

    public int RouteCount => _routes.Count;

    public int RuleCount => _rules.Count;

    public int AddressCount => _addresses.Count;

    public void Require(KernelRoute route) => _routes.Require(route);

    public void Release(KernelRoute route) => _routes.Release(route);

    public void Require(KernelRule rule) => _rules.Require(rule);

    public void Release(KernelRule rule) => _rules.Release(rule);

    public void Require(KernelAddress address) => _addresses.Require(address);

    public void Release(KernelAddress address) => _addresses.Release(address);

    public bool IsWanted(KernelRoute route) => _routes.IsWanted(route);

    public bool IsWanted(KernelRule rule) => _rules.IsWanted(rule);

    public bool IsWanted(KernelAddress address) => _addresses.IsWanted(address);

    /// <summary>Installs what became wanted and deletes what stopped being wanted since the last sync. Rules after addresses and routes, so a source rule never points at a table without its route.</summary>
    public void Sync(IKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        // Deletions first (rules before what they lead to), then additions (what rules lead to before them).
        Count(_rules.SyncRemovals(kernel));
        Count(_routes.SyncRemovals(kernel));
        Count(_addresses.SyncRemovals(kernel));
        Count(_addresses.SyncAdditions(kernel));
        Count(_routes.SyncAdditions(kernel));
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
        repaired += Converge(_routes, kernel, Read(() => kernel.ListRoutes()));
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

    private int Converge<T>(Desired<T> desired, IKernel kernel, IReadOnlyList<T>? actual, Func<T, bool>? extraAllowed = null)
        where T : notnull
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

    /// <summary>One kind of kernel item: how many bindings want each, which are installed, which changed since the last sync.</summary>
    private sealed class Desired<T>(Action<IKernel, T> install, Action<IKernel, T> delete)
        where T : notnull
    {
        private readonly Dictionary<T, int> _wanted = [];
        private readonly HashSet<T> _installed = [];
        private readonly HashSet<T> _changed = [];

        public int Count => _wanted.Count;

        public IEnumerable<T> Wanted => _wanted.Keys;

        public bool IsWanted(T item) => _wanted.ContainsKey(item);

        public void Require(T item)
        {
            _wanted[item] = _wanted.GetValueOrDefault(item) + 1;
            _changed.Add(item);
        }

        public void Release(T item)
        {
            if (!_wanted.TryGetValue(item, out int count))
            {
                return;
            }

            if (count <= 1)
            {
                _wanted.Remove(item);
            }
            else
            {
                _wanted[item] = count - 1;
            }

            _changed.Add(item);
        }

        public List<KernelException> SyncRemovals(IKernel kernel)
        {
            List<KernelException> failures = [];
            foreach (var item in _changed)
            {
                if (!_wanted.ContainsKey(item) && _installed.Contains(item) && Try(() => delete(kernel, item), failures))
                {
                    _installed.Remove(item);
                }
            }

            _changed.RemoveWhere(item => !_wanted.ContainsKey(item) && !_installed.Contains(item));
            return failures;
        }

        public List<KernelException> SyncAdditions(IKernel kernel)
        {
            List<KernelException> failures = [];
            foreach (var item in _changed)
            {
                if (_wanted.ContainsKey(item) && !_installed.Contains(item) && Try(() => install(kernel, item), failures))
                {
                    _installed.Add(item);
                }
            }

            // What failed stays changed, and is tried again by the next sync.
            _changed.RemoveWhere(item => _wanted.ContainsKey(item) == _installed.Contains(item));
            return failures;
        }

        public (int Removed, int Added, List<KernelException> Failures) Converge(IKernel kernel, IReadOnlyList<T> actual, Func<T, bool>? extraAllowed)
        {
            List<KernelException> failures = [];
            var present = new HashSet<T>(actual);
            int removed = 0, added = 0;
            foreach (var item in present)
            {
                if (!_wanted.ContainsKey(item) && !(extraAllowed?.Invoke(item) ?? false) && Try(() => delete(kernel, item), failures))
                {
                    _installed.Remove(item);
                    removed++;
                }
            }

            foreach (var item in _wanted.Keys)
            {
                if (present.Contains(item))
                {
                    // Already there (a previous run installed it): ours now.
                    _installed.Add(item);
                    _changed.Remove(item);
                }
                else if (Try(() => install(kernel, item), failures))
                {
                    _installed.Add(item);
                    _changed.Remove(item);
                    added++;
                }
            }

            return (removed, added, failures);
        }

        public List<KernelException> RemoveAll(IKernel kernel)
        {
            List<KernelException> failures = [];
            foreach (var item in _installed.ToList())
            {
                Try(() => delete(kernel, item), failures);
            }

            _installed.Clear();
            _wanted.Clear();
            _changed.Clear();
            return failures;
        }

        private static bool Try(Action action, List<KernelException> failures)
        {
            try
            {
                action();
                return true;
            }
            catch (KernelException exception)
            {
                failures.Add(exception);
                return false;
            }
        }
    }
}
