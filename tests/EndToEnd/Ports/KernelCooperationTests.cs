using System.Net;
using System.Text.RegularExpressions;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;
using Shisa.EndToEnd.Tests.Topology;
using static Shisa.EndToEnd.Tests.Ports.PortTestHelpers;

namespace Shisa.EndToEnd.Tests.Ports;

[TestFixture]
[NonParallelizable]
public class KernelCooperationTests
{
    private static readonly IPAddress ProxiedHomeAddress = IPAddress.Parse("2001:db8:ab::100");
    private NamespacePair _pair = null!;
    private ProcessCommandRunner _runner = null!;

    [SetUp]
    public void CreateNamespaces()
    {
        Assume.That(Host.IsRoot, Is.True, "needs root (network namespaces)");
        _pair = NamespacePair.Create();
        _runner = new ProcessCommandRunner(_pair.A);
    }

    [TearDown]
    public void RemoveNamespaces() => _pair?.Dispose();

    [Test]
    public void Installs_routes_proxy_entries_sysctls_and_the_table_and_removes_exactly_them()
    {
        string tablesBefore = Tables();
        string routesBefore = Routes();
        Assert.That(tablesBefore, Does.Not.Contain("shisa"));

        var kernel = new KernelCooperation(_runner);
        kernel.Start(new MobilityFilter());
        kernel.AddRoute(IPNetwork.Parse("2001:db8:55::/64"), _pair.InterfaceA);
        kernel.AddRoute(IPNetwork.Parse("2001:db8:56::/64"), _pair.InterfaceA, table: 100, metric: 10);
        kernel.AddRoute(IPNetwork.Parse("2001:db8:57::/56"), _pair.InterfaceA, metric: 2048, via: IPAddress.Parse("fe80::57"));
        kernel.SetSysctl("net/ipv6/conf/all/forwarding", "1"); // proxy ND answers only on a forwarding interface
        kernel.AddProxyNeighbor(ProxiedHomeAddress, _pair.InterfaceA);

        Assert.That(Tables(), Does.Contain("table ip6 shisa"));
        string table = Host.Exec(_pair.A, "nft", "list", "table", "ip6", "shisa").StandardOutput;
        Assert.That(table, Does.Contain("mobility-header"));
        Assert.That(Routes(), Does.Contain("2001:db8:55::/64 dev va").And.Contain("2001:db8:56::/64 dev va table 100 metric 10")
            .And.Contain("2001:db8:57::/56 via fe80::57 dev va metric 2048"));
        Assert.That(Host.Run("ip", "-n", _pair.A, "-6", "neigh", "show", "proxy").StandardOutput, Does.Contain("2001:db8:ab::100 dev va proxy"));
        Assert.That(Sysctl("net.ipv6.conf.va.proxy_ndp"), Is.EqualTo("1"));
        Assert.That(Sysctl("net.ipv6.neigh.va.proxy_delay"), Is.EqualTo("0"));
        Assert.That(kernel.InstalledItems, Has.Count.EqualTo(8));

        // The proxy entry works: B resolves the home address to A's link-layer address.
        Host.TryExec(_pair.B, "ping", "-6", "-n", "-c", "1", "-W", "1", ProxiedHomeAddress.ToString());
        string neighbours = Host.Run("ip", "-n", _pair.B, "-6", "neigh", "show", ProxiedHomeAddress.ToString()).StandardOutput;
        string macA = string.Join(':', _pair.LinkAddressA.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(neighbours, Does.Contain(macA), "A answered the Neighbor Solicitation for the proxied address");

        kernel.Stop();

        Assert.That(Tables(), Is.EqualTo(tablesBefore));
        Assert.That(Routes(), Is.EqualTo(routesBefore));
        Assert.That(Host.Run("ip", "-n", _pair.A, "-6", "neigh", "show", "proxy").StandardOutput.Trim(), Is.Empty);
        Assert.That(Sysctl("net.ipv6.conf.va.proxy_ndp"), Is.EqualTo("0"));
        Assert.That(Sysctl("net.ipv6.conf.all.forwarding"), Is.EqualTo("0"));
        Assert.That(Sysctl("net.ipv6.neigh.va.proxy_delay"), Is.Not.EqualTo("0"));
        Assert.That(kernel.InstalledItems, Is.Empty);
    }

    [Test]
    public void A_start_after_a_crash_replaces_the_table_instead_of_failing()
    {
        var crashed = new KernelCooperation(_runner);
        crashed.Start(new MobilityFilter());
        crashed.AddRoute(IPNetwork.Parse("2001:db8:55::/64"), _pair.InterfaceA);

        // No Stop: the process "crashed". A new instance starts over the leftovers.
        var restarted = new KernelCooperation(_runner);
        Assert.DoesNotThrow(() => restarted.Start(new MobilityFilter { DropTunnelled = false }));
        Assert.DoesNotThrow(() => restarted.AddRoute(IPNetwork.Parse("2001:db8:55::/64"), _pair.InterfaceA), "route replace tolerates the leftover route");

        Assert.That(Regex.Matches(Tables(), "table ip6 shisa"), Has.Count.EqualTo(1));
        string table = Host.Exec(_pair.A, "nft", "list", "table", "ip6", "shisa").StandardOutput;
        Assert.That(table, Does.Contain("Mobility Header: handled by shisa").And.Not.Contain("IPv6-in-IPv6 to this node"), "the old table was replaced whole");

        restarted.Stop();
        Assert.That(Tables(), Does.Not.Contain("shisa"));
        Assert.That(Routes(), Does.Not.Contain("2001:db8:55::"));
    }

    [Test]
    public void The_table_stops_the_kernels_Parameter_Problem_answers_to_mobility_packets()
    {
        using var watcher = NetworkNamespace.Invoke(_pair.B, () => AfPacketPort.Open(
            _pair.InterfaceB,
            new AfPacketPortOptions { Filter = ClassicBpfProgram.Compile("icmp6 and ip6[40] == 4") }));
        using var sender = NetworkNamespace.Invoke(_pair.B, () => RawIpv6Sender.Open());
        Span<byte> packet = stackalloc byte[64];
        int length = TestPackets.WriteMobilityHeader(packet, NamespacePair.AddressB, NamespacePair.AddressA);

        Assert.That(sender.TrySend(packet[..length]), Is.True);
        var withoutTable = ReceiveMatching(watcher, _ => true, 1, TimeSpan.FromSeconds(1));
        Assert.That(withoutTable, Has.Count.EqualTo(1), "without the table A's kernel answers with Parameter Problem");
        Assert.That(TestPackets.Ipv6Of(withoutTable[0].Frame)[41], Is.EqualTo(1), "code 1: unrecognized Next Header");

        var kernel = new KernelCooperation(_runner);
        try
        {
            kernel.Start(new MobilityFilter());
            Assert.That(sender.TrySend(packet[..length]), Is.True);
            var withTable = ReceiveAll(watcher, TimeSpan.FromMilliseconds(500));
            Assert.That(withTable, Is.Empty, "the table drops the packet before the kernel can object");
            string table = Host.Exec(_pair.A, "nft", "list", "table", "ip6", "shisa").StandardOutput;
            Assert.That(table, Does.Match(@"mobility-header counter packets 1 "));
        }
        finally
        {
            kernel.Stop();
        }
    }

    [Test]
    public void A_failing_command_reports_the_programs_own_words()
    {
        var kernel = new KernelCooperation(_runner);
        var failure = Assert.Throws<KernelCommandException>(() => kernel.AddRoute(IPNetwork.Parse("2001:db8:57::/64"), "nosuchdev0"));
        Assert.That(failure!.CommandLine, Does.Contain("route replace 2001:db8:57::/64 dev nosuchdev0"));
        Assert.That(failure.StandardError, Does.Contain("nosuchdev0"));
        Assert.That(kernel.InstalledItems, Is.Empty);
    }

    private string Tables() => Host.Exec(_pair.A, "nft", "list", "tables").StandardOutput;

    private string Routes() => Host.Run("ip", "-n", _pair.A, "-6", "route", "show", "table", "all").StandardOutput;

    private string Sysctl(string key) => Host.Exec(_pair.A, "sysctl", "-n", key).StandardOutput.Trim();
}
