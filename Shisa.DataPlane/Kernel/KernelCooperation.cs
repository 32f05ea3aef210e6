using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Shisa.DataPlane.Kernel;

/// <summary>
/// Installs, and removes again, what the appliance needs the kernel to do (DESIGN 5): routes of home addresses
/// and mobile network prefixes to its TUN device, proxy ND entries for home addresses on the home link (with
/// the interface's proxy_ndp switched on), sysctls, and an nftables table of its own. Every change is recorded
/// with its undo, and <see cref="Stop"/> undoes exactly those, newest first. The table is replaced whole on
/// <see cref="Start"/>, so a restart after a crash (no <see cref="Stop"/>) leaves no stale rule behind; routes
/// and proxy entries use "replace", so reinstalling them after a crash does not fail either.
/// Only this component writes kernel forwarding state (OpenBSD: signalling asks the one component that does).
/// </summary>
public sealed partial class KernelCooperation : IDisposable
{
    private readonly ICommandRunner _runner;
    private readonly ILogger _logger;
    private readonly List<Installed> _installed = [];
    private readonly Lock _lock = new();
    private bool _tableInstalled;

    public KernelCooperation(ICommandRunner runner, string tableName = "shisa", ILogger<KernelCooperation>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        CheckName(tableName, nameof(tableName));
        _runner = runner;
        TableName = tableName;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The nftables table, <c>ip6 TableName</c>.</summary>
    public string TableName { get; }

    /// <summary>What is installed now, oldest first, as human-readable lines (for the status page).</summary>
    public IReadOnlyList<string> InstalledItems
    {
        get
        {
            lock (_lock)
            {
                var items = _installed.Select(i => i.Description).ToList();
                if (_tableInstalled)
                {
                    items.Insert(0, $"nft table ip6 {TableName}");
                }

                return items;
            }
        }
    }

    /// <summary>Creates the nftables table, replacing whatever table of that name is there (a crash's leftover).</summary>
    public void Start(MobilityFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (_lock)
        {
            _runner.RunChecked("nft", ["-f", "-"], NftScript(filter, TableName));
            _tableInstalled = true;
            LogTableReplaced(_logger, TableName);
        }
    }

    /// <summary><c>ip -6 route replace PREFIX [via GATEWAY] dev DEVICE [table T] [metric M]</c>, removed again on stop.</summary>
    public void AddRoute(IPNetwork prefix, string device, int? table = null, int? metric = null, IPAddress? via = null)
    {
        CheckName(device, nameof(device));
        var selector = RouteSelector(prefix, device, table, metric, via);
        string description = $"route {string.Join(' ', selector)}";
        lock (_lock)
        {
            _runner.RunChecked("ip", ["-6", "route", "replace", .. selector]);
            Record(description, () => _runner.RunChecked("ip", ["-6", "route", "del", .. selector]));
        }
    }

    public void RemoveRoute(IPNetwork prefix, string device, int? table = null, int? metric = null, IPAddress? via = null)
    {
        CheckName(device, nameof(device));
        var selector = RouteSelector(prefix, device, table, metric, via);
        Undo($"route {string.Join(' ', selector)}");
    }

    /// <summary>
    /// A proxy ND entry (<c>ip -6 neigh replace proxy ADDRESS dev DEVICE</c>) so the kernel answers Neighbor
    /// Solicitations for a home address on the home link; switches the interface's proxy_ndp on first, and its
    /// proxy_delay off (the kernel otherwise waits up to 0.8 s before answering for a proxied address). The
    /// kernel only proxies on a forwarding interface, as a home agent's is.
    /// </summary>
    public void AddProxyNeighbor(IPAddress address, string device)
    {
        CheckIpv6(address);
        CheckName(device, nameof(device));
        SetSysctl($"net/ipv6/conf/{device}/proxy_ndp", "1");
        SetSysctl($"net/ipv6/neigh/{device}/proxy_delay", "0");
        string text = address.ToString();
        lock (_lock)
        {
            _runner.RunChecked("ip", ["-6", "neigh", "replace", "proxy", text, "dev", device]);
            Record($"proxy {text} dev {device}", () => _runner.RunChecked("ip", ["-6", "neigh", "del", "proxy", text, "dev", device]));
        }
    }

    public void RemoveProxyNeighbor(IPAddress address, string device)
    {
        CheckIpv6(address);
        Undo($"proxy {address} dev {device}");
    }

    /// <summary>
    /// <c>ip -6 addr replace ADDRESS/LENGTH dev DEVICE nodad</c> (a mobile node's home address on the interface
    /// attached to the home link, which the home agent defended until now: no DAD), removed again on stop.
    /// </summary>
    public void AddAddress(IPAddress address, int prefixLength, string device)
    {
        CheckIpv6(address);
        CheckName(device, nameof(device));
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 128);
        string text = $"{address}/{prefixLength.ToString(CultureInfo.InvariantCulture)}";
        lock (_lock)
        {
            _runner.RunChecked("ip", ["-6", "addr", "replace", text, "dev", device, "nodad"]);
            Record($"address {text} dev {device}", () => _runner.RunChecked("ip", ["-6", "addr", "del", text, "dev", device]));
        }
    }

    public void RemoveAddress(IPAddress address, int prefixLength, string device)
    {
        CheckIpv6(address);
        Undo($"address {address}/{prefixLength.ToString(CultureInfo.InvariantCulture)} dev {device}");
    }

    /// <summary>Whether <see cref="AddAddress"/> put this address on this device and it is there still.</summary>
    public bool HasAddress(IPAddress address, int prefixLength, string device)
    {
        string description = $"address {address}/{prefixLength.ToString(CultureInfo.InvariantCulture)} dev {device}";
        lock (_lock)
        {
            return _installed.Any(i => i.Description == description);
        }
    }

    /// <summary>
    /// Forgets what router advertisements taught the kernel on a link that is gone: the autoconfigured (dynamic)
    /// global addresses and the routes learnt from them, which all carry an expiry (default routers,
    /// <c>proto ra</c>; on-link prefixes, <c>proto kernel</c> with <c>expires</c>). Left alone, the kernel keeps
    /// them for their lifetimes and goes on using the old default router, care-of address and on-link prefix (the
    /// home prefix, after a visit home: the home agent then looks on-link) on the next link. The next link's
    /// advertisements install their own. Nothing to undo on stop.
    /// </summary>
    public void ForgetLink(string device)
    {
        CheckName(device, nameof(device));
        _runner.RunChecked("ip", ["-6", "addr", "flush", "dev", device, "scope", "global", "dynamic"]);
        string routes = _runner.RunChecked("ip", ["-6", "route", "show", "dev", device]).StandardOutput;
        foreach (string line in routes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!(words.Contains("expires") || line.Contains("proto ra", StringComparison.Ordinal)))
            {
                continue;
            }

            // "default via fe80::1 proto ra metric 1024 expires 2sec ..." or "2001:db8:a1::/64 proto kernel ... expires 119sec"
            string[] selector = words.Length > 2 && words[1] == "via" ? [words[0], "via", words[2]] : [words[0]];
            _ = _runner.Run("ip", ["-6", "route", "del", .. selector, "dev", device]); // gone already: fine
        }

        LogLinkForgotten(_logger, device);
    }

    /// <summary>Sets a sysctl (slash or dot form); the old value is restored on stop.</summary>
    public void SetSysctl(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(value);
        string description = $"sysctl {key}";
        lock (_lock)
        {
            if (_installed.Any(i => i.Description == description))
            {
                _runner.RunChecked("sysctl", ["-q", "-w", $"{key}={value}"]);
                return;
            }

            string old = _runner.RunChecked("sysctl", ["-n", key]).StandardOutput.Trim();
            if (old == value)
            {
                return;
            }

            _runner.RunChecked("sysctl", ["-q", "-w", $"{key}={value}"]);
            Record(description, () => _runner.RunChecked("sysctl", ["-q", "-w", $"{key}={old}"]));
        }
    }

    /// <summary>
    /// Removes everything installed, newest first, then the nftables table. Goes on past failures (an
    /// interface that is already gone took its routes with it) and reports them together at the end.
    /// </summary>
    public void Stop()
    {
        List<Exception> failures = [];
        lock (_lock)
        {
            for (int i = _installed.Count - 1; i >= 0; i--)
            {
                var item = _installed[i];
                try
                {
                    item.Undo();
                    LogRemoved(_logger, item.Description);
                }
                catch (KernelCommandException exception)
                {
                    LogRemoveFailed(_logger, item.Description, exception.StandardError.Trim());
                    failures.Add(exception);
                }
            }

            _installed.Clear();
            if (_tableInstalled)
            {
                var result = _runner.Run("nft", ["delete", "table", "ip6", TableName]);
                if (!result.Succeeded)
                {
                    failures.Add(new KernelCommandException($"nft delete table ip6 {TableName}", result.ExitCode, result.StandardError));
                }

                _tableInstalled = false;
                LogTableDeleted(_logger, TableName);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Some kernel state could not be removed.", failures);
        }
    }

    /// <summary>Same as <see cref="Stop"/>, but never throws (failures are logged).</summary>
    public void Dispose()
    {
        try
        {
            Stop();
        }
        catch (AggregateException)
        {
            // logged one by one in Stop
        }
    }

    internal static void CheckName(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameter);
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@'))
            {
                throw new ArgumentException($"'{name}' is not a valid name.", parameter);
            }
        }
    }

    private static void CheckIpv6(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{address} is not an IPv6 address.", nameof(address));
        }
    }

    private static string[] RouteSelector(IPNetwork prefix, string device, int? table, int? metric, IPAddress? via)
    {
        List<string> selector = [Format(prefix)];
        if (via is not null)
        {
            CheckIpv6(via);
            selector.Add("via");
            selector.Add(via.ToString());
        }

        selector.Add("dev");
        selector.Add(device);
        if (table is { } t)
        {
            selector.Add("table");
            selector.Add(t.ToString(CultureInfo.InvariantCulture));
        }

        if (metric is { } m)
        {
            selector.Add("metric");
            selector.Add(m.ToString(CultureInfo.InvariantCulture));
        }

        return [.. selector];
    }

    private static string Format(IPNetwork network)
    {
        if (network.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{network} is not an IPv6 prefix.", nameof(network));
        }

        return network.PrefixLength == 128 ? network.BaseAddress.ToString() : network.ToString();
    }

    /// <summary>
    /// The nftables script that creates (or replaces, whole and atomically) table <c>ip6 TABLE</c>: the rules of
    /// <paramref name="filter"/> as text for <c>nft -f</c>. <see cref="Netlink.NetlinkKernel.ReplaceTable"/> sends the
    /// same table as one nfnetlink batch; this goes when the engine moves to <see cref="IKernel"/>.
    /// </summary>
    private static string NftScript(MobilityFilter filter, string tableName)
    {
        var script = new System.Text.StringBuilder();

        // "add, delete, define" in one transaction: replaces a table left by a crash, and works when none exists.
        script.Append(CultureInfo.InvariantCulture, $"table ip6 {tableName}\n");
        script.Append(CultureInfo.InvariantCulture, $"delete table ip6 {tableName}\n");
        script.Append(CultureInfo.InvariantCulture, $"table ip6 {tableName} {{\n");
        script.Append("  chain input {\n    type filter hook input priority filter - 10; policy accept;\n");
        if (filter.DropMobilityHeader)
        {
            script.Append("    meta l4proto 135 counter drop comment \"Mobility Header: handled by shisa\"\n");
        }

        if (filter.DropTunnelled)
        {
            script.Append("    meta l4proto 41 counter drop comment \"IPv6-in-IPv6 to this node: decapsulated by shisa\"\n");
        }

        if (filter.DropHomeAddressOption)
        {
            script.Append("    ip6 nexthdr 60 @nh,336,8 0xc9 counter drop comment \"Home Address option: handled by shisa\"\n");
            script.Append("    ip6 nexthdr 60 @nh,336,8 0x01 @nh,368,8 0xc9 counter drop comment \"Home Address option after PadN\"\n");
        }

        if (filter.DropType2RoutingHeader)
        {
            script.Append("    rt type 2 counter drop comment \"type 2 routing header: handled by shisa\"\n");
        }

        script.Append("  }\n");
        script.Append("  chain output {\n    type filter hook output priority filter - 10; policy accept;\n");
        if (filter.SuppressParameterProblems)
        {
            script.Append(CultureInfo.InvariantCulture, $"    meta mark != 0x{MobilityFilter.SignallingMark:x} icmpv6 type parameter-problem @th,112,8 {{ 41, 43, 60, 135 }} counter drop comment \"no kernel errors about what shisa handles\"\n");
        }

        script.Append("  }\n");
        script.Append("  chain forward {\n    type filter hook forward priority filter - 10; policy accept;\n  }\n");
        script.Append("}\n");
        return script.ToString();
    }

    private void Record(string description, Action undo)
    {
        if (!_installed.Any(i => i.Description == description))
        {
            _installed.Add(new Installed(description, undo));
            LogInstalled(_logger, description);
        }
    }

    private void Undo(string description)
    {
        lock (_lock)
        {
            int index = _installed.FindIndex(i => i.Description == description);
            if (index < 0)
            {
                throw new InvalidOperationException($"Not installed by this instance: {description}.");
            }

            _installed[index].Undo();
            _installed.RemoveAt(index);
            LogRemoved(_logger, description);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Installed nftables table ip6 {Table} (replacing any left over)")]
    private static partial void LogTableReplaced(ILogger logger, string table);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Deleted nftables table ip6 {Table}")]
    private static partial void LogTableDeleted(ILogger logger, string table);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Installed {Item}")]
    private static partial void LogInstalled(ILogger logger, string item);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Removed {Item}")]
    private static partial void LogRemoved(ILogger logger, string item);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Could not remove {Item}: {Error}")]
    private static partial void LogRemoveFailed(ILogger logger, string item, string error);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Link of {Device} gone: flushed its autoconfigured addresses and router advertisement routes")]
    private static partial void LogLinkForgotten(ILogger logger, string device);

    private sealed record Installed(string Description, Action Undo);
}
