using System.Net;
using System.Text.Json;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// RFC 6275 11.5.5 over real packets: back on the home link the mobile node deregisters from its home address, both
/// binding tables empty (the first deregistration BU answered by a BA the mobile node takes, no retransmission), and
/// the home address is reached natively (no tunnel); leaving again registers afresh.
/// </summary>
[NonParallelizable]
public class ReturningHomeTests
{
    private static readonly TimeSpan Deregistration = TimeSpan.FromSeconds(15);

    [Test]
    [CancelAfter(120_000)]
    public async Task Back_home_the_mobile_node_deregisters_and_the_home_address_is_reached_natively(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken);
        var topology = session.Topology;
        using var homeLink = LinkCapture.Start(topology.Ha, MobilityTopology.HomeBridge);
        long retransmissionsAway;
        using (var away = await session.Mn.WaitForStatusAsync(_ => true, Deregistration, "the status", cancellationToken))
        {
            retransmissionsAway = Retransmissions(away.RootElement);
        }

        topology.MoveTo(AccessLink.Home);

        // The deregistration: a BU from the home address without a Home Address option, lifetime 0, to the home agent.
        var deregistration = await homeLink.WaitForAsync(
            p => p.MobilityType == 5 && p.Source.Equals(MobilityTopology.HomeAddress) && p.UpdateLifetimeUnits == 0, Deregistration);
        Assert.That(deregistration, Is.Not.Null, $"no deregistration on the home link:\n{string.Join('\n', homeLink.Packets.Where(p => p.UpperLayer == 135))}\nmn:\n{session.Mn.Output}");
        Assert.That(deregistration!.Destination, Is.EqualTo(MobilityTopology.HomeAgentAddress));
        Assert.That(deregistration.HasHomeAddressOption, Is.False, "sent from the home address itself (RFC 6275 11.5.5)");
        Assert.That(deregistration.HeaderChain, Is.EqualTo(new byte[] { 135 }));
        var ack = await homeLink.WaitForAsync(p => p.MobilityType == 6 && p.Destination.Equals(MobilityTopology.HomeAddress), Deregistration);
        Assert.That(ack, Is.Not.Null, $"the home agent's BA did not reach the home link:\nha:\n{session.Ha.Output}");
        Assert.That(ack!.AckStatus, Is.LessThan(128), "accepted");
        Assert.That(ack.HeaderChain, Is.EqualTo(new byte[] { 135 }), "straight to the home address, no routing header");

        await session.Ha.WaitForStatusAsync(s => CacheEntry.From(s).Count == 0, Deregistration, "an empty binding cache", cancellationToken);
        await session.Mn.WaitForStatusAsync(s => UpdateListEntry.From(s).Count == 0, Deregistration, "an empty binding update list", cancellationToken);

        // RFC 6275 10.3.2, 11.5.4: the first BA (status 0) is the one the mobile node takes; no retransmission after
        // InitialBindAckTimeout (1 s), which a home agent without the binding any more would answer with 133.
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
        var signalling = homeLink.Packets.Where(p => p.MobilityType is 5 or 6).ToList();
        string seen = string.Join("\n", homeLink.Packets);
        Assert.That(signalling.Count(p => p.MobilityType == 5 && p.UpdateLifetimeUnits == 0), Is.EqualTo(1), $"one deregistration BU:\n{seen}\nmn:\n{session.Mn.Output}\nha:\n{session.Ha.Output}");
        Assert.That(signalling.Where(p => p.MobilityType == 6 && p.Destination.Equals(MobilityTopology.HomeAddress)).Select(p => p.AckStatus),
            Is.EqualTo(new[] { 0 }), $"one BA, status 0:\n{seen}");
        using (var after = await session.Mn.WaitForStatusAsync(_ => true, Deregistration, "the status", cancellationToken))
        {
            Assert.That(Retransmissions(after.RootElement), Is.EqualTo(retransmissionsAway), $"no retransmission:\n{seen}");
        }

        using (var home = await session.Mn.WaitForStatusAsync(
            s => s.GetProperty("handovers").EnumerateArray().Any(h => h.GetProperty("to").GetString() == MobilityTopology.HomeAddress.ToString()),
            Deregistration, "the return home in the handover timeline", cancellationToken))
        {
            var back = home.RootElement.GetProperty("handovers").EnumerateArray().First(h => h.GetProperty("to").GetString() == MobilityTopology.HomeAddress.ToString());
            Assert.That(MobilityTopology.Foreign1Prefix.Contains(System.Net.IPAddress.Parse(back.GetProperty("from").GetString()!)), Is.True, "from the care-of address on ar1's link");
            Assert.That(home.RootElement.GetProperty("counters").GetProperty("mn_acks_ignored").GetInt64(), Is.Zero, "the deregistration's BA was taken, not ignored");
        }

        Assert.That(Host.Exec(topology.Mn, "ip", "-6", "addr", "show", "dev", MobilityTopology.MobileInterface).StandardOutput,
            Does.Contain("2001:db8:1::100/"), "the home address is on mn0 at home");
        Assert.That(Host.Exec(topology.Ha, "ip", "-6", "neigh", "show", "proxy").StandardOutput, Does.Not.Contain("2001:db8:1::100"), "no proxy entry left at the home agent");

        // Native: both ways, and only plain ICMPv6 between cn and the home address on the home agent's uplink.
        using var uplink = LinkCapture.Start(topology.Core, "core-ha");
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10)), Is.True, $"HoA <-> cn at home\nmn:\n{session.Mn.Output}\nha:\n{session.Ha.Output}");
        Assert.That(Host.Ping(topology.Cn, MobilityTopology.HomeAddress, count: 3), Is.True);
        await Task.Delay(200, cancellationToken); // the last replies on their way
        var crossing = uplink.Packets.Where(p => !p.Source.IsIPv6LinkLocal && !p.Destination.IsIPv6LinkLocal && !p.Destination.IsIPv6Multicast).ToList();
        TestContext.Out.WriteLine(string.Join('\n', crossing));
        Assert.That(crossing.Count(p => p.IcmpType == 128 && p.Destination.Equals(MobilityTopology.HomeAddress)), Is.GreaterThanOrEqualTo(3), "echo requests to the home address");
        Assert.That(crossing, Has.None.Matches<SeenPacket>(p => p.HeaderChain.Contains(41)), "no tunnel at home");
        Assert.That(crossing, Has.All.Matches<SeenPacket>(p => p.UpperLayer == 58 && p.HeaderChain.Count == 1), "plain ICMPv6 only");

        // Leaving again: a fresh registration from the foreign link, and the tunnel back.
        topology.MoveTo(AccessLink.Foreign1);
        await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(Host.Exec(topology.Mn, "ip", "-6", "addr", "show", "dev", MobilityTopology.MobileInterface).StandardOutput,
            Does.Not.Contain("2001:db8:1::100/"), "the home address left mn0 with the home link");
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10)), Is.True, $"HoA <-> cn away again\n{session.Diagnostics()}");
    }

    private static long Retransmissions(JsonElement status) => status.GetProperty("counters").GetProperty("mn_retransmissions").GetInt64();
}
