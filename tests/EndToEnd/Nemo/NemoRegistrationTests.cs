using System.Net;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Nemo;

/// <summary>
/// RFC 3963 over real packets, issue 4: our appliance as home agent (in ha) and as mobile router (in mn), plain
/// Linux in the mobile network (mnn) and at the correspondent (cn), neither running any mobility software.
/// </summary>
[NonParallelizable]
public class NemoRegistrationTests
{
    private static readonly IPAddress UngrantedSource = IPAddress.Parse("2001:db8:1:200::10");
    private static readonly IPAddress OutsideSource = IPAddress.Parse("2001:db8:99::10");

    [Test]
    [CancelAfter(120_000)]
    public async Task Explicit_mode_registers_the_prefix_and_the_mobile_network_reaches_a_plain_correspondent_both_ways_through_the_tunnel_only(CancellationToken cancellationToken)
    {
        using var session = await NemoSession.StartAsync(NemoProfiles.MobileRouter("explicit"), cancellationToken);
        var topology = session.Topology;

        // GET /api/status on both sides: the prefix with the binding, R among the home agent's flags.
        var entry = await session.WaitForBoundAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        var binding = await session.WaitForCachedAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(entry.Peer, Is.EqualTo(MobilityTopology.HomeAgentAddress));
        Assert.That(entry.Prefixes, Is.EqualTo(new[] { NemoProfiles.GrantedPrefix }), "the mobile router's binding update list entry");
        Assert.That(binding.Prefixes, Is.EqualTo(new[] { NemoProfiles.GrantedPrefix }), "the home agent's binding cache entry");
        Assert.That(binding.Flags, Does.Contain("R").And.Contain("H"));
        Assert.That(binding.CareOfAddress, Is.EqualTo(entry.CareOfAddress));

        using var capture = LinkCapture.Start(topology.Core, "core-ar1");
        Assert.That(await Host.PingUntilAsync(topology.Mnn, MobilityTopology.CorrespondentAddress, TimeSpan.FromSeconds(10)), Is.True,
            $"mnn -> cn\nmr:\n{session.Mr.Output}");
        Assert.That(Host.Ping(topology.Mnn, MobilityTopology.CorrespondentAddress, count: 3), Is.True, "mnn -> cn");
        Assert.That(Host.Ping(topology.Cn, MobilityTopology.MobileNetworkNodeAddress, count: 3), Is.True, "cn -> mnn");
        var packets = Global(capture.Stop());
        TestContext.Out.WriteLine(string.Join('\n', packets));

        // Only IPv6-in-IPv6 between the care-of address and the home agent crosses the foreign uplink.
        Assert.That(packets, Has.Count.GreaterThanOrEqualTo(12), "3 + 3 echo requests and replies, each through the tunnel");
        Assert.That(packets, Has.All.Matches<SeenPacket>(p => IsTunnel(p, entry.CareOfAddress)));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_prefix_the_home_agent_does_not_list_is_refused_with_142_and_nothing_from_it_is_forwarded(CancellationToken cancellationToken)
    {
        using var session = await NemoSession.StartAsync(NemoProfiles.MobileRouter("explicit", NemoProfiles.ForeignPrefix), cancellationToken);
        var topology = session.Topology;

        // RFC 3963 6.2: not authorized for prefix (142); the mobile router counts the refusal.
        using var refused = await session.Mr.WaitForStatusAsync(s => NemoSession.Counter(s, "mr_refused_142") > 0, NemoSession.Registration,
            "a Binding Acknowledgement with status 142", cancellationToken);
        Assert.That(NemoSession.UpdateList(refused.RootElement).Where(e => e.State == "Bound"), Is.Empty, "the mobile router has no binding");
        using var haStatus = await session.Ha.WaitForStatusAsync(_ => true, NemoSession.Registration, "the home agent's status", cancellationToken);
        Assert.That(NemoSession.Cache(haStatus.RootElement), Is.Empty, "the home agent has no binding");

        // A node of the refused prefix gets nowhere: no tunnel carries it (the kernel forwards it natively, with a
        // source no router routes back to the foreign link) and no reply comes.
        Host.Exec(topology.Mnn, "ip", "-6", "addr", "add", "2001:db8:1:200::10/64", "dev", MobilityTopology.MobileNetworkNodeInterface, "nodad");
        using var capture = LinkCapture.Start(topology.Core, "core-ar1");
        Assert.That(Host.Ping(topology.Mnn, MobilityTopology.CorrespondentAddress, count: 3, source: UngrantedSource), Is.False,
            "a ping from the refused prefix is answered");
        var packets = Global(capture.Stop());
        TestContext.Out.WriteLine(string.Join('\n', packets));
        Assert.That(packets.Where(p => p.NextHeader == 41), Is.Empty, "something was tunnelled");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_mobile_network_source_outside_the_registered_prefixes_is_dropped_and_counted_by_the_mobile_router_never_sent_natively(CancellationToken cancellationToken)
    {
        using var session = await NemoSession.StartAsync(NemoProfiles.MobileRouter("explicit"), cancellationToken);
        var topology = session.Topology;
        await session.WaitForBoundAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        await session.WaitForCachedAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(await Host.PingUntilAsync(topology.Mnn, MobilityTopology.CorrespondentAddress, TimeSpan.FromSeconds(10)), Is.True,
            $"mnn -> cn from the registered prefix\nmr:\n{session.Mr.Output}");

        // A node in the mobile network with an address from no registered prefix (a spoofed or misconfigured source).
        Host.Exec(topology.Mnn, "ip", "-6", "addr", "add", $"{OutsideSource}/64", "dev", MobilityTopology.MobileNetworkNodeInterface, "nodad");
        using var capture = LinkCapture.Start(topology.Core, "core-ar1");
        Assert.That(Host.Ping(topology.Mnn, MobilityTopology.CorrespondentAddress, count: 3, source: OutsideSource), Is.False,
            "a ping from outside the registered prefixes is answered");
        Assert.That(Host.Ping(topology.Mnn, MobilityTopology.CorrespondentAddress, count: 2), Is.True, "the registered prefix still goes through");
        var packets = capture.Stop();
        TestContext.Out.WriteLine(string.Join('\n', packets));

        Assert.That(packets.Where(p => p.Source.Equals(OutsideSource)), Is.Empty, "sent natively from the foreign link");
        using var status = await session.Mr.WaitForStatusAsync(s => NemoSession.Counter(s, "dataplane_drop_source_not_registered") >= 3, NemoSession.Registration,
            "3 drops counted as dataplane_drop_source_not_registered", cancellationToken);
        Assert.That(NemoSession.Counter(status.RootElement, "dataplane_drop_source_not_registered"), Is.GreaterThanOrEqualTo(3));
    }

    internal static List<SeenPacket> Global(IEnumerable<SeenPacket> packets) =>
        [.. packets.Where(p => !p.Source.IsIPv6LinkLocal && !p.Destination.IsIPv6LinkLocal && !p.Destination.IsIPv6Multicast)];

    internal static bool IsTunnel(SeenPacket p, IPAddress careOf) =>
        p.NextHeader == 41
        && ((p.Source.Equals(careOf) && p.Destination.Equals(MobilityTopology.HomeAgentAddress))
            || (p.Source.Equals(MobilityTopology.HomeAgentAddress) && p.Destination.Equals(careOf)));
}
