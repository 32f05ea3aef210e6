using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Shisa.DataPlane.Ports;

namespace Shisa.DataPlane.Kernel.Netlink;

/// <summary>
/// <see cref="IKernel"/> over rtnetlink (routes, rules, addresses, links), nfnetlink (the nftables table,
/// one batch per change) and /proc/sys (sysctls): no child process, so neither <c>ip</c>, <c>nft</c> nor
/// <c>sysctl</c> is needed to run. Everything is done in the network namespace given to <see cref="Open"/>: the
/// sockets are created there (a socket stays in the namespace it was created in) and the sysctl files are opened
/// there. Thread-safe: calls are serialised.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NetlinkKernel : IKernel
{
    private const int CapNetAdmin = 12; // linux/capability.h
    private const int RequestBufferLength = 16 * 1024;

    /// <summary>
    /// Octets of route requests sent in one datagram (about 100 routes): few enough that the answers to all of them
    /// failing fit the socket's default receive buffer (212,992 octets).
    /// </summary>
    private const int PipelineBufferLength = 8 * 1024;
    private const int MaxDeviceNameLength = 15; // IFNAMSIZ - 1

    private readonly Lock _lock = new();
    private readonly NetlinkSocket _route;
    private readonly NetlinkSocket _netfilter;
    private readonly byte[] _request = new byte[RequestBufferLength];
    private readonly byte[] _pipeline = new byte[PipelineBufferLength];
    private readonly int[] _pipelineItems = new int[PipelineBufferLength / 32]; // a route request is at least 32 octets
    private readonly Dictionary<string, int> _indexes = new(StringComparer.Ordinal);

    private NetlinkKernel(string? networkNamespace, NetlinkSocket route, NetlinkSocket netfilter)
    {
        NetworkNamespace = networkNamespace;
        _route = route;
        _netfilter = netfilter;
    }

    private delegate bool RequestWriter(Span<byte> buffer, uint sequence, out int bytesWritten);

    /// <summary>The named network namespace this kernel object works in (null: the process's own).</summary>
    public string? NetworkNamespace { get; }

    /// <summary>
    /// Opens the rtnetlink and nfnetlink sockets in <paramref name="networkNamespace"/> (a name under
    /// /var/run/netns as <c>ip netns</c> makes them; null: the process's own namespace) and checks that the kernel
    /// has what the appliance needs.
    /// </summary>
    /// <exception cref="KernelFacilityMissingException">No CAP_NET_ADMIN, or no nf_tables: one line naming it and the fix.</exception>
    /// <exception cref="KernelException">The namespace cannot be entered or a socket cannot be opened.</exception>
    public static NetlinkKernel Open(string? networkNamespace = null)
    {
        if (!HasCapability(CapNetAdmin))
        {
            throw new KernelFacilityMissingException($"kernel cooperation (routes, nftables) {NetlinkErrors.CapabilityFix}");
        }

        (NetlinkSocket Route, NetlinkSocket Netfilter) sockets;
        try
        {
            sockets = Kernel.NetworkNamespace.Invoke(networkNamespace, () =>
            {
                var route = NetlinkSocket.Open(Libc.NETLINK_ROUTE, "rtnetlink");
                try
                {
                    return (route, NetlinkSocket.Open(Libc.NETLINK_NETFILTER, "nfnetlink"));
                }
                catch
                {
                    route.Dispose();
                    throw;
                }
            });
        }
        catch (IOException exception)
        {
            throw new KernelException($"network namespace {networkNamespace}: {exception.Message}", exception);
        }

        var kernel = new NetlinkKernel(networkNamespace, sockets.Route, sockets.Netfilter);
        try
        {
            _ = kernel.HasTable("shisa"); // fails with the fix when the kernel has no nf_tables
            return kernel;
        }
        catch
        {
            kernel.Dispose();
            throw;
        }
    }

    public void ReplaceTable(string tableName, MobilityFilter filter)
    {
        CheckTableName(tableName);
        ArgumentNullException.ThrowIfNull(filter);
        string what = $"nftables table ip6 {tableName}";
        lock (_lock)
        {
            uint first = _netfilter.NextSequence();
            var messages = new List<string>();
            if (!Nftables.TryWriteReplaceTable(_request, tableName, filter, first, out int length, out uint last, messages))
            {
                throw new KernelException($"{what}: the batch does not fit in {_request.Length} octets");
            }

            _netfilter.UsedUpTo(last);
            int errno = _netfilter.Batch(_request.AsSpan(0, length), first, first + 1, last - 1, out uint failed, out string? explanation);
            if (errno != 0)
            {
                string message = messages.ElementAtOrDefault((int)(failed - first)) ?? $"message {failed - first}";
                throw NftablesError(failed == first ? what : $"{what}, {message}", errno, explanation, refusedWhole: failed == first);
            }
        }
    }

    public void DeleteTable(string tableName)
    {
        CheckTableName(tableName);
        lock (_lock)
        {
            uint first = _netfilter.NextSequence();
            _netfilter.UsedUpTo(first + 2);
            if (!Nftables.TryWriteDeleteTable(_request, tableName, first, out int length))
            {
                throw new KernelException($"delete nftables table ip6 {tableName}: request too long");
            }

            int errno = _netfilter.Batch(_request.AsSpan(0, length), first, first + 1, first + 1, out uint failed, out string? explanation);
            if (errno is not (0 or NetlinkErrors.Enoent))
            {
                throw NftablesError($"delete nftables table ip6 {tableName}", errno, explanation, refusedWhole: failed == first);
            }
        }
    }

    public bool HasTable(string tableName)
    {
        CheckTableName(tableName);
        lock (_lock)
        {
            var (errno, explanation) = Execute(_netfilter, $"nftables table ip6 {tableName}", (buffer, sequence, out written) => Nftables.TryWriteGetTable(buffer, tableName, sequence, out written));
            return errno switch
            {
                0 => true,
                NetlinkErrors.Enoent => false,
                _ => throw NftablesError($"nftables table ip6 {tableName}", errno, explanation, refusedWhole: true),
            };
        }
    }

    public void ReplaceRoute(KernelRoute route)
    {
        string what = route.ToString();
        CheckRoute(route);
        lock (_lock)
        {
            ChangeOnDevice(route.Device, what, index =>
            {
                var entry = ToEntry(route, index);
                return (buffer, sequence, out written) => Rtnetlink.TryWriteRoute(buffer, Rtnetlink.NewRoute, Flags(NetlinkMessage.FlagCreate | NetlinkMessage.FlagReplace), sequence, entry, out written);
            });
        }
    }

    public void DeleteRoute(KernelRoute route)
    {
        string what = $"delete {route}";
        CheckRoute(route);
        lock (_lock)
        {
            if (TryInterfaceIndex(route.Device, what) is not { } index)
            {
                return; // the device took its routes with it
            }

            var entry = ToEntry(route, index);
            Change(what, (buffer, sequence, out written) => Rtnetlink.TryWriteRoute(buffer, Rtnetlink.DelRoute, Flags(0), sequence, entry, out written), NetlinkErrors.Esrch, NetlinkErrors.Enoent);
        }
    }

    public IReadOnlyList<KernelFailure> ReplaceRoutes(IReadOnlyList<KernelRoute> routes) => ChangeRoutes(routes, replace: true);

    public IReadOnlyList<KernelFailure> DeleteRoutes(IReadOnlyList<KernelRoute> routes) => ChangeRoutes(routes, replace: false);

    public IReadOnlyList<KernelRoute> ListRoutes()
    {
        lock (_lock)
        {
            var names = LinkNames();
            var routes = new List<KernelRoute>();
            Dump("list routes", Rtnetlink.GetRoute, Rtnetlink.FamilyInet6, message =>
            {
                if (message.Type == Rtnetlink.NewRoute && Rtnetlink.TryReadRoute(message.Payload, out var entry) && entry.Protocol == KernelTags.RouteProtocol)
                {
                    routes.Add(new KernelRoute(entry.Destination, names.GetValueOrDefault(entry.InterfaceIndex, string.Empty), entry.Table, entry.Metric, entry.Gateway));
                }
            });
            return routes;
        }
    }

    public IReadOnlyList<KernelRoute> ListDefaultRoutes(string device)
    {
        string what = $"list default routes of {device}";
        lock (_lock)
        {
            int index = InterfaceIndex(device, what);
            var routes = new List<KernelRoute>();
            Dump(what, Rtnetlink.GetRoute, Rtnetlink.FamilyInet6, message =>
            {
                if (message.Type == Rtnetlink.NewRoute && Rtnetlink.TryReadRoute(message.Payload, out var entry)
                    && entry.InterfaceIndex == index && entry.Table == KernelTags.MainTable && entry.Destination.PrefixLength == 0)
                {
                    routes.Add(new KernelRoute(entry.Destination, device, entry.Table, entry.Metric, entry.Gateway));
                }
            });
            return routes;
        }
    }

    public void AddRule(KernelRule rule)
    {
        rule = Normalize(rule);
        string what = rule.ToString();
        lock (_lock)
        {
            if (ListRulesLocked().Contains(rule))
            {
                return;
            }

            // NLM_F_EXCL: the kernel refuses an identical rule (EEXIST) instead of adding a second one.
            Change(what, (buffer, sequence, out written) => Rtnetlink.TryWriteRule(buffer, Rtnetlink.NewRule, Flags(NetlinkMessage.FlagCreate | NetlinkMessage.FlagExclusive), sequence, rule, KernelTags.RouteProtocol, out written), NetlinkErrors.Eexist);
        }
    }

    public void DeleteRule(KernelRule rule)
    {
        rule = Normalize(rule);
        string what = $"delete {rule}";
        lock (_lock)
        {
            Change(what, (buffer, sequence, out written) => Rtnetlink.TryWriteRule(buffer, Rtnetlink.DelRule, Flags(0), sequence, rule, KernelTags.RouteProtocol, out written), NetlinkErrors.Enoent, NetlinkErrors.Esrch);
        }
    }

    public IReadOnlyList<KernelRule> ListRules()
    {
        lock (_lock)
        {
            return ListRulesLocked();
        }
    }

    public void ReplaceAddress(KernelAddress address)
    {
        string what = address.ToString();
        CheckAddress(address, what);
        lock (_lock)
        {
            ChangeOnDevice(address.Device, what, index =>
                (buffer, sequence, out written) => Rtnetlink.TryWriteAddress(buffer, Rtnetlink.NewAddress, Flags(NetlinkMessage.FlagCreate | NetlinkMessage.FlagReplace), sequence, address.Address, address.PrefixLength, index, out written));
        }
    }

    public void ReplaceAddress(KernelAddress address, TimeSpan validLifetime, TimeSpan preferredLifetime)
    {
        string what = $"{address} valid {validLifetime.TotalSeconds:F0}s preferred {preferredLifetime.TotalSeconds:F0}s";
        CheckAddress(address, what);
        lock (_lock)
        {
            ChangeOnDevice(address.Device, what, index =>
                (buffer, sequence, out written) => Rtnetlink.TryWriteAddress(buffer, Rtnetlink.NewAddress, Flags(NetlinkMessage.FlagCreate | NetlinkMessage.FlagReplace), sequence,
                    address.Address, address.PrefixLength, index, out written, (validLifetime, preferredLifetime)));
        }
    }

    public void DeleteAddress(KernelAddress address)
    {
        string what = $"delete {address}";
        CheckAddress(address, what);
        lock (_lock)
        {
            if (TryInterfaceIndex(address.Device, what) is not { } index)
            {
                return;
            }

            DeleteAddress(what, address.Address, address.PrefixLength, index);
        }
    }

    public IReadOnlyList<KernelAddress> ListAddresses(string device)
    {
        lock (_lock)
        {
            int index = InterfaceIndex(device, $"list addresses of {device}");
            return [.. GlobalAddresses(index).Select(a => new KernelAddress(a.Address, a.PrefixLength, device))];
        }
    }

    public string ReadSysctl(string key)
    {
        string path = SysctlPath(key);
        return Sysctl(key, () => File.ReadAllText(path).Trim());
    }

    public void WriteSysctl(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string path = SysctlPath(key);
        _ = Sysctl($"{key} = {value}", () =>
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            file.Write(Encoding.UTF8.GetBytes(value));
            return value;
        });
    }

    public void ForgetLink(string device)
    {
        string what = $"forget link {device}";
        lock (_lock)
        {
            int index = InterfaceIndex(device, what);

            // ip -6 addr flush dev DEVICE scope global dynamic: the addresses not configured by hand (no IFA_F_PERMANENT).
            foreach (var address in GlobalAddresses(index).Where(a => (a.Flags & Rtnetlink.AddressFlagPermanent) == 0))
            {
                DeleteAddress($"{what}: delete address {address.Address}/{address.PrefixLength}", address.Address, address.PrefixLength, index);
            }

            // The device's main-table routes that expire (on-link prefixes from RAs) or came from RAs (default routers).
            var learnt = new List<RouteEntry>();
            Dump(what, Rtnetlink.GetRoute, Rtnetlink.FamilyInet6, message =>
            {
                if (message.Type == Rtnetlink.NewRoute && Rtnetlink.TryReadRoute(message.Payload, out var entry)
                    && entry.InterfaceIndex == index && entry.Table == KernelTags.MainTable
                    && (entry.Expires || entry.Protocol == Rtnetlink.ProtocolRouterAdvertisement))
                {
                    learnt.Add(entry);
                }
            });
            foreach (var entry in learnt)
            {
                Change($"{what}: delete route {entry.Destination}", (buffer, sequence, out written) => Rtnetlink.TryWriteRoute(buffer, Rtnetlink.DelRoute, Flags(0), sequence, entry, out written), NetlinkErrors.Esrch, NetlinkErrors.Enoent);
            }
        }
    }

    public void Dispose()
    {
        _route.Dispose();
        _netfilter.Dispose();
    }

    /// <summary>The file under /proc/sys of a key in slash (<c>net/ipv6/conf/all/forwarding</c>) or dot form.</summary>
    internal static string SysctlPath(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        string relative = key.StartsWith("/proc/sys/", StringComparison.Ordinal) ? key["/proc/sys/".Length..]
            : key.Contains('/', StringComparison.Ordinal) ? key
            : key.Replace('.', '/');
        if (relative.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException($"'{key}' is not a sysctl key.", nameof(key));
        }

        return "/proc/sys/" + relative;
    }

    private static ushort Flags(ushort extra) => (ushort)(NetlinkMessage.FlagRequest | NetlinkMessage.FlagAck | extra);

    // nfnetlink answers a batch for a subsystem it does not have with EOPNOTSUPP to the BATCH_BEGIN, a single
    // request with EINVAL (nfnetlink_rcv_skb_batch, nfnetlink_rcv_msg); <paramref name="refusedWhole"/> tells that
    // the answer is about the batch or request as such, not one of its messages (a rule the kernel did not take).
    internal static KernelException NftablesError(string what, int errno, string? explanation, bool refusedWhole) =>
        refusedWhole && errno is NetlinkErrors.Eopnotsupp or NetlinkErrors.Eprotonosupport or NetlinkErrors.Einval
            ? new KernelFacilityMissingException("the kernel has no nf_tables (load it: modprobe nf_tables)")
            : NetlinkErrors.ToException(what, errno, explanation);

    private static bool HasCapability(int capability)
    {
        // CapEff in /proc/self/status: the effective set, in hex.
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal)
                    && ulong.TryParse(line.AsSpan("CapEff:".Length).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong effective))
                {
                    return (effective & (1UL << capability)) != 0;
                }
            }
        }
        catch (IOException)
        {
            // no /proc: let the requests tell
        }

        return true;
    }

    private static KernelRule Normalize(KernelRule rule)
    {
        if (rule.From is { } from)
        {
            CheckIpv6(from.BaseAddress, rule.ToString());
        }

        return rule.From is null && rule.NotMark is null ? rule with { From = new IPNetwork(IPAddress.IPv6Any, 0) } : rule;
    }

    private static void CheckIpv6(IPAddress address, string what)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{what}: {address} is not an IPv6 address.", nameof(address));
        }
    }

    private static void CheckRoute(KernelRoute route)
    {
        CheckIpv6(route.Destination.BaseAddress, route.ToString());
        if (route.Via is { } via)
        {
            CheckIpv6(via, route.ToString());
        }
    }

    private static void CheckAddress(KernelAddress address, string what)
    {
        CheckIpv6(address.Address, what);
        ArgumentOutOfRangeException.ThrowIfNegative(address.PrefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(address.PrefixLength, 128);
    }

    private static void CheckDevice(string device, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        if (device.Length > MaxDeviceNameLength || device.Any(c => c is '/' or '\0' || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException($"{what}: '{device}' is not an interface name.", nameof(device));
        }
    }

    private static void CheckTableName(string tableName)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        if (tableName.Length > 255 || !tableName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"'{tableName}' is not a valid nftables table name.", nameof(tableName));
        }
    }

    private static RouteEntry ToEntry(KernelRoute route, int index) =>
        new(route.Destination, index, route.Table, route.Metric, route.Via, KernelTags.RouteProtocol);

    private T Sysctl<T>(string what, Func<T> action)
    {
        try
        {
            return Kernel.NetworkNamespace.Invoke(NetworkNamespace, action);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KernelException($"sysctl {what}: no such key", NetlinkErrors.Enoent);
        }
        catch (UnauthorizedAccessException)
        {
            throw new KernelFacilityMissingException($"sysctl {what}: {NetlinkErrors.CapabilityFix}");
        }
        catch (IOException exception)
        {
            throw new KernelException($"sysctl {what}: {exception.Message}", exception);
        }
    }

    private List<KernelRule> ListRulesLocked()
    {
        var rules = new List<KernelRule>();
        Dump("list rules", Rtnetlink.GetRule, Rtnetlink.FamilyInet6, message =>
        {
            if (message.Type == Rtnetlink.NewRule && Rtnetlink.TryReadRule(message.Payload, out var rule, out byte protocol) && protocol == KernelTags.RouteProtocol)
            {
                rules.Add(rule);
            }
        });
        return rules;
    }

    private List<AddressEntry> GlobalAddresses(int index)
    {
        var addresses = new List<AddressEntry>();
        Dump("list addresses", Rtnetlink.GetAddress, Rtnetlink.FamilyInet6, message =>
        {
            if (message.Type == Rtnetlink.NewAddress && Rtnetlink.TryReadAddress(message.Payload, out var address)
                && address.InterfaceIndex == index && address.Scope == Rtnetlink.ScopeUniverse)
            {
                addresses.Add(address);
            }
        });
        return addresses;
    }

    private void DeleteAddress(string what, IPAddress address, int prefixLength, int index) =>
        Change(what, (buffer, sequence, out written) => Rtnetlink.TryWriteAddress(buffer, Rtnetlink.DelAddress, Flags(0), sequence, address, prefixLength, index, out written), NetlinkErrors.Eaddrnotavail, NetlinkErrors.Enodev);

    private Dictionary<int, string> LinkNames()
    {
        var names = new Dictionary<int, string>();
        Dump("list links", Rtnetlink.GetLink, 0, message =>
        {
            if (message.Type == Rtnetlink.NewLink && Rtnetlink.TryReadLink(message.Payload, out var link))
            {
                names[link.Index] = link.Name;
            }
        });
        return names;
    }

    private int InterfaceIndex(string device, string what) =>
        TryInterfaceIndex(device, what) ?? throw new KernelException($"{what}: no device named {device} (No such device)", NetlinkErrors.Enodev);

    // RTM_GETLINK by name over our socket, so the answer comes from our namespace (if_nametoindex asks the caller's).
    private int? TryInterfaceIndex(string device, string what)
    {
        CheckDevice(device, what);
        int index = 0;
        var (errno, explanation) = Execute(_route, what, (buffer, sequence, out written) => Rtnetlink.TryWriteGetLink(buffer, sequence, device, out written), message =>
        {
            if (message.Type == Rtnetlink.NewLink && Rtnetlink.TryReadLink(message.Payload, out var link))
            {
                index = link.Index;
            }
        });
        if (errno == 0 && index > 0)
        {
            _indexes[device] = index;
        }
        else
        {
            _ = _indexes.Remove(device);
        }

        return errno switch
        {
            0 when index > 0 => index,
            0 or NetlinkErrors.Enodev => null,
            _ => throw NetlinkErrors.ToException(what, errno, explanation),
        };
    }

    /// <summary>
    /// Sends a change that names a device by index, from a cache of indexes by name (one round trip instead of two
    /// per change). A stale index (the device was deleted and made again) is answered with ENODEV: the name is looked
    /// up afresh and the change sent once more. Deletes and lists always look the name up afresh, since a delete
    /// through a stale index would find nothing and say so without an error.
    /// </summary>
    private void ChangeOnDevice(string device, string what, Func<int, RequestWriter> write)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (!_indexes.TryGetValue(device, out int index))
            {
                index = InterfaceIndex(device, what);
                _indexes[device] = index;
            }

            var (errno, explanation) = Execute(_route, what, write(index));
            if (errno == NetlinkErrors.Enodev && attempt == 0)
            {
                _ = _indexes.Remove(device);
                continue;
            }

            if (errno != 0)
            {
                throw NetlinkErrors.ToException(what, errno, explanation);
            }

            return;
        }
    }

    /// <summary>
    /// Route changes many to a datagram (<see cref="NetlinkSocket.RequestPipelined"/>): one send and one answer per
    /// <see cref="PipelineBufferLength"/> octets instead of a round trip per route. Devices are looked up once per
    /// call (for deletes afresh, as <see cref="DeleteRoute"/> does); a replace through a stale device index (ENODEV)
    /// is sent again alone, which looks the name up afresh.
    /// </summary>
    private List<KernelFailure> ChangeRoutes(IReadOnlyList<KernelRoute> routes, bool replace)
    {
        ArgumentNullException.ThrowIfNull(routes);
        List<KernelFailure> failures = [];
        List<int> stale = [];
        lock (_lock)
        {
            var deviceIndexes = new Dictionary<string, int?>(StringComparer.Ordinal);
            ushort type = replace ? Rtnetlink.NewRoute : Rtnetlink.DelRoute;
            ushort flags = replace ? (ushort)(NetlinkMessage.FlagRequest | NetlinkMessage.FlagCreate | NetlinkMessage.FlagReplace) : NetlinkMessage.FlagRequest;
            int next = 0;
            while (next < routes.Count)
            {
                uint first = _route.NextSequence();
                int length = 0, count = 0, lastStart = 0;
                for (; next < routes.Count && count < _pipelineItems.Length; next++)
                {
                    var route = routes[next];
                    int? index;
                    try
                    {
                        CheckRoute(route);
                        index = DeviceIndex(route.Device, replace, route.ToString(), deviceIndexes);
                    }
                    catch (KernelException exception)
                    {
                        failures.Add(new KernelFailure(next, exception));
                        continue;
                    }

                    if (index is not { } found)
                    {
                        if (replace)
                        {
                            failures.Add(new KernelFailure(next, new KernelException($"{route}: no device named {route.Device} (No such device)", NetlinkErrors.Enodev)));
                        }

                        continue; // a delete: the device took its routes with it
                    }

                    var entry = ToEntry(route, found);
                    if (!Rtnetlink.TryWriteRoute(_pipeline.AsSpan(length), type, flags, first + (uint)count, entry, out int written))
                    {
                        break; // the datagram is full: send it, this route starts the next
                    }

                    _pipelineItems[count++] = next;
                    lastStart = length;
                    length += written;
                }

                if (count == 0)
                {
                    continue;
                }

                uint last = first + (uint)count - 1;
                _route.UsedUpTo(last);
                NetlinkMessage.AddFlags(_pipeline.AsSpan(lastStart), NetlinkMessage.FlagAck);
                _route.RequestPipelined(_pipeline.AsSpan(0, length), first, last, (sequence, errno, explanation) =>
                {
                    int item = _pipelineItems[sequence - first];
                    if (replace && errno == NetlinkErrors.Enodev)
                    {
                        stale.Add(item);
                    }
                    else if (replace || errno is not (NetlinkErrors.Esrch or NetlinkErrors.Enoent))
                    {
                        string what = replace ? routes[item].ToString() : $"delete {routes[item]}";
                        failures.Add(new KernelFailure(item, NetlinkErrors.ToException(what, errno, explanation)));
                    }
                });
            }

            foreach (int item in stale)
            {
                try
                {
                    ReplaceRoute(routes[item]);
                }
                catch (KernelException exception)
                {
                    failures.Add(new KernelFailure(item, exception));
                }
            }
        }

        return failures;
    }

    /// <summary>A device's index for a many-route change: replaces use the cache, deletes look it up once per call.</summary>
    private int? DeviceIndex(string device, bool cached, string what, Dictionary<string, int?> looked)
    {
        if (looked.TryGetValue(device, out int? index))
        {
            return index;
        }

        index = cached && _indexes.TryGetValue(device, out int known) ? known : TryInterfaceIndex(device, what);
        looked[device] = index;
        return index;
    }

    /// <summary>Sends a rtnetlink change; an errno among <paramref name="fine"/> (absent, already there) is not an error.</summary>
    private void Change(string what, RequestWriter write, params ReadOnlySpan<int> fine)
    {
        var (errno, explanation) = Execute(_route, what, write);
        if (errno != 0 && !fine.Contains(errno))
        {
            throw NetlinkErrors.ToException(what, errno, explanation);
        }
    }

    private (int Errno, string? Explanation) Execute(NetlinkSocket socket, string what, RequestWriter write, NetlinkReplyHandler? onReply = null)
    {
        uint sequence = socket.NextSequence();
        if (!write(_request, sequence, out int length))
        {
            throw new KernelException($"{what}: the request does not fit in {_request.Length} octets");
        }

        int errno = socket.Request(_request.AsSpan(0, length), sequence, onReply, out string? explanation);
        return (errno, explanation);
    }

    private void Dump(string what, ushort type, byte family, NetlinkReplyHandler onEntry)
    {
        // A dump the kernel's tables changed under (NLM_F_DUMP_INTR) is repeated once; the second one is taken as is.
        for (int attempt = 0; ; attempt++)
        {
            var entries = new List<byte[]>();
            uint sequence = _route.NextSequence();
            if (!Rtnetlink.TryWriteDump(_request, type, family, sequence, out int length))
            {
                throw new KernelException($"{what}: request too long");
            }

            int errno = _route.Dump(_request.AsSpan(0, length), sequence, message => entries.Add(message.Bytes.ToArray()), out bool interrupted, out string? explanation);
            if (errno != 0)
            {
                throw NetlinkErrors.ToException(what, errno, explanation);
            }

            if (interrupted && attempt == 0)
            {
                continue;
            }

            foreach (byte[] entry in entries)
            {
                if (NetlinkMessageView.TryRead(entry, out var message, out _))
                {
                    onEntry(message);
                }
            }

            return;
        }
    }
}
