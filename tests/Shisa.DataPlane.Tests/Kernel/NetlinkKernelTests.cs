using System.Net;
using System.Runtime.Versioning;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Kernel.Netlink;

namespace Shisa.DataPlane.Tests.Kernel;

/// <summary>
/// <see cref="NetlinkKernel"/> against the real kernel, in a throwaway network namespace (root only), cross-checked
/// with <c>ip</c> and <c>nft</c>.
/// </summary>
[TestFixture]
[NonParallelizable]
[SupportedOSPlatform("linux")]
public class NetlinkKernelTests
{
    private const string Device = ThrowawayNamespace.Device;
    private ThrowawayNamespace _namespace = null!;
    private NetlinkKernel _kernel = null!;

    [SetUp]
    public void CreateNamespace()
    {
        Assume.That(ThrowawayNamespace.IsRoot, Is.True, "needs root (network namespaces)");
        _namespace = ThrowawayNamespace.Create();
        _kernel = NetlinkKernel.Open(_namespace.Name);
    }

    [TearDown]
    public void DeleteNamespace()
    {
        _kernel?.Dispose();
        _namespace?.Dispose();
    }

    [Test]
    public void Routes_are_replaced_listed_with_table_metric_and_gateway_and_deleted()
    {
        var plain = new KernelRoute(IPNetwork.Parse("2001:db8:55::/64"), Device);
        var inTable = new KernelRoute(IPNetwork.Parse("2001:db8:56::/64"), Device, Table: 100, Metric: 10);
        var viaGateway = new KernelRoute(IPNetwork.Parse("2001:db8:57::/56"), Device, Metric: 2048, Via: IPAddress.Parse("fe80::57"));
        var host = new KernelRoute(IPNetwork.Parse("2001:db8:1::100/128"), Device, Table: 1000);

        foreach (var route in new[] { plain, inTable, viaGateway, host })
        {
            _kernel.ReplaceRoute(route);
        }

        _kernel.ReplaceRoute(plain); // replace: no error, no second route

        Assert.That(_kernel.ListRoutes(), Is.EquivalentTo(new[] { plain, inTable, viaGateway, host }));
        string main = _namespace.Ip("-6", "route", "show");
        Assert.That(main, Does.Contain("2001:db8:55::/64 dev d0 proto 83 metric 1024").And.Contain("2001:db8:57::/56 via fe80::57 dev d0 proto 83 metric 2048"));
        Assert.That(_namespace.Ip("-6", "route", "show", "table", "100"), Does.Contain("2001:db8:56::/64 dev d0 proto 83 metric 10"));
        Assert.That(_namespace.Ip("-6", "route", "show", "table", "1000"), Does.Contain("2001:db8:1::100 dev d0 proto 83 metric 1024"));

        _kernel.DeleteRoute(inTable);
        _kernel.DeleteRoute(viaGateway);
        _kernel.DeleteRoute(viaGateway); // absent is fine

        Assert.That(_kernel.ListRoutes(), Is.EquivalentTo(new[] { plain, host }));
    }

    [Test]
    public void Many_routes_go_in_pipelined_datagrams_and_each_failure_is_reported_at_its_index()
    {
        var routes = Enumerable.Range(0, 1000)
            .Select(i => new KernelRoute(new IPNetwork(AddressKey.ToAddress(AddressKey.From(IPAddress.Parse("2001:db8:70::")) + (UInt128)i), 128), Device))
            .ToList();
        routes.Insert(500, new KernelRoute(IPNetwork.Parse("2001:db8:71::/64"), "nosuch0"));

        var failures = _kernel.ReplaceRoutes(routes);

        Assert.That(failures.Select(f => f.Index), Is.EqualTo(new[] { 500 }), "only the route on a missing device fails");
        Assert.That(failures[0].Error.Message, Does.Contain("nosuch0"));
        Assert.That(_kernel.ListRoutes(), Has.Count.EqualTo(1000));
        Assert.That(_kernel.ReplaceRoutes(routes).Select(f => f.Index), Is.EqualTo(new[] { 500 }), "replacing again changes nothing else");

        var twice = routes.Take(10).Concat(routes.Take(10)).ToList();
        Assert.That(_kernel.DeleteRoutes(twice), Is.Empty, "deleting what is gone, or on a missing device, is fine");
        Assert.That(_kernel.DeleteRoutes(routes), Is.Empty);
        Assert.That(_kernel.ListRoutes(), Is.Empty);
    }

    [Test]
    public void Routes_the_appliance_did_not_install_are_not_listed_or_deleted()
    {
        _namespace.Ip("-6", "route", "add", "2001:db8:99::/64", "dev", Device);
        _kernel.DeleteRoute(new KernelRoute(IPNetwork.Parse("2001:db8:99::/64"), Device));

        Assert.That(_kernel.ListRoutes(), Is.Empty);
        Assert.That(_namespace.Ip("-6", "route", "show"), Does.Contain("2001:db8:99::/64"));
    }

    [Test]
    public void Rules_from_a_prefix_and_not_fwmark_are_added_once_listed_and_deleted()
    {
        var from = new KernelRule(IPNetwork.Parse("2001:db8:a1::/64"), Table: 100, Priority: 1000);
        var notMark = new KernelRule(null, Table: 101, Priority: 1001, NotMark: MobilityFilter.SignallingMark);

        _kernel.AddRule(from);
        _kernel.AddRule(notMark);
        _kernel.AddRule(from);
        _kernel.AddRule(notMark);

        Assert.That(_kernel.ListRules(), Is.EquivalentTo(new[] { from, notMark }));
        string shown = _namespace.Ip("-6", "rule", "show");
        Assert.That(shown, Does.Contain("1000:\tfrom 2001:db8:a1::/64 lookup 100 proto 83"));
        Assert.That(shown, Does.Contain("1001:\tnot from all fwmark 0x5348 lookup 101 proto 83"));
        Assert.That(shown.Split('\n').Count(l => l.StartsWith("1000:", StringComparison.Ordinal)), Is.EqualTo(1), "no duplicate");

        _kernel.DeleteRule(from);
        _kernel.DeleteRule(from); // absent is fine

        Assert.That(_kernel.ListRules(), Is.EqualTo(new[] { notMark }));
        _kernel.DeleteRule(notMark);
        Assert.That(_kernel.ListRules(), Is.Empty);
    }

    [Test]
    public void Rules_the_appliance_did_not_add_are_not_listed()
    {
        _namespace.Ip("-6", "rule", "add", "from", "2001:db8:b::/64", "lookup", "100", "priority", "500");
        Assert.That(_kernel.ListRules(), Is.Empty);
    }

    [Test]
    public void Addresses_are_replaced_without_dad_listed_and_deleted()
    {
        var address = new KernelAddress(IPAddress.Parse("2001:db8:a1::100"), 64, Device);

        _kernel.ReplaceAddress(address);
        _kernel.ReplaceAddress(address);

        Assert.That(_kernel.ListAddresses(Device), Is.EqualTo(new[] { address }), "link-local addresses are not listed");
        string shown = _namespace.Ip("-6", "addr", "show", "dev", Device);
        string line = shown.Split('\n').Single(l => l.Contains("2001:db8:a1::100", StringComparison.Ordinal));
        Assert.That(line, Does.Contain("inet6 2001:db8:a1::100/64 scope global nodad").And.Not.Contain("tentative"));

        _kernel.DeleteAddress(address);
        _kernel.DeleteAddress(address);

        Assert.That(_kernel.ListAddresses(Device), Is.Empty);
    }

    [Test]
    public void Sysctls_are_read_and_written_in_the_namespace_not_the_host()
    {
        string hostBefore = File.ReadAllText("/proc/sys/net/ipv6/conf/all/forwarding").Trim();

        _kernel.WriteSysctl("net.ipv6.conf.all.forwarding", hostBefore == "1" ? "0" : "1");
        _kernel.WriteSysctl($"net/ipv6/conf/{Device}/proxy_ndp", "1");

        string inside = hostBefore == "1" ? "0" : "1";
        Assert.That(_kernel.ReadSysctl("net/ipv6/conf/all/forwarding"), Is.EqualTo(inside));
        Assert.That(_kernel.ReadSysctl($"net.ipv6.conf.{Device}.proxy_ndp"), Is.EqualTo("1"));
        Assert.That(_namespace.Exec("cat", "/proc/sys/net/ipv6/conf/all/forwarding").Trim(), Is.EqualTo(inside));
        Assert.That(File.ReadAllText("/proc/sys/net/ipv6/conf/all/forwarding").Trim(), Is.EqualTo(hostBefore), "the host's is untouched");
    }

    [Test]
    public void A_sysctl_that_does_not_exist_is_a_kernel_exception_naming_it()
    {
        var failure = Assert.Throws<KernelException>(() => _kernel.ReadSysctl("net.ipv6.conf.nosuch0.forwarding"));
        Assert.That(failure!.Message, Is.EqualTo("sysctl net.ipv6.conf.nosuch0.forwarding: no such key"));
    }

    [Test]
    public void A_sysctl_value_the_kernel_refuses_is_a_kernel_exception_naming_key_and_value()
    {
        var failure = Assert.Throws<KernelException>(() => _kernel.WriteSysctl("net.ipv6.conf.all.forwarding", "yes"));
        Assert.That(failure!.Message, Does.StartWith("sysctl net.ipv6.conf.all.forwarding = yes: "));
    }

    [Test]
    public void A_missing_device_is_a_kernel_exception_naming_the_request_and_the_device()
    {
        var route = new KernelRoute(IPNetwork.Parse("2001:db8:1::100/128"), "shisa0");

        var failure = Assert.Throws<KernelException>(() => _kernel.ReplaceRoute(route));
        Assert.That(failure!.Message, Is.EqualTo("route 2001:db8:1::100/128 dev shisa0 table 254 metric 1024: no device named shisa0 (No such device)"));
        Assert.That(failure.Errno, Is.EqualTo(19));
        Assert.Throws<KernelException>(() => _kernel.ListAddresses("shisa0"));
        Assert.DoesNotThrow(() => _kernel.DeleteRoute(route), "deleting what a gone device took with it is fine");
    }

    [Test]
    public void A_device_made_again_under_the_same_name_gets_the_next_route_and_address()
    {
        _kernel.ReplaceRoute(new KernelRoute(IPNetwork.Parse("2001:db8:5a::/64"), Device));
        _namespace.Ip("link", "del", Device);
        _namespace.Ip("link", "add", Device, "type", "veth", "peer", "name", "d1");
        _namespace.Ip("link", "set", Device, "up");

        _kernel.ReplaceRoute(new KernelRoute(IPNetwork.Parse("2001:db8:5b::/64"), Device));
        _kernel.ReplaceAddress(new KernelAddress(IPAddress.Parse("2001:db8:5c::1"), 64, Device));

        Assert.That(_namespace.Ip("-6", "route", "show", "dev", Device), Does.Contain("2001:db8:5b::/64"));
        Assert.That(_kernel.ListAddresses(Device), Is.EqualTo(new[] { new KernelAddress(IPAddress.Parse("2001:db8:5c::1"), 64, Device) }));
    }

    [Test]
    public void A_route_the_kernel_refuses_is_a_kernel_exception_with_its_reason()
    {
        // A gateway that is not on any link: the kernel refuses the route (EHOSTUNREACH or ENETUNREACH).
        var route = new KernelRoute(IPNetwork.Parse("2001:db8:58::/64"), Device, Via: IPAddress.Parse("2001:db8:ffff::1"));

        var failure = Assert.Throws<KernelException>(() => _kernel.ReplaceRoute(route));
        Assert.That(failure!.Message, Does.StartWith("route 2001:db8:58::/64 via 2001:db8:ffff::1 dev d0 table 254 metric 1024: "));
        Assert.That(failure.Errno, Is.Not.Zero);
    }

    [Test]
    public void The_table_is_replaced_whole_found_and_deleted()
    {
        Assert.That(_kernel.HasTable("shisa"), Is.False);

        _kernel.ReplaceTable("shisa", new MobilityFilter());
        _namespace.Exec("nft", "add", "rule", "ip6", "shisa", "input", "meta", "l4proto", "99", "drop"); // a stray rule
        _kernel.ReplaceTable("shisa", new MobilityFilter { DropTunnelled = false });

        Assert.That(_kernel.HasTable("shisa"), Is.True);
        string listed = _namespace.Exec("nft", "list", "table", "ip6", "shisa");
        Assert.That(listed, Does.Not.Contain("l4proto 99"), "the second replace removed the stray rule");
        Assert.That(listed, Does.Not.Contain("l4proto ipip").And.Not.Contain("l4proto 41"), "DropTunnelled = false");
        Assert.That(listed, Does.Contain("l4proto 135").Or.Contain("mobility-header"));

        _kernel.DeleteTable("shisa");
        _kernel.DeleteTable("shisa"); // absent is fine
        Assert.That(_kernel.HasTable("shisa"), Is.False);
    }

    [Test]
    public void The_kernel_takes_the_rule_dropping_dhaad_requests_forwarded_to_the_home_agents_anycast_address()
    {
        _kernel.ReplaceTable("shisa", new MobilityFilter { HomeAgentsAnycast = System.Net.IPAddress.Parse("2001:db8:1::fdff:ffff:ffff:fffe") });
        string listed = _namespace.Exec("nft", "list", "chain", "ip6", "shisa", "forward");
        _kernel.DeleteTable("shisa");

        Assert.That(listed, Does.Contain("ip6 daddr 2001:db8:1:0:fdff:ffff:ffff:fffe icmpv6 type 144 counter").And.Contain("drop"), listed);
    }

    [Test]
    public void The_table_lists_rule_for_rule_as_the_nft_script_it_replaces()
    {
        _kernel.ReplaceTable("shisa", new MobilityFilter());
        string ours = Normalise(_namespace.Exec("nft", "list", "table", "ip6", "shisa"));
        _kernel.DeleteTable("shisa");

        ThrowawayNamespace.Run("ip", ["netns", "exec", _namespace.Name, "nft", "-f", "-"], LegacyScript);
        string script = Normalise(_namespace.Exec("nft", "list", "table", "ip6", "shisa"));

        Assert.That(ours, Is.EqualTo(script));
    }

    [Test]
    public void Forget_link_removes_dynamic_addresses_and_expiring_or_router_advertisement_routes_only()
    {
        _namespace.Ip("-6", "addr", "add", "2001:db8:c1::10/64", "dev", Device, "nodad"); // permanent: stays
        _namespace.Ip("-6", "addr", "add", "2001:db8:c2::10/64", "dev", Device, "nodad", "valid_lft", "300", "preferred_lft", "300"); // dynamic: goes
        _namespace.Ip("-6", "route", "add", "2001:db8:c3::/64", "dev", Device, "expires", "300"); // expires: goes
        _namespace.Ip("-6", "route", "add", "2001:db8:c4::/64", "dev", Device, "proto", "ra"); // from an RA: goes
        _namespace.Ip("-6", "route", "add", "2001:db8:c5::/64", "dev", Device); // static: stays

        _kernel.ForgetLink(Device);

        string addresses = _namespace.Ip("-6", "addr", "show", "dev", Device);
        string routes = _namespace.Ip("-6", "route", "show", "dev", Device);
        Assert.That(addresses, Does.Contain("2001:db8:c1::10/64").And.Not.Contain("2001:db8:c2::10"));
        Assert.That(routes, Does.Contain("2001:db8:c5::/64").And.Contain("2001:db8:c1::/64"));
        Assert.That(routes, Does.Not.Contain("2001:db8:c3::/64").And.Not.Contain("2001:db8:c4::/64").And.Not.Contain("2001:db8:c2::/64"));
    }

    [Test]
    public void Without_cap_net_admin_a_request_is_one_line_naming_the_capability_and_the_fix()
    {
        // Capabilities are per thread: this one drops CAP_NET_ADMIN from its effective set and asks on the same socket.
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            DropEffectiveCapability(12); // CAP_NET_ADMIN
            failure = Assert.Catch(() => _kernel.ReplaceRoute(new KernelRoute(IPNetwork.Parse("2001:db8:59::/64"), Device)));
        });
        thread.Start();
        thread.Join();

        Assert.That(failure, Is.TypeOf<KernelFacilityMissingException>());
        Assert.That(failure!.Message, Is.EqualTo("route 2001:db8:59::/64 dev d0 table 254 metric 1024: needs CAP_NET_ADMIN (run as root or grant AmbientCapabilities=CAP_NET_ADMIN)"));
        Assert.That(_kernel.ListRoutes(), Is.Empty);
    }

    [Test]
    public void A_namespace_that_does_not_exist_is_a_kernel_exception_naming_it()
    {
        var failure = Assert.Throws<KernelException>(() => NetlinkKernel.Open("shisa-nl-nosuch"));
        Assert.That(failure!.Message, Does.StartWith("network namespace shisa-nl-nosuch: "));
    }

    private static void DropEffectiveCapability(int capability)
    {
        // struct __user_cap_header_struct { u32 version (_LINUX_CAPABILITY_VERSION_3); int pid }, two __user_cap_data_struct.
        uint[] header = [0x20080522, 0];
        uint[] data = new uint[6];
        if (capget(header, data) != 0)
        {
            throw new InvalidOperationException("capget failed");
        }

        data[0] &= ~(1u << capability); // effective, first 32 capabilities
        if (capset(header, data) != 0)
        {
            throw new InvalidOperationException("capset failed");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int capget(uint[] header, uint[] data);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int capset(uint[] header, uint[] data);

    // nft list without the counters' values and handles.
    private static string Normalise(string listing) =>
        System.Text.RegularExpressions.Regex.Replace(listing, @"counter packets \d+ bytes \d+", "counter").Replace("\r", string.Empty, StringComparison.Ordinal);

    /// <summary>
    /// What <c>MobilityFilter.ToNftScript("shisa")</c> produced before the table moved to nfnetlink (without the
    /// <c>intercepted</c> set and its forward rule, which nothing in the product filled).
    /// </summary>
    private const string LegacyScript = """
        table ip6 shisa
        delete table ip6 shisa
        table ip6 shisa {
          chain input {
            type filter hook input priority filter - 10; policy accept;
            meta l4proto 135 counter drop comment "Mobility Header: handled by shisa"
            meta l4proto 41 counter drop comment "IPv6-in-IPv6 to this node: decapsulated by shisa"
            ip6 nexthdr 60 @nh,336,8 0xc9 counter drop comment "Home Address option: handled by shisa"
            ip6 nexthdr 60 @nh,336,8 0x01 @nh,368,8 0xc9 counter drop comment "Home Address option after PadN"
            rt type 2 counter drop comment "type 2 routing header: handled by shisa"
          }
          chain output {
            type filter hook output priority filter - 10; policy accept;
            meta mark != 0x5348 icmpv6 type parameter-problem @th,112,8 { 41, 43, 60, 135 } counter drop comment "no kernel errors about what shisa handles"
          }
          chain forward {
            type filter hook forward priority filter - 10; policy accept;
            meta l4proto 58 @th,0,8 135 counter drop comment "Neighbor Solicitation: answered by shisa"
            meta l4proto 58 @th,0,8 136 counter drop comment "Neighbor Advertisement: never forwarded"
          }
        }

        """;
}
