using System.Globalization;
using System.Net;
using System.Text.Json;
using Shisa.EndToEnd.Tests.Appliance;
using Shisa.EndToEnd.Tests.Mobility;

namespace Shisa.EndToEnd.Tests.Dsmip;

/// <summary>
/// Issue 12's first slice over real packets (RFC 5555): a mobile node whose only uplink is IPv4 behind a NAT registers
/// with the home agent through UDP port 4191, cn's IPv6 pings reach the home address through the tunnel, the
/// keepalive Binding Updates keep the NAT mapping, and traffic recovers by itself after the NAT forgets its mappings.
/// </summary>
[NonParallelizable]
public class NatTraversalTests
{
    private const int KeepaliveSeconds = 2;
    private static readonly TimeSpan Registration = TimeSpan.FromSeconds(30);
    private static readonly IPAddress MappedCareOf = Ipv4AccessNetwork.MobileNodeIpv4.MapToIPv6();

    private static string HomeAgentProfile(int keepaliveSeconds = KeepaliveSeconds) => Profiles.HomeAgent().Replace(
        "max_lifetime = 420", $"max_lifetime = 420\nipv4_address = \"{Ipv4AccessNetwork.HomeAgentIpv4}\"\nnat_keepalive_interval = {keepaliveSeconds}", StringComparison.Ordinal);

    private static string MobileNodeProfile() => Profiles.MobileNode().Replace(
        "home_agent = \"2001:db8:1::1\"", $"home_agent = \"2001:db8:1::1\"\nhome_agent_ipv4 = \"{Ipv4AccessNetwork.HomeAgentIpv4}\"", StringComparison.Ordinal);

    private static long Counter(JsonElement status, string name) =>
        status.GetProperty("counters").TryGetProperty(name, out var value) ? value.GetInt64() : 0;

    [Test]
    [CancelAfter(180_000)]
    public async Task Through_a_nat_the_mobile_node_registers_over_udp_keeps_the_mapping_alive_and_recovers_after_a_conntrack_flush(CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        Assume.That(File.Exists("/usr/sbin/conntrack"), "conntrack (Debian package conntrack) flushes the NAT's mappings");
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1, StartRouterAdvertisements = false });
        using var access = Ipv4AccessNetwork.Build(topology);
        bool completeChecksums = access.CompleteChecksums();
        string pcap = Path.Combine(topology.Names.ScratchDirectory, "core-ar4.pcap");
        var tcpdump = topology.Start(topology.Core, "tcpdump", "-i", "core-ar4", "-U", "-n", "-w", pcap, "udp port 4191");
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // tcpdump is listening

        using var ha = ApplianceInstance.Start(topology, topology.Ha, "ha", HomeAgentProfile(), Profiles.HomeAgentStatusPort);
        await ha.WaitForStatusAsync(_ => true, Registration, "the home agent's status page", cancellationToken);
        using var mn = ApplianceInstance.Start(topology, topology.Mn, "mn", MobileNodeProfile(), Profiles.MobileNodeStatusPort);

        // Registration through the NAT: the binding holds the IPv4-mapped care-of address at both ends.
        await mn.WaitForStatusAsync(s => UpdateListEntry.From(s).Any(e => e.State == "Bound" && e.CareOfAddress.Equals(MappedCareOf)),
            Registration, $"a binding bound from {MappedCareOf}", cancellationToken);
        var haStatus = await ha.WaitForStatusAsync(s => CacheEntry.From(s).Any(e => e.CareOfAddress.Equals(MappedCareOf)),
            Registration, "the binding at the home agent", cancellationToken);
        Assert.That(Counter(haStatus.RootElement, "ha_nat_detected"), Is.GreaterThanOrEqualTo(1), "the home agent saw the NAT");
        using var nat = await ha.WaitForStatusAsync(s => s.GetProperty("binding_cache").EnumerateArray().Any(e => e.TryGetProperty("nat_detected", out var n) && n.ValueKind == JsonValueKind.True),
            Registration, "the binding's NAT state on /api/status", cancellationToken);
        var shown = nat.RootElement.GetProperty("binding_cache")[0];
        TestContext.Out.WriteLine($"/api/status binding: {shown}");
        Assert.That(shown.GetProperty("ipv4_care_of_address").GetString(), Is.EqualTo(Ipv4AccessNetwork.MobileNodeIpv4.ToString()));
        Assert.That(shown.GetProperty("udp_endpoint").GetString(), Does.StartWith(Ipv4AccessNetwork.NatPublic + ":"));

        // cn -> home address (and back) through the UDP tunnel.
        Assert.That(await Host.PingUntilAsync(topology.Cn, MobilityTopology.HomeAddress, TimeSpan.FromSeconds(10)), Is.True,
            $"cn -> home address through the tunnel\n{ha.Output}\n{mn.Output}");
        Assert.That(Host.Ping(topology.Mn, MobilityTopology.CorrespondentAddress, count: 3, source: MobilityTopology.HomeAddress), Is.True, "home address -> cn");

        using var counted = await ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the home agent's status", cancellationToken);
        var traffic = counted.RootElement.GetProperty("binding_cache")[0].GetProperty("traffic");
        Assert.That(traffic.GetProperty("packets_out").GetInt64(), Is.GreaterThanOrEqualTo(1), "the binding's tunnel counters count the UDP tunnel");
        Assert.That(traffic.GetProperty("packets_in").GetInt64(), Is.GreaterThanOrEqualTo(1));

        // Keepalives: with nothing else to send, Binding Updates every KeepaliveSeconds keep the mapping.
        await Task.Delay(TimeSpan.FromSeconds(3 * KeepaliveSeconds + 1), cancellationToken);

        // The NAT restarts: every mapping forgotten, the next one on a new random port. A steady ping stream
        // cn -> home address resumes after the next keepalive Binding Update moved the binding's endpoint.
        using var before = await ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the home agent's status", cancellationToken);
        long changedBefore = Counter(before.RootElement, "dsmip_endpoints_changed");
        var ping = topology.StartPing(topology.Cn, MobilityTopology.HomeAddress, intervalSeconds: 0.05);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var flushedAt = DateTime.UtcNow;
        access.FlushConntrack();
        await Task.Delay(TimeSpan.FromSeconds(3 * KeepaliveSeconds), cancellationToken);
        ping.Interrupt(TimeSpan.FromSeconds(5));
        var timeline = PingTimeline.Parse(ping.StandardOutput);
        var window = timeline.Window(flushedAt, DateTime.UtcNow);
        using var after = await ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the home agent's status", cancellationToken);
        long changedAfter = Counter(after.RootElement, "dsmip_endpoints_changed");
        TestContext.Out.WriteLine($"after conntrack -F: longest gap {window.LongestGap.TotalMilliseconds:F0} ms, {window.Lost} lost, restored {window.Restored}; " +
            $"endpoint changes {changedBefore} -> {changedAfter}; keepalive {KeepaliveSeconds} s");
        Assert.That(window.Restored, Is.True, $"cn -> home address resumes after the flush\n{ha.Output}");
        Assert.That(window.LongestGap, Is.LessThan(TimeSpan.FromSeconds(KeepaliveSeconds + 2)), "within one keepalive interval and the retransmission");

        tcpdump.Interrupt(TimeSpan.FromSeconds(5));
        var datagrams = UdpCapture.Read(pcap);
        TestContext.Out.WriteLine(string.Join('\n', datagrams.Where(d => d.MobilityHeaderType is not null)));

        // Every datagram on the NAT's outside is between the NAT's public address and the home agent's port 4191.
        Assert.That(datagrams, Has.Count.GreaterThan(10));
        Assert.That(datagrams, Has.All.Matches<TunnelDatagram>(d =>
            (d.Source.Equals(Ipv4AccessNetwork.NatPublic) && d.Destination.Equals(Ipv4AccessNetwork.HomeAgentIpv4) && d.DestinationPort == 4191)
            || (d.Source.Equals(Ipv4AccessNetwork.HomeAgentIpv4) && d.SourcePort == 4191 && d.Destination.Equals(Ipv4AccessNetwork.NatPublic))));

        // Keepalives seen on the wire at the configured interval: Binding Updates (MH type 5) from the NAT.
        var updates = datagrams.Where(d => d.MobilityHeaderType == 5 && d.Source.Equals(Ipv4AccessNetwork.NatPublic)).Select(d => d.Seconds).ToList();
        var intervals = updates.Zip(updates.Skip(1), (a, b) => b - a).ToList();
        TestContext.Out.WriteLine("Binding Update intervals (s): " + string.Join(' ', intervals.Select(i => i.ToString("F2", CultureInfo.InvariantCulture))));
        Assert.That(updates, Has.Count.GreaterThanOrEqualTo(5), "keepalive Binding Updates");
        Assert.That(intervals.Count(i => Math.Abs(i - KeepaliveSeconds) < 0.5), Is.GreaterThanOrEqualTo(3), "most keepalives at the configured interval");

        // The NAT gave the flow a new port after the flush, and the home agent followed it.
        var natPorts = datagrams.Where(d => d.Source.Equals(Ipv4AccessNetwork.NatPublic)).Select(d => d.SourcePort).Distinct().ToList();
        TestContext.Out.WriteLine($"NAT source ports: {string.Join(' ', natPorts)}");
        Assert.That(natPorts, Has.Count.GreaterThanOrEqualTo(2), "the flush moved the mapping to another port");
        Assert.That(changedAfter, Is.GreaterThan(changedBefore), "the home agent moved the binding's endpoint");

        // tshark: the outer packets and the tunnelled ones decode without a malformed or checksum warning.
        string inner = Path.Combine(topology.Names.ScratchDirectory, "inner.pcap");
        UdpCapture.WriteInner(datagrams, inner);
        var outerLines = UdpCapture.Tshark(pcap, "_ws.col.Protocol", "_ws.malformed", "_ws.expert.severity", "_ws.expert.message");
        var innerLines = UdpCapture.Tshark(inner, "_ws.col.Protocol", "_ws.malformed", "_ws.expert.severity", "_ws.expert.message", "mip6.mhtype", "mip6.natd.refresh_t", "mip6.ipv4coa.addr", "mip6.bu.f_flag");
        if (outerLines is not null && innerLines is not null && completeChecksums)
        {
            var warnings = outerLines.Concat(innerLines).Where(l => l.Split('|') is var f && (f[1].Length > 0 || f[3].Contains("checksum", StringComparison.OrdinalIgnoreCase) || f[3].Contains("Malformed", StringComparison.Ordinal))).ToList();
            TestContext.Out.WriteLine($"tshark: {outerLines.Count} outer, {innerLines.Count} inner packets; warnings: {warnings.Count}"); TestContext.Out.WriteLine(string.Join("\n", warnings.Take(6)));
            Assert.That(outerLines, Has.Count.EqualTo(datagrams.Count));
            Assert.That(warnings, Is.Empty);
            Assert.That(innerLines.Any(l => l.Split('|') is var f && f[4] == "6" && f[5] == KeepaliveSeconds.ToString(CultureInfo.InvariantCulture)), Is.True,
                "a Binding Acknowledgement with the NAT Detection option's refresh time, as tshark reads it");
            Assert.That(innerLines.Any(l => l.Split('|') is var f && f[4] == "5" && f[6] == Ipv4AccessNetwork.MobileNodeIpv4.ToString()), Is.True,
                "a Binding Update with the IPv4 Care-of Address option, as tshark reads it");
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Without_a_nat_the_home_agent_sees_none_and_asks_for_no_keepalives_yet_the_tunnel_carries_the_pings(CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1, StartRouterAdvertisements = false });
        using var access = Ipv4AccessNetwork.Build(topology, nat: false);
        string pcap = Path.Combine(topology.Names.ScratchDirectory, "core-ar4.pcap");
        var tcpdump = topology.Start(topology.Core, "tcpdump", "-i", "core-ar4", "-U", "-n", "-w", pcap, "udp port 4191");
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);

        using var ha = ApplianceInstance.Start(topology, topology.Ha, "ha", HomeAgentProfile(), Profiles.HomeAgentStatusPort);
        await ha.WaitForStatusAsync(_ => true, Registration, "the home agent's status page", cancellationToken);
        using var mn = ApplianceInstance.Start(topology, topology.Mn, "mn", MobileNodeProfile(), Profiles.MobileNodeStatusPort);
        await mn.WaitForStatusAsync(s => UpdateListEntry.From(s).Any(e => e.State == "Bound" && e.CareOfAddress.Equals(MappedCareOf)),
            Registration, $"a binding bound from {MappedCareOf}", cancellationToken);
        Assert.That(await Host.PingUntilAsync(topology.Cn, MobilityTopology.HomeAddress, TimeSpan.FromSeconds(10)), Is.True, $"cn -> home address\n{ha.Output}\n{mn.Output}");
        await Task.Delay(TimeSpan.FromSeconds(3 * KeepaliveSeconds), cancellationToken);
        using var status = await ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the home agent's status", cancellationToken);
        tcpdump.Interrupt(TimeSpan.FromSeconds(5));

        Assert.That(Counter(status.RootElement, "ha_nat_detected"), Is.Zero);
        var datagrams = UdpCapture.Read(pcap);
        TestContext.Out.WriteLine(string.Join('\n', datagrams.Where(d => d.MobilityHeaderType is not null)));
        Assert.That(datagrams.Where(d => d.Source.Equals(Ipv4AccessNetwork.MobileNodeIpv4)), Is.Not.Empty, "the care-of address itself on the wire: no NAT");
        Assert.That(datagrams.Count(d => d.MobilityHeaderType == 5), Is.EqualTo(1), "no keepalive Binding Update: the lifetime's refresh is far off");
    }

    [Test]
    [CancelAfter(150_000)]
    public async Task After_a_kill_9_restart_of_the_home_agent_cn_reaches_the_home_address_through_the_nat_before_the_next_keepalive(CancellationToken cancellationToken)
    {
        // A keepalive interval far beyond the test's restart: any Binding Update after it would be a failure.
        const int longKeepalive = 90;
        Assume.That(Host.IsRoot, "namespaces need root");
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1, StartRouterAdvertisements = false });
        using var access = Ipv4AccessNetwork.Build(topology);
        string profile = HomeAgentProfile(longKeepalive);
        var ha = ApplianceInstance.Start(topology, topology.Ha, "ha", profile, Profiles.HomeAgentStatusPort);
        try
        {
            await ha.WaitForStatusAsync(_ => true, Registration, "the home agent's status page", cancellationToken);
            using var mn = ApplianceInstance.Start(topology, topology.Mn, "mn", MobileNodeProfile(), Profiles.MobileNodeStatusPort);
            await mn.WaitForStatusAsync(s => UpdateListEntry.From(s).Any(e => e.State == "Bound" && e.CareOfAddress.Equals(MappedCareOf)),
                Registration, $"a binding bound from {MappedCareOf}", cancellationToken);
            using var bound = await ha.WaitForStatusAsync(s => s.GetProperty("binding_cache").EnumerateArray().Any(e => e.TryGetProperty("udp_endpoint", out var u) && u.ValueKind == JsonValueKind.String),
                Registration, "the binding's UDP endpoint", cancellationToken);
            string endpoint = bound.RootElement.GetProperty("binding_cache")[0].GetProperty("udp_endpoint").GetString()!;
            Assert.That(endpoint, Does.StartWith(Ipv4AccessNetwork.NatPublic + ":"));
            Assert.That(await Host.PingUntilAsync(topology.Cn, MobilityTopology.HomeAddress, TimeSpan.FromSeconds(10)), Is.True, $"cn -> home address before the restart\n{ha.Output}\n{mn.Output}");

            var clock = System.Diagnostics.Stopwatch.StartNew();
            ha.Kill();
            ha.Dispose();
            ha = ApplianceInstance.Start(topology, topology.Ha, "ha", profile, Profiles.HomeAgentStatusPort);
            using var restored = await ha.WaitForStatusAsync(s => CacheEntry.From(s).Any(e => e.CareOfAddress.Equals(MappedCareOf)),
                TimeSpan.FromSeconds(20), "the restored IPv4 care-of binding", cancellationToken);
            long restoredMs = clock.ElapsedMilliseconds;
            bool delivered = await Host.PingUntilAsync(topology.Cn, MobilityTopology.HomeAddress, TimeSpan.FromSeconds(10));
            long deliveredMs = clock.ElapsedMilliseconds;
            using var after = await ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the home agent's status", cancellationToken);
            var shown = after.RootElement.GetProperty("binding_cache")[0];
            TestContext.Out.WriteLine($"kill -9 to binding restored: {restoredMs} ms, to cn -> home address answered: {deliveredMs} ms; " +
                $"endpoint {shown.GetProperty("udp_endpoint")}; keepalive {longKeepalive} s; BUs received since the restart: {Counter(after.RootElement, "ha_binding_updates_received")}");

            Assert.That(delivered, Is.True, $"cn -> home address through the UDP tunnel of the restarted home agent\n{ha.Output}");
            Assert.That(shown.GetProperty("udp_endpoint").GetString(), Is.EqualTo(endpoint), "the journalled NAT mapping");
            Assert.That(Counter(after.RootElement, "ha_binding_updates_received"), Is.Zero, "no Binding Update was needed");
            Assert.That(Counter(after.RootElement, "dsmip_signalling_received"), Is.Zero, "nothing came through the tunnel's signalling since the restart");
            Assert.That(Counter(after.RootElement, "dsmip_encapsulated"), Is.GreaterThanOrEqualTo(1), "the echo requests left through the UDP tunnel");
            Assert.That(Counter(after.RootElement, "dsmip_decapsulated"), Is.GreaterThanOrEqualTo(1), "the replies came back from the restored endpoint");
        }
        finally
        {
            ha.Dispose();
        }
    }
}
