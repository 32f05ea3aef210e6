using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Engine;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Kernel.Netlink;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Tunnels;
using Shisa.DataPlane.Wire;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.DataPlane;

/// <summary>
/// The data plane engine in the DESIGN 9 topology: a home agent engine in <c>ha</c> and a mobile node engine in
/// <c>mn</c> (on foreign link 1), driven only through their buses, as the role modules will drive them.
/// </summary>
[TestFixture]
[NonParallelizable]
public partial class DataPlaneEngineTests
{
    private static readonly IPAddress HomeAgent = MobilityTopology.HomeAgentAddress;
    private static readonly IPAddress HomeAddress = MobilityTopology.HomeAddress;
    private static readonly IPAddress Correspondent = MobilityTopology.CorrespondentAddress;
    private MobilityTopology _topology = null!;
    private IPAddress _careOf = null!;
    private ILoggerFactory _loggers = null!;

    [OneTimeSetUp]
    public async Task BuildTopology()
    {
        Assume.That(Host.IsRoot, Is.True, "needs root (network namespaces)");
        _loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddSimpleConsole(o => o.SingleLine = true));
        _topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1 });
        _careOf = await Host.WaitForAddressAsync(_topology.Mn, MobilityTopology.MobileInterface, MobilityTopology.Foreign1Prefix, TimeSpan.FromSeconds(20))
            ?? throw new InvalidOperationException("the mn got no care-of address on foreign link 1");
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _topology?.Dispose();
        _loggers?.Dispose();
    }

    [Test]
    public async Task Home_and_mobile_node_engines_tunnel_traffic_both_ways()
    {
        using var pair = StartPair();
        await pair.RegisterAsync(_careOf);

        using var capture = LinkCapture.Start(_topology.Core, "core-ar1");
        Assert.That(await Host.PingUntilAsync(_topology.Mn, Correspondent, TimeSpan.FromSeconds(10), source: HomeAddress), Is.True, "mn (from its home address) -> cn");
        Assert.That(Host.Ping(_topology.Cn, HomeAddress, count: 3), Is.True, "cn -> home address");
        var frames = capture.Stop();

        // Only the tunnel crosses the foreign access router's uplink: nothing with the home address outside it.
        var payload = frames.Where(f => !IsNeighborDiscovery(f)).ToList();
        Assert.That(payload, Is.Not.Empty);
        foreach (var f in payload)
        {
            Assert.That(f.NextHeader, Is.EqualTo(IpProtocol.Ipv6), $"{f.Source} -> {f.Destination} next header {f.NextHeader}");
            Assert.That(new[] { f.Source, f.Destination }, Is.EquivalentTo(new[] { _careOf, HomeAgent }));
        }

        Assert.That(payload.Count(f => f.Source.Equals(_careOf)), Is.GreaterThanOrEqualTo(4), "mn -> ha");
        Assert.That(payload.Count(f => f.Source.Equals(HomeAgent)), Is.GreaterThanOrEqualTo(4), "ha -> mn");
        Assert.That(pair.HomeAgent.ForwardingCounters.Encapsulated, Is.GreaterThanOrEqualTo(4));
        Assert.That(pair.HomeAgent.ForwardingCounters.Decapsulated, Is.GreaterThanOrEqualTo(4));
        Assert.That(pair.MobileNode.ForwardingCounters.Encapsulated, Is.GreaterThanOrEqualTo(4));
        Assert.That(pair.MobileNode.ForwardingCounters.Decapsulated, Is.GreaterThanOrEqualTo(4));

        // Round trips through the tunnel, and the direct path from the care-of address for comparison.
        var tunnelled = PingRtt(_topology.Mn, Correspondent, HomeAddress);
        var direct = PingRtt(_topology.Mn, Correspondent, _careOf);
        TestContext.Out.WriteLine($"RTT mn->cn through the tunnel: {tunnelled}; direct from the care-of address: {direct}");
        Assert.That(tunnelled.Received, Is.EqualTo(tunnelled.Sent));
    }

    [Test]
    public async Task Removing_the_binding_stops_the_traffic_and_stopping_leaves_the_kernel_as_it_was()
    {
        var haBefore = KernelState(_topology.Ha);
        var mnBefore = KernelState(_topology.Mn);
        using (var pair = StartPair())
        {
            await pair.RegisterAsync(_careOf);
            Assert.That(await Host.PingUntilAsync(_topology.Cn, HomeAddress, TimeSpan.FromSeconds(10)), Is.True);
            Assert.That(Host.Run("ip", "-n", _topology.Mn, "-6", "rule").StandardOutput, Does.Contain($"from {HomeAddress} lookup 1910"));

            await pair.DeregisterAsync(_careOf);
            Assert.That(Host.Ping(_topology.Cn, HomeAddress, count: 2, waitSeconds: 0.5), Is.False, "no binding, no traffic");
            Assert.That(Host.Ping(_topology.Mn, Correspondent, count: 2, waitSeconds: 0.5, source: HomeAddress), Is.False);
            Assert.That(Host.Run("ip", "-n", _topology.Ha, "-6", "route", "show", "table", "all").StandardOutput, Does.Not.Contain(HomeAddress.ToString()));
            Assert.That(Host.Run("ip", "-n", _topology.Mn, "-6", "rule").StandardOutput, Does.Not.Contain(HomeAddress.ToString()));
            Assert.That(Host.Run("ip", "-n", _topology.Mn, "-6", "route", "show", "table", "all").StandardOutput, Does.Not.Contain(HomeAddress.ToString()));
            Assert.That(Host.Run("ip", "-n", _topology.Mn, "-6", "route", "show", "table", "1910").StandardOutput.Trim(), Is.Empty);
        }

        Assert.That(KernelState(_topology.Ha), Is.EqualTo(haBefore));
        Assert.That(KernelState(_topology.Mn), Is.EqualTo(mnBefore));
    }

    [Test]
    public async Task A_tunnelled_packet_from_another_source_than_the_care_of_address_is_dropped_and_counted()
    {
        using var pair = StartPair();
        await pair.RegisterAsync(_careOf);
        var spoofed = IPAddress.Parse("2001:db8:a1::bad");
        long before = pair.HomeAgent.ForwardingCounters.Drops(DropReason.WrongTunnelSource);
        long decapsulated = pair.HomeAgent.ForwardingCounters.Decapsulated;

        using var sender = NetworkNamespace.Invoke(_topology.Mn, () => RawIpv6Sender.Open());
        var packet = new byte[40 + 40 + 16];
        int innerLength = WriteEcho(packet.AsSpan(40), HomeAddress, Correspondent);
        Assert.That(Ipv6Tunnel.TryEncapsulate(packet.AsSpan(40, innerLength).ToArray(), spoofed.GetAddressBytes(), HomeAgent.GetAddressBytes(), packet, out int length), Is.True);
        for (int i = 0; i < 3; i++)
        {
            Assert.That(sender.TrySend(packet.AsSpan(0, length)), Is.True);
        }

        await WaitUntilAsync(() => pair.HomeAgent.ForwardingCounters.Drops(DropReason.WrongTunnelSource) >= before + 3, TimeSpan.FromSeconds(5));
        Assert.That(pair.HomeAgent.ForwardingCounters.Drops(DropReason.WrongTunnelSource), Is.EqualTo(before + 3));
        Assert.That(pair.HomeAgent.ForwardingCounters.Decapsulated, Is.EqualTo(decapsulated));
        Assert.That(pair.HomeAgent.Counters()["dataplane_drop_wrong_tunnel_source"], Is.EqualTo(before + 3));
    }

    [Test]
    public async Task Duplicate_address_detection_tells_a_free_address_from_a_taken_one()
    {
        using var pair = StartPair();
        using var haResults = pair.HomeAgentBus.Subscribe("test", MessageKinds.Dad);
        using var mnResults = pair.MobileNodeBus.Subscribe("test", MessageKinds.Dad);

        pair.HomeAgentBus.Publish(new Dad(DadMessage.Do, IPAddress.Parse("2001:db8:1::77"), MobilityTopology.HomeBridge, 0));
        var free = await NextResultAsync(haResults);
        Assert.That(free.Message, Is.EqualTo(DadMessage.Success));
        Assert.That(free.Address, Is.EqualTo(IPAddress.Parse("2001:db8:1::77")));

        // ar1 holds 2001:db8:a1::1 on the mn's access link: it defends it.
        pair.MobileNodeBus.Publish(new Dad(DadMessage.Do, MobilityTopology.Foreign1RouterAddress, MobilityTopology.MobileInterface, 0));
        var taken = await NextResultAsync(mnResults);
        Assert.That(taken.Message, Is.EqualTo(DadMessage.Fail));
        Assert.That(taken.Address, Is.EqualTo(MobilityTopology.Foreign1RouterAddress));

        pair.MobileNodeBus.Publish(new Dad(DadMessage.Do, IPAddress.Parse("2001:db8:a1::1234"), MobilityTopology.MobileInterface, 0));
        Assert.That((await NextResultAsync(mnResults)).Message, Is.EqualTo(DadMessage.Success));
    }

    private static async Task<Dad> NextResultAsync(MobilitySubscription subscription)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            var envelope = await subscription.Reader.ReadAsync(timeout.Token);
            if (envelope.Message is Dad { IsResult: true } result)
            {
                return result;
            }
        }
    }

    private EnginePair StartPair()
    {
        var haOptions = new DataPlaneEngineOptions
        {
            NodeTypes = NodeType.HomeAgent,
            Interfaces = new([new EngineInterface(MobilityTopology.HomeBridge, EngineLinkKind.Home), new EngineInterface("ha-up", EngineLinkKind.Backbone)]),
            HomeAgentAddress = HomeAgent,
            HomePrefix = Prefix.Parse("2001:db8:1::/64"),
            NetworkNamespace = _topology.Ha,
        };
        var mnOptions = new DataPlaneEngineOptions
        {
            NodeTypes = NodeType.MobileNode,
            Interfaces = new([new EngineInterface(MobilityTopology.MobileInterface, EngineLinkKind.Foreign)]),
            HomeAddress = HomeAddress,
            EgressInterfaces = new([MobilityTopology.MobileInterface]),
            NetworkNamespace = _topology.Mn,
        };
        return EnginePair.Start(haOptions, mnOptions, _loggers);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    /// <summary>What must be the same before an engine starts and after it stops.</summary>
    // A route learnt from RAs shows the seconds it has left ("expires 7sec"), which count down between RAs: that
    // is the clock, not state the engine left behind.
    [GeneratedRegex(@"expires -?\d+sec")]
    private static partial Regex RemainingLifetimes();

    private static string KernelState(string ns)
    {
        string Run(params string[] arguments) => Host.Exec(ns, arguments[0], arguments[1..]).StandardOutput;
        return string.Join(
            "\n---\n",
            RemainingLifetimes().Replace(Run("ip", "-6", "route", "show", "table", "all"), "expires"),
            Run("ip", "-6", "rule"),
            Run("ip", "-6", "neigh", "show", "proxy"),
            Run("ip", "link", "show", "type", "tun"),
            Run("nft", "list", "tables"),
            Run("sysctl", "net.ipv6.conf.all.proxy_ndp", "net.ipv6.conf.all.forwarding"),
            Run("sh", "-c", "cat /proc/sys/net/ipv6/conf/*/proxy_ndp /proc/sys/net/ipv6/neigh/*/proxy_delay"));
    }

    /// <summary>The link's own chatter (ND, MLD, anything link-local or multicast), which is not the traffic under test.</summary>
    private static bool IsNeighborDiscovery(SeenPacket f) =>
        f.Source.IsIPv6LinkLocal || f.Destination.IsIPv6Multicast || (f.NextHeader == IpProtocol.Icmpv6 && f.IcmpType is >= 133 and <= 137 or 143);

    private static int WriteEcho(Span<byte> destination, IPAddress source, IPAddress target)
    {
        Ipv6Header.TryWrite(destination, 0, 0, 16, IpProtocol.Icmpv6, 64, source.GetAddressBytes(), target.GetAddressBytes(), out _);
        var icmp = destination.Slice(40, 16);
        icmp[0] = 128;
        icmp[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], 0x5151);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], 1);
        Shisa.DataPlane.Wire.Icmp.Icmpv6Header.FillChecksum(icmp, source.GetAddressBytes(), target.GetAddressBytes());
        return 56;
    }

    private static PingResult PingRtt(string ns, IPAddress destination, IPAddress source)
    {
        var result = Host.TryExec(ns, "ping", "-6", "-n", "-q", "-c", "50", "-i", "0.02", "-W", "1", "-I", source.ToString(), destination.ToString());
        var counts = Regex.Match(result.StandardOutput, @"(\d+) packets transmitted, (\d+) received");
        var rtt = RttLine().Match(result.StandardOutput);
        return new PingResult(
            counts.Success ? int.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            counts.Success ? int.Parse(counts.Groups[2].Value, CultureInfo.InvariantCulture) : 0,
            rtt.Success ? double.Parse(rtt.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
            rtt.Success ? double.Parse(rtt.Groups[2].Value, CultureInfo.InvariantCulture) : double.NaN,
            rtt.Success ? double.Parse(rtt.Groups[3].Value, CultureInfo.InvariantCulture) : double.NaN);
    }

    [GeneratedRegex(@"= ([\d.]+)/([\d.]+)/([\d.]+)/")]
    private static partial Regex RttLine();

    private readonly record struct PingResult(int Sent, int Received, double MinMs, double AvgMs, double MaxMs)
    {
        public override string ToString() => FormattableString.Invariant($"{Received}/{Sent} answered, min {MinMs} avg {AvgMs} max {MaxMs} ms");
    }

    /// <summary>A home agent engine and a mobile node engine with their own buses; disposing stops both.</summary>
    private sealed class EnginePair : IDisposable
    {
        private EnginePair(DataPlaneEngine homeAgent, MobilityBus homeAgentBus, DataPlaneEngine mobileNode, MobilityBus mobileNodeBus)
        {
            HomeAgent = homeAgent;
            HomeAgentBus = homeAgentBus;
            MobileNode = mobileNode;
            MobileNodeBus = mobileNodeBus;
        }

        public DataPlaneEngine HomeAgent { get; }

        public MobilityBus HomeAgentBus { get; }

        public DataPlaneEngine MobileNode { get; }

        public MobilityBus MobileNodeBus { get; }

        public static EnginePair Start(DataPlaneEngineOptions ha, DataPlaneEngineOptions mn, ILoggerFactory loggers)
        {
            var haBus = new MobilityBus();
            var mnBus = new MobilityBus();
            var haEngine = new DataPlaneEngine(ha, haBus, new SignallingHub(), TimeProvider.System, loggers, NetlinkKernel.Open(ha.NetworkNamespace));
            var mnEngine = new DataPlaneEngine(mn, mnBus, new SignallingHub(), TimeProvider.System, loggers, NetlinkKernel.Open(mn.NetworkNamespace));
            try
            {
                haEngine.Start();
                mnEngine.Start();
            }
            catch
            {
                mnEngine.Dispose();
                haEngine.Dispose();
                throw;
            }

            return new EnginePair(haEngine, haBus, mnEngine, mnBus);
        }

        public async Task RegisterAsync(IPAddress careOf)
        {
            long ha = HomeAgent.MessagesApplied;
            long mn = MobileNode.MessagesApplied;
            HomeAgentBus.Publish(new BindingCacheAdd(CacheEntry(careOf)), "test");
            MobileNodeBus.Publish(new BindingUpdateListAdd(ListEntry(careOf, BindingUpdateListState.Bound)), "test");
            await WaitUntilAsync(() => HomeAgent.MessagesApplied > ha && MobileNode.MessagesApplied > mn, TimeSpan.FromSeconds(10));
            Assert.That(HomeAgent.BindingCache!.Count, Is.EqualTo(1));
            Assert.That(MobileNode.BindingUpdateList!.Count, Is.EqualTo(1));
        }

        public async Task DeregisterAsync(IPAddress careOf)
        {
            long ha = HomeAgent.MessagesApplied;
            long mn = MobileNode.MessagesApplied;
            HomeAgentBus.Publish(new BindingCacheRemove(CacheEntry(careOf)), "test");
            MobileNodeBus.Publish(new BindingUpdateListRemove(ListEntry(careOf, BindingUpdateListState.Bound)), "test");
            await WaitUntilAsync(() => HomeAgent.MessagesApplied > ha && MobileNode.MessagesApplied > mn, TimeSpan.FromSeconds(10));
            Assert.That(HomeAgent.BindingCache!.Count, Is.Zero);
            Assert.That(MobileNode.BindingUpdateList!.Count, Is.Zero);
        }

        public void Dispose()
        {
            MobileNode.Dispose();
            HomeAgent.Dispose();
            MobileNodeBus.Dispose();
            HomeAgentBus.Dispose();
        }

        private static BindingCacheEntry CacheEntry(IPAddress careOf) => new(
            MobilityTopology.HomeAddress, careOf, MobilityTopology.HomeAgentAddress,
            BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, default);

        private static BindingUpdateListEntry ListEntry(IPAddress careOf, BindingUpdateListState state) => new(
            MobilityTopology.HomeAgentAddress, MobilityTopology.HomeAddress, careOf,
            BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, state);
    }
}
