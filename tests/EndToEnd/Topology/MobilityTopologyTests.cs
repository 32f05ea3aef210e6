using System.Buffers.Binary;
using System.Diagnostics;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;

namespace Shisa.EndToEnd.Tests.Topology;

[TestFixture]
[NonParallelizable]
public class MobilityTopologyTests
{
    [SetUp]
    public void RequireRoot() => Assume.That(Host.IsRoot, Is.True, "needs root (network namespaces)");

    [Test]
    public async Task Plain_IPv6_works_at_a_foreign_link_and_again_after_moving()
    {
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1 });
        var clock = Stopwatch.StartNew();

        var careOf1 = await Host.WaitForAddressAsync(topology.Mn, MobilityTopology.MobileInterface, MobilityTopology.Foreign1Prefix, TimeSpan.FromSeconds(5));
        Assert.That(careOf1, Is.Not.Null, "no SLAAC address from ar1 within 5 s");
        TestContext.Out.WriteLine($"care-of address {careOf1} after {clock.ElapsedMilliseconds} ms");
        Assert.That(await Host.PingUntilAsync(topology.Mn, MobilityTopology.CorrespondentAddress, TimeSpan.FromSeconds(5), careOf1), Is.True, "mn at ar1 cannot ping cn");

        // The core and the mobile network are reachable too.
        Assert.That(Host.Ping(topology.Mnn, MobilityTopology.MobileRouterAddress), Is.True, "mnn cannot reach its mobile router");
        Assert.That(Host.Ping(topology.Cn, MobilityTopology.HomeAgentAddress), Is.True, "cn cannot reach the home agent");

        // A fast ping's per-packet timeline, the tool for measuring handover gaps.
        using (var ping = topology.StartPing(topology.Cn, careOf1!, intervalSeconds: 0.01))
        {
            await Task.Delay(400);
            Assert.That(ping.Interrupt(TimeSpan.FromSeconds(2)), Is.True);
            var timeline = PingTimeline.Parse(ping.StandardOutput);
            Assert.That(timeline.Replies, Has.Count.GreaterThan(10));
            Assert.That(timeline.Transmitted, Is.Not.Null, "ping printed its summary on SIGINT");
            Assert.That(timeline.LongestGap, Is.LessThan(TimeSpan.FromMilliseconds(200)));
        }

        clock.Restart();
        topology.MoveTo(AccessLink.Foreign2);
        var careOf2 = await Host.WaitForAddressAsync(topology.Mn, MobilityTopology.MobileInterface, MobilityTopology.Foreign2Prefix, TimeSpan.FromSeconds(5));
        Assert.That(careOf2, Is.Not.Null, "no SLAAC address from ar2 within 5 s of moving");
        TestContext.Out.WriteLine($"care-of address {careOf2} {clock.ElapsedMilliseconds} ms after moving");
        Assert.That(await Host.PingUntilAsync(topology.Mn, MobilityTopology.CorrespondentAddress, TimeSpan.FromSeconds(8), careOf2), Is.True, "mn at ar2 cannot ping cn");
        TestContext.Out.WriteLine($"cn answers {clock.ElapsedMilliseconds} ms after moving");
        Assert.That(topology.CurrentLink, Is.EqualTo(AccessLink.Foreign2));
    }

    [Test]
    public void Home_link_router_advertisements_carry_the_H_flag_and_a_Home_Agent_Information_option()
    {
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Home });
        using var port = NetworkNamespace.Invoke(topology.Mn, () => AfPacketPort.Open(
            MobilityTopology.MobileInterface,
            new AfPacketPortOptions { Filter = ClassicBpfProgram.Compile("icmp6 and ip6[40] == 134") }));
        var batch = new PacketBatch();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (port.Receive(batch, 200) == 0)
            {
                continue;
            }

            var frame = batch[0];
            var ra = frame[(14 + 40)..];
            Assert.That(ra[0], Is.EqualTo(134), "the filter lets only Router Advertisements through");
            byte flags = ra[5];
            Assert.That(flags & 0x20, Is.Not.Zero, "H (home agent) flag");
            bool homeAgentInformation = false;
            bool prefixWithRouterAddress = false;
            for (int offset = 16; offset + 2 <= ra.Length && ra[offset + 1] != 0; offset += ra[offset + 1] * 8)
            {
                if (ra[offset] == 8)
                {
                    homeAgentInformation = true;
                    Assert.That(BinaryPrimitives.ReadUInt16BigEndian(ra[(offset + 4)..]), Is.EqualTo(10), "home agent preference");
                    Assert.That(BinaryPrimitives.ReadUInt16BigEndian(ra[(offset + 6)..]), Is.EqualTo(1800), "home agent lifetime");
                }

                if (ra[offset] == 3 && (ra[offset + 3] & 0x20) != 0)
                {
                    prefixWithRouterAddress = true;
                }
            }

            Assert.That(homeAgentInformation, Is.True, "Home Agent Information option (type 8)");
            Assert.That(prefixWithRouterAddress, Is.True, "prefix information with the R bit (RFC 6275 7.2)");
            return;
        }

        Assert.Fail("no Router Advertisement on the home link within 5 s");
    }

    [Test]
    public void Disposing_removes_every_namespace()
    {
        string stem;
        using (var topology = MobilityTopology.Create(new TopologyOptions { StartRouterAdvertisements = false }))
        {
            stem = topology.Names.Stem;
            Assert.That(Host.Run("ip", "netns", "list").StandardOutput, Does.Contain(topology.Mn));
        }

        Assert.That(Host.Run("ip", "netns", "list").StandardOutput, Does.Not.Contain(stem));
    }
}
