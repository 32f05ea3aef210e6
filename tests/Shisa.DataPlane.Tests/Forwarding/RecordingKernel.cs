using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Tests.Forwarding;

/// <summary>
/// A kernel in memory for the forwarding-state writer's tests: it holds what was installed (as the kernel would,
/// tagged state only), records every request in order, and can be told to fail a request or to lose state behind
/// the writer's back.
/// </summary>
internal sealed class RecordingKernel : IKernel
{
    public HashSet<KernelRoute> Routes { get; } = [];

    public HashSet<KernelRule> Rules { get; } = [];


    public HashSet<KernelAddress> Addresses { get; } = [];

    public HashSet<string> Tables { get; } = [];

    public Dictionary<string, string> Sysctls { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request, in order, as "verb item".</summary>
    public List<string> Requests { get; } = [];

    /// <summary>Requests (by their "verb item" text) that fail with a KernelException.</summary>
    public Func<string, bool> Fails { get; set; } = _ => false;

    public void ReplaceTable(string tableName, MobilityFilter filter) => Do($"replace table {tableName}", () => Tables.Add(tableName));

    public void DeleteTable(string tableName) => Do($"delete table {tableName}", () => Tables.Remove(tableName));

    public bool HasTable(string tableName) => Tables.Contains(tableName);

    public void ReplaceRoute(KernelRoute route) => Do($"replace {route}", () => Routes.Add(route));

    public void DeleteRoute(KernelRoute route) => Do($"delete {route}", () => Routes.Remove(route));

    public IReadOnlyList<KernelRoute> ListRoutes() => [.. Routes];

    /// <summary>The main table's default routes by device, as router advertisements would have left them.</summary>
    public List<KernelRoute> MainDefaultRoutes { get; } = [];

    public IReadOnlyList<KernelRoute> ListDefaultRoutes(string device) => [.. MainDefaultRoutes.Where(r => r.Device == device)];

    public void AddRule(KernelRule rule) => Do($"add {rule}", () => Rules.Add(rule));

    public void DeleteRule(KernelRule rule) => Do($"delete {rule}", () => Rules.Remove(rule));

    public IReadOnlyList<KernelRule> ListRules() => [.. Rules];




    public void ReplaceAddress(KernelAddress address) => Do($"replace {address}", () => Addresses.Add(address));

    public void ReplaceAddress(KernelAddress address, TimeSpan validLifetime, TimeSpan preferredLifetime) =>
        Do($"replace {address} valid {validLifetime.TotalSeconds} preferred {preferredLifetime.TotalSeconds}", () => Addresses.Add(address));

    public void DeleteAddress(KernelAddress address) => Do($"delete {address}", () => Addresses.Remove(address));

    public IReadOnlyList<KernelAddress> ListAddresses(string device) => [.. Addresses.Where(a => a.Device == device)];

    public string ReadSysctl(string key) => Sysctls.GetValueOrDefault(key, "0");

    public void WriteSysctl(string key, string value) => Do($"sysctl {key}={value}", () => Sysctls[key] = value);

    public void ForgetLink(string device) => Do($"forget {device}", () => { });

    public void Dispose()
    {
    }

    private void Do(string request, Action change)
    {
        Requests.Add(request);
        if (Fails(request))
        {
            throw new KernelException($"{request}: injected failure", 1);
        }

        change();
    }
}
