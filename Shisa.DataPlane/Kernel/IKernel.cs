using System.Net;

namespace Shisa.DataPlane.Kernel;

/// <summary>
/// What the forwarding-state writer asks of the kernel (DESIGN 5): routes, policy rules,
/// addresses, sysctls and the appliance's nftables table. Everything it installs carries a tag
/// (<see cref="KernelTags.RouteProtocol"/> on routes and rules, the table's name) so that the List methods return only
/// what this appliance installed, and a restart can find and reconcile its own leftovers.
/// </summary>
/// <remarks>
/// Add and Replace are idempotent; Delete of something that is not there is not an error. A failure is a
/// <see cref="KernelException"/>; a kernel facility that is missing (nf_tables, a capability) is a
/// <see cref="KernelFacilityMissingException"/> whose message is one line naming it and the fix.
/// Implementations: <c>NetlinkKernel</c> (rtnetlink, nfnetlink, /proc/sys) and a recording fake in the tests.
/// </remarks>
public interface IKernel : IDisposable
{
    /// <summary>Creates table <c>ip6 NAME</c> from <paramref name="filter"/>, replacing any table of that name, in one batch.</summary>
    void ReplaceTable(string tableName, MobilityFilter filter);

    /// <summary>Deletes table <c>ip6 NAME</c>; absent is fine.</summary>
    void DeleteTable(string tableName);

    /// <summary>Whether table <c>ip6 NAME</c> exists.</summary>
    bool HasTable(string tableName);

    /// <summary>Adds or replaces a route, tagged with <see cref="KernelTags.RouteProtocol"/>.</summary>
    void ReplaceRoute(KernelRoute route);

    void DeleteRoute(KernelRoute route);

    /// <summary>
    /// Adds or replaces many routes, as <see cref="ReplaceRoute"/> one by one would; returns the ones that failed, by
    /// their index in <paramref name="routes"/>. A kernel may send them together (netlink: many per datagram).
    /// </summary>
    IReadOnlyList<KernelFailure> ReplaceRoutes(IReadOnlyList<KernelRoute> routes) => KernelFailure.OneByOne(routes, ReplaceRoute);

    /// <summary>Deletes many routes, as <see cref="DeleteRoute"/> one by one would; returns the ones that failed.</summary>
    IReadOnlyList<KernelFailure> DeleteRoutes(IReadOnlyList<KernelRoute> routes) => KernelFailure.OneByOne(routes, DeleteRoute);

    /// <summary>The IPv6 routes tagged with <see cref="KernelTags.RouteProtocol"/>, in every table.</summary>
    IReadOnlyList<KernelRoute> ListRoutes();

    /// <summary>
    /// The main table's default routes (<c>::/0</c>) through <paramref name="device"/>, whoever installed them: a
    /// router advertisement's default router, or an operator's <c>default dev ppp0</c> on a point-to-point uplink.
    /// </summary>
    IReadOnlyList<KernelRoute> ListDefaultRoutes(string device);

    /// <summary>Adds a policy rule tagged with <see cref="KernelTags.RouteProtocol"/>, unless the same rule is there.</summary>
    void AddRule(KernelRule rule);

    void DeleteRule(KernelRule rule);

    /// <summary>The IPv6 policy rules tagged with <see cref="KernelTags.RouteProtocol"/>.</summary>
    IReadOnlyList<KernelRule> ListRules();

    /// <summary>Adds or replaces an address without DAD (IFA_F_NODAD).</summary>
    void ReplaceAddress(KernelAddress address);

    /// <summary>
    /// Adds (or refreshes) <paramref name="address"/> with finite lifetimes, as SLAAC would from a router
    /// advertisement: dynamic, so <see cref="ForgetLink"/> removes it and the router's next advertisement refreshes it.
    /// </summary>
    void ReplaceAddress(KernelAddress address, TimeSpan validLifetime, TimeSpan preferredLifetime);

    void DeleteAddress(KernelAddress address);

    /// <summary>The global IPv6 addresses on <paramref name="device"/>.</summary>
    IReadOnlyList<KernelAddress> ListAddresses(string device);

    /// <summary>Reads a sysctl under /proc/sys (slash or dot form), trimmed.</summary>
    string ReadSysctl(string key);

    void WriteSysctl(string key, string value);

    /// <summary>
    /// Forgets what router advertisements taught the kernel on a link that is gone: the autoconfigured (dynamic)
    /// global addresses of <paramref name="device"/> and its routes with an expiry or learnt from RAs.
    /// </summary>
    void ForgetLink(string device);
}

/// <summary>The tags and numbers the appliance's kernel state carries.</summary>
public static class KernelTags
{
    /// <summary>The route and rule protocol (rtm_protocol, FRA_PROTOCOL) of what the appliance installs: 'S'.</summary>
    public const byte RouteProtocol = 0x53;

    /// <summary>The main routing table (RT_TABLE_MAIN).</summary>
    public const int MainTable = 254;

    /// <summary>The kernel's default IPv6 route metric.</summary>
    public const int DefaultMetric = 1024;
}

/// <summary>An IPv6 route: destination, device, table, metric and an optional gateway.</summary>
public readonly record struct KernelRoute(IPNetwork Destination, string Device, int Table = KernelTags.MainTable, int Metric = KernelTags.DefaultMetric, IPAddress? Via = null)
{
    public override string ToString() =>
        $"route {Destination}{(Via is null ? string.Empty : $" via {Via}")} dev {Device} table {Table} metric {Metric}";
}

/// <summary>
/// An IPv6 policy rule: <c>from From lookup Table priority Priority</c>, or with <see cref="NotMark"/>,
/// <c>not fwmark NotMark lookup Table priority Priority</c> (From null); with <see cref="InputInterface"/>, only for
/// packets that arrived on that interface (<c>iif NAME</c>).
/// </summary>
public readonly record struct KernelRule(IPNetwork? From, int Table, int Priority, int? NotMark = null, string? InputInterface = null)
{
    public override string ToString() =>
        $"rule {(NotMark is { } mark ? $"not fwmark 0x{mark:x}" : $"from {From}")}{(InputInterface is null ? string.Empty : $" iif {InputInterface}")} lookup {Table} priority {Priority}";
}

/// <summary>One item of a many-item request that failed: its index in the request, and why.</summary>
public readonly record struct KernelFailure(int Index, KernelException Error)
{
    /// <summary>A many-item request made of one-item calls: each item changed in turn, the failures collected by index.</summary>
    public static List<KernelFailure> OneByOne<T>(IReadOnlyList<T> items, Action<T> change)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(change);
        List<KernelFailure> failures = [];
        for (int i = 0; i < items.Count; i++)
        {
            try
            {
                change(items[i]);
            }
            catch (KernelException exception)
            {
                failures.Add(new KernelFailure(i, exception));
            }
        }

        return failures;
    }
}

/// <summary>An address on an interface.</summary>
public readonly record struct KernelAddress(IPAddress Address, int PrefixLength, string Device)
{
    public override string ToString() => $"address {Address}/{PrefixLength} dev {Device}";
}

/// <summary>A kernel request that failed: what was asked and the kernel's answer (errno).</summary>
public class KernelException : Exception
{
    public KernelException(string message, int errno = 0)
        : base(message) => Errno = errno;

    public KernelException()
        : this("kernel request failed")
    {
    }

    public KernelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The kernel's errno (positive), 0 when none.</summary>
    public int Errno { get; }
}

/// <summary>A kernel facility the appliance needs is missing; the message is one line naming it and the fix.</summary>
public sealed class KernelFacilityMissingException : KernelException
{
    public KernelFacilityMissingException(string message)
        : base(message)
    {
    }

    public KernelFacilityMissingException()
        : this("a kernel facility is missing")
    {
    }

    public KernelFacilityMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
