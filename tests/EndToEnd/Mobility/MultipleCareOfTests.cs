using System.Globalization;
using System.Net;
using System.Text.Json;
using Shisa.EndToEnd.Tests.Topology;
using static Shisa.EndToEnd.Tests.Topology.HandoverRun;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// RFC 5648 in namespaces: mn0 on ar1 and mn1 on ar2, both registered with the home agent at once (binding ids 1 and 2,
/// mn0 preferred). A 10 ms ping stream cn -> HoA goes through binding 1; unplugging mn0 moves it to binding 2 (the
/// mobile node deregisters binding 1 alone at once), plugging it back returns it. What was captured between core and
/// the home agent must decode in tshark without warnings.
/// </summary>
[NonParallelizable]
public class MultipleCareOfTests
{
    private static readonly TimeSpan Resumption = TimeSpan.FromSeconds(10);

    [TestCase(false, TestName = "Both uplinks are registered in one bulk BU and the traffic follows the preferred live binding")]
    [TestCase(true, TestName = "Both uplinks are registered in one bulk BU and the traffic follows the preferred live binding, with RFC 4285 authentication")]
    [CancelAfter(150_000)]
    public async Task Both_uplinks_are_registered_in_one_bulk_binding_update_and_the_traffic_follows_the_preferred_live_binding(bool authenticated, CancellationToken cancellationToken)
    {
        string authentication = authenticated ? "spi = 256\nkey = \"000102030405060708090a0b0c0d0e0f10111213\"" : "";
        var mobileNode = UplinkTests.MobileNodeWithTwoUplinks(authentication).Replace("[mobile_node]", "[mobile_node]\nmultiple_care_of = true", StringComparison.Ordinal);
        using var session = MobilitySession.Create(authenticated ? Profiles.HomeAgent(nodeKeys: authentication) : Profiles.HomeAgent(), mobileNode);
        var topology = session.Topology;
        UplinkTests.AddSecondUplink(topology);
        string pcap = Path.Combine(Path.GetTempPath(), $"shisa-mcoa-{Environment.ProcessId}.pcap");
        using var dump = topology.Start(topology.Core, "tcpdump", "-i", "core-ha", "-U", "-w", pcap, "ip6");
        using var capture = LinkCapture.Start(topology.Core, "core-ha");

        await session.StartAppliancesAsync(cancellationToken);
        using (await WaitForBindingsAsync(session, [1, 2], "both uplinks bound at the home agent", cancellationToken))
        {
        }

        var bulk = capture.Packets.FirstOrDefault(p => p.MobilityType == 5 && BindingIds(p).Count == 2);
        Assert.That(bulk, Is.Not.Null, $"no Binding Update carried two Binding Identifier options\n{string.Join("\n", capture.Packets.Where(p => p.MobilityType >= 0))}");
        TestContext.Out.WriteLine($"bulk registration: one BU with binding ids {string.Join(", ", BindingIds(bulk!))}");

        using var inbound = topology.StartPing(topology.Cn, MobilityTopology.HomeAddress);
        Assert.That(await RepliesAfterAsync([inbound], DateTime.UtcNow, 20, Resumption, cancellationToken), Is.True, $"the ping stream does not start\n{session.Diagnostics()}");
        var before = await TrafficAsync(session, cancellationToken);
        TestContext.Out.WriteLine($"before: {Show(before)}");
        Assert.That(before[1].PacketsOut, Is.GreaterThan(10), "binding 1 (mn0, preferred) carries cn -> HoA");

        var unpluggedAt = DateTime.UtcNow;
        Host.Exec(topology.Ar1, "ip", "link", "set", MobilityTopology.MobilePeer, "down");
        using (await WaitForBindingsAsync(session, [2], "binding 1 deregistered, binding 2 left", cancellationToken))
        {
        }

        Assert.That(await RepliesAfterAsync([inbound], unpluggedAt, 20, Resumption, cancellationToken), Is.True, $"traffic did not move to binding 2\n{session.Diagnostics()}");
        var afterUnplug = await TrafficAsync(session, cancellationToken);
        TestContext.Out.WriteLine($"mn0 unplugged: {Show(afterUnplug)}");
        Assert.That(afterUnplug[2].PacketsOut - before.GetValueOrDefault(2).PacketsOut, Is.GreaterThan(10), "binding 2 (mn1) carried it");

        var pluggedAt = DateTime.UtcNow;
        Host.Exec(topology.Ar1, "ip", "link", "set", MobilityTopology.MobilePeer, "up");
        using (await WaitForBindingsAsync(session, [1, 2], "binding 1 registered again", cancellationToken))
        {
        }

        var bindingOneBack = await TrafficAsync(session, cancellationToken);
        Assert.That(await RepliesAfterAsync([inbound], DateTime.UtcNow, 20, Resumption, cancellationToken), Is.True, $"no traffic after mn0 came back\n{session.Diagnostics()}");
        var afterReplug = await TrafficAsync(session, cancellationToken);
        TestContext.Out.WriteLine($"mn0 plugged back: {Show(afterReplug)}");
        Assert.That(afterReplug[1].PacketsOut - bindingOneBack.GetValueOrDefault(1).PacketsOut, Is.GreaterThan(10), "traffic returned to binding 1");

        Assert.That(inbound.Interrupt(TimeSpan.FromSeconds(3)), Is.True, "ping stops on SIGINT");
        var timeline = PingTimeline.Parse(inbound.StandardOutput);
        var unplug = timeline.Window(unpluggedAt, pluggedAt);
        var replug = timeline.Window(pluggedAt, DateTime.UtcNow);
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"unplug mn0: gap cn->HoA {Ms(unplug.LongestGap)} ms, lost {unplug.Lost}; plug back: gap {Ms(replug.LongestGap)} ms, lost {replug.Lost}"));
        Assert.That(unplug.Restored && replug.Restored, Is.True, $"unplug {unplug}, replug {replug}");
        Assert.That(unplug.LongestGap, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(500)), "losing one of two registered uplinks costs little more than the packets in flight (target 30 ms, 3 echoes)");

        using (var mn = await session.Mn.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the mobile node's status", cancellationToken))
        {
            Assert.That(mn.RootElement.GetProperty("counters").GetProperty("mn_acks_ignored").GetInt64(), Is.Zero, "every BA was taken, the single deregistration's too");
        }

        Assert.That(dump.Interrupt(TimeSpan.FromSeconds(3)), Is.True, "tcpdump stops on SIGINT");
        AssertTsharkDecodesWithoutWarnings(pcap);
        File.Delete(pcap);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_home_agent_with_multiple_care_of_off_answers_166_and_the_mobile_node_registers_its_preferred_uplink_alone(CancellationToken cancellationToken)
    {
        var homeAgent = Profiles.HomeAgent().Replace("[home_agent]", "[home_agent]\nmultiple_care_of = false", StringComparison.Ordinal);
        var mobileNode = UplinkTests.MobileNodeWithTwoUplinks().Replace("[mobile_node]", "[mobile_node]\nmultiple_care_of = true", StringComparison.Ordinal);
        using var session = MobilitySession.Create(homeAgent, mobileNode);
        var topology = session.Topology;
        UplinkTests.AddSecondUplink(topology);
        using var capture = LinkCapture.Start(topology.Core, "core-ha");

        await session.StartAppliancesAsync(cancellationToken);
        var registered = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);

        var refusal = capture.Packets.FirstOrDefault(p => p.AckStatus == 166);
        Assert.That(refusal, Is.Not.Null, $"no BA with 166 (MCOA PROHIBITED)\n{string.Join("\n", capture.Packets.Where(p => p.MobilityType >= 0))}");
        using var status = await session.Ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the home agent's status", cancellationToken);
        Assert.That(Bindings(status.RootElement).Select(b => (b.GetProperty("binding_id").GetInt32(), b.GetProperty("care_of_address").GetString())),
            Is.EqualTo(new[] { (0, registered.Entry.CareOfAddress.ToString()) }), "one plain binding, from mn0");
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10)), Is.True, session.Diagnostics());
        TestContext.Out.WriteLine($"166 answered (BA to {refusal!.Destination}); registered from {registered.Entry.CareOfAddress} without binding ids");
    }

    [Test]
    [CancelAfter(150_000)]
    public async Task A_mobile_routers_network_follows_the_preferred_live_binding_of_its_two_uplinks(CancellationToken cancellationToken)
    {
        string router = Nemo.NemoProfiles.MobileRouter("explicit")
            .Replace("interfaces = [\"mn0\"]", "interfaces = [\"mn0\", \"mn1\"]\nmultiple_care_of = true", StringComparison.Ordinal)
            .Replace("[[interface]]\nname = \"mr1\"", "[[interface]]\nname = \"mn1\"\nlink = \"foreign\"\n\n[[interface]]\nname = \"mr1\"", StringComparison.Ordinal);
        Assert.That(router, Does.Contain("name = \"mn1\""));
        using var session = await Nemo.NemoSession.StartAsync(router, cancellationToken);
        var topology = session.Topology;
        var home = Nemo.NemoSession.RouterHomeAddress;
        UplinkTests.AddSecondUplink(topology);
        using (await WaitForBindingsAsync(session.Ha, home, [1, 2], "both of the router's uplinks bound", cancellationToken))
        {
        }

        Assert.That(await Host.PingUntilAsync(topology.Mnn, MobilityTopology.CorrespondentAddress, Resumption), Is.True, $"mnn -> cn\nmr:\n{session.Mr.Output}");
        using var ping = topology.StartPing(topology.Mnn, MobilityTopology.CorrespondentAddress);
        Assert.That(await RepliesAfterAsync([ping], DateTime.UtcNow, 20, Resumption, cancellationToken), Is.True, "the ping stream does not start");
        var before = await TrafficAsync(session.Ha, home, cancellationToken);
        TestContext.Out.WriteLine($"before: {Show(before)}");
        Assert.That(before[1].PacketsIn, Is.GreaterThan(10), "mnn -> cn comes in through binding 1 (mn0)");

        var unpluggedAt = DateTime.UtcNow;
        Host.Exec(topology.Ar1, "ip", "link", "set", MobilityTopology.MobilePeer, "down");
        using (await WaitForBindingsAsync(session.Ha, home, [2], "binding 1 deregistered", cancellationToken))
        {
        }

        Assert.That(await RepliesAfterAsync([ping], unpluggedAt, 20, Resumption, cancellationToken), Is.True, $"mnn -> cn did not move to binding 2\nmr:\n{session.Mr.Output}");
        var after = await TrafficAsync(session.Ha, home, cancellationToken);
        TestContext.Out.WriteLine($"mn0 unplugged: {Show(after)}");
        Assert.That(after[2].PacketsIn - before.GetValueOrDefault(2).PacketsIn, Is.GreaterThan(10), "binding 2 (mn1) carries it");

        var pluggedAt = DateTime.UtcNow;
        Host.Exec(topology.Ar1, "ip", "link", "set", MobilityTopology.MobilePeer, "up");
        using (await WaitForBindingsAsync(session.Ha, home, [1, 2], "binding 1 registered again", cancellationToken))
        {
        }

        Assert.That(await RepliesAfterAsync([ping], pluggedAt, 20, Resumption, cancellationToken), Is.True, "mnn -> cn after mn0 came back");
        Assert.That(ping.Interrupt(TimeSpan.FromSeconds(3)), Is.True, "ping stops on SIGINT");
        var timeline = PingTimeline.Parse(ping.StandardOutput);
        var unplug = timeline.Window(unpluggedAt, pluggedAt);
        var replug = timeline.Window(pluggedAt, DateTime.UtcNow);
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"NEMO explicit, unplug mn0: gap mnn->cn {Ms(unplug.LongestGap)} ms, lost {unplug.Lost}; plug back: gap {Ms(replug.LongestGap)} ms, lost {replug.Lost}"));
        Assert.That(unplug.Restored && replug.Restored, Is.True, $"unplug {unplug}, replug {replug}");
    }

    /// <summary>The binding ids of a Binding Update's Binding Identifier options (RFC 5648 6.1, type 35).</summary>
    private static List<int> BindingIds(SeenPacket packet)
    {
        var ids = new List<int>();
        var mh = packet.Upper;
        int length = Math.Min(mh.Length, (mh[1] + 1) * 8);
        for (int offset = 12; offset < length;)
        {
            if (mh[offset] == 0)
            {
                offset++;
                continue;
            }

            if (offset + 1 >= length)
            {
                break;
            }

            if (mh[offset] == 35 && offset + 3 < length)
            {
                ids.Add((mh[offset + 2] << 8) | mh[offset + 3]);
            }

            offset += mh[offset + 1] + 2;
        }

        return ids;
    }

    private static Task<JsonDocument> WaitForBindingsAsync(MobilitySession session, int[] ids, string what, CancellationToken cancellationToken) =>
        WaitForBindingsAsync(session.Ha, MobilityTopology.HomeAddress, ids, what, cancellationToken);

    private static Task<JsonDocument> WaitForBindingsAsync(Appliance.ApplianceInstance homeAgent, IPAddress home, int[] ids, string what, CancellationToken cancellationToken) =>
        homeAgent.WaitForStatusAsync(s => Bindings(s, home).Select(b => b.GetProperty("binding_id").GetInt32()).Order().SequenceEqual(ids), MobilitySession.Registration,
            what, cancellationToken, TimeSpan.FromMilliseconds(20));

    private static IEnumerable<JsonElement> Bindings(JsonElement status, IPAddress? home = null) =>
        status.GetProperty("binding_cache").EnumerateArray().Where(b => IPAddress.Parse(b.GetProperty("home_address").GetString()!).Equals(home ?? MobilityTopology.HomeAddress));

    private readonly record struct Traffic(int Priority, string CareOf, long PacketsOut, long PacketsIn);

    private static Task<Dictionary<int, Traffic>> TrafficAsync(MobilitySession session, CancellationToken cancellationToken) =>
        TrafficAsync(session.Ha, MobilityTopology.HomeAddress, cancellationToken);

    private static async Task<Dictionary<int, Traffic>> TrafficAsync(Appliance.ApplianceInstance homeAgent, IPAddress home, CancellationToken cancellationToken)
    {
        await Task.Delay(1000, cancellationToken);
        using var status = await homeAgent.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the home agent's status", cancellationToken);
        return Bindings(status.RootElement, home).ToDictionary(
            b => b.GetProperty("binding_id").GetInt32(),
            b => b.GetProperty("traffic") is { ValueKind: JsonValueKind.Object } t
                ? new Traffic(b.GetProperty("priority").GetInt32(), b.GetProperty("care_of_address").GetString()!, t.GetProperty("packets_out").GetInt64(), t.GetProperty("packets_in").GetInt64())
                : new Traffic(b.GetProperty("priority").GetInt32(), b.GetProperty("care_of_address").GetString()!, 0, 0));
    }

    private static string Show(Dictionary<int, Traffic> traffic) =>
        string.Join("; ", traffic.OrderBy(t => t.Key).Select(t => $"bid {t.Key} priority {t.Value.Priority} {t.Value.CareOf} out {t.Value.PacketsOut} in {t.Value.PacketsIn}"));

    /// <summary>Every captured packet decodes in tshark without a warning (malformed packets, bad options); skipped without tshark.</summary>
    private static void AssertTsharkDecodesWithoutWarnings(string pcap)
    {
        if (!File.Exists("/usr/bin/tshark"))
        {
            TestContext.Out.WriteLine("tshark is not installed: the decode check is skipped");
            return;
        }

        var result = Host.TryRun("tshark", "-r", pcap, "-q", "-z", "expert,warn");
        var decoded = Host.TryRun("tshark", "-r", pcap, "-Y", "mipv6", "-V");
        int bids = decoded.StandardOutput.Split('\n').Count(l => l.Contains("MIPv6 Option - Binding Identifier", StringComparison.Ordinal));
        TestContext.Out.WriteLine($"tshark: {bids} Binding Identifier option lines decoded; expert warnings:\n{result.StandardOutput.Trim()}");
        Assert.That(bids, Is.GreaterThan(0), "tshark decodes the Binding Identifier options");
        Assert.That(result.StandardOutput, Does.Not.Contain("Warns").And.Not.Contain("Errors").And.Not.Contain("Malformed"), "tshark reports warnings");
    }
}
