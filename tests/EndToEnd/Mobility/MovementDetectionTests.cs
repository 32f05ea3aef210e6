using System.Diagnostics;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// Each movement detection method alone, with real Router and Neighbor Discovery packets on the DESIGN 9 topology
/// (the access routers advertise the RFC 6275 7.3 Advertisement Interval option). Method <c>link</c> alone is what
/// <see cref="HandoverTests"/> and the other mobility tests use.
/// </summary>
[NonParallelizable]
public class MovementDetectionTests
{
    private static readonly TimeSpan Detection = TimeSpan.FromSeconds(15);

    [Test]
    [CancelAfter(120_000)]
    public async Task Ra_alone_loses_a_silent_router_with_the_carrier_still_up_and_registers_again_when_it_returns(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken, mobileNodeProfile: Profiles.MobileNode(methods: "\"ra\""));
        var topology = session.Topology;
        string ar1 = topology.NamespaceOf(AccessLink.Foreign1);

        // The mn's port leaves ar1's bridge: its veth stays up, so mn0 keeps its carrier, but nothing reaches it.
        Host.Exec(ar1, "ip", "link", "set", "dev", MobilityTopology.MobilePeer, "nomaster");
        await WaitForOutputAsync(session, "lost (ra)", cancellationToken);
        Assert.That(Host.Exec(topology.Mn, "ip", "link", "show", "dev", MobilityTopology.MobileInterface).StandardOutput, Does.Contain("LOWER_UP"),
            "the carrier was never lost: the advertised interval alone told");

        Host.Exec(ar1, "ip", "link", "set", "dev", MobilityTopology.MobilePeer, "master", MobilityTopology.BridgeOf(AccessLink.Foreign1));
        await WaitForOutputAsync(session, "confirmed (ra)", cancellationToken, after: "lost (ra)");
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(20)), Is.True, $"back on ar1's link the home address works again\n{session.Diagnostics()}");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Ra_alone_solicits_at_once_on_link_up(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken, mobileNodeProfile: Profiles.MobileNode(methods: "\"ra\""));
        var topology = session.Topology;
        string ar2 = topology.NamespaceOf(AccessLink.Foreign2);
        // The kernel's own solicitations off: every RS on ar2's link is the detector's.
        Host.Exec(topology.Mn, "sysctl", "-qw", $"net.ipv6.conf.{MobilityTopology.MobileInterface}.router_solicitations=0");
        using var capture = topology.Start(ar2, "tcpdump", "-l", "-n", "-i", MobilityTopology.BridgeOf(AccessLink.Foreign2), "icmp6 and ip6[40] == 133");
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // tcpdump attaches
        var moved = Stopwatch.StartNew();
        topology.MoveTo(AccessLink.Foreign2);
        await session.WaitForRegistrationAsync(MobilityTopology.Foreign2Prefix, cancellationToken);
        capture.Interrupt(TimeSpan.FromSeconds(3));
        string captured = string.Join('\n', capture.StandardOutput);
        Assert.That(captured, Does.Contain("router solicitation"), $"an RS on the new link\n{captured}\n{session.Mn.Output}");
        TestContext.Out.WriteLine($"registered on ar2 {moved.ElapsedMilliseconds} ms after the move");

        // The move step by step in /api/status: link-up -> RS -> RA -> care-of address -> BU -> BA, our share apart.
        using var status = await session.Mn.WaitForStatusAsync(s => BreakdownTo(s, MobilityTopology.Foreign2Prefix) is not null, TimeSpan.FromSeconds(10),
            "the breakdown of the move to ar2", cancellationToken);
        var b = BreakdownTo(status.RootElement, MobilityTopology.Foreign2Prefix)!.Value;
        TestContext.Out.WriteLine($"breakdown: {b}");
        Assert.That(b.GetProperty("started_by").GetString(), Is.EqualTo("link-up"));
        Assert.That(b.GetProperty("answered_by").GetString(), Is.EqualTo("RA"));
        long solicited = b.GetProperty("solicited_ms").GetInt64(), answered = b.GetProperty("answered_ms").GetInt64();
        long careOf = b.GetProperty("care_of_ms").GetInt64(), bu = b.GetProperty("binding_update_ms").GetInt64(), ba = b.GetProperty("binding_ack_ms").GetInt64();
        Assert.That(new[] { solicited, answered, careOf, bu, ba }, Is.Ordered, "each step after the one before");
        Assert.That(b.GetProperty("our_share_ms").GetInt64(), Is.LessThanOrEqualTo(ba));
    }

    private static System.Text.Json.JsonElement? BreakdownTo(System.Text.Json.JsonElement status, System.Net.IPNetwork prefix, string? answeredBy = null)
    {
        foreach (var h in status.GetProperty("handovers").EnumerateArray())
        {
            if (prefix.Contains(System.Net.IPAddress.Parse(h.GetProperty("to").GetString()!))
                && h.TryGetProperty("breakdown", out var b) && b.ValueKind == System.Text.Json.JsonValueKind.Object
                && (answeredBy is null || b.GetProperty("answered_by").GetString() == answeredBy))
            {
                return b;
            }
        }

        return null;
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Nud_alone_probes_the_old_router_after_a_link_change_and_moves_when_it_does_not_answer(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken, mobileNodeProfile: Profiles.MobileNode(methods: "\"nud\""));
        var topology = session.Topology;
        topology.MoveTo(AccessLink.Foreign2);
        await WaitForOutputAsync(session, "lost (nud)", cancellationToken);
        await session.WaitForRegistrationAsync(MobilityTopology.Foreign2Prefix, cancellationToken);
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(20)), Is.True, session.Diagnostics());
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Nud_alone_keeps_the_care_of_address_when_the_link_flaps_back_to_the_same_router(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken, mobileNodeProfile: Profiles.MobileNode(methods: "\"nud\""));
        var topology = session.Topology;
        string ar1 = topology.NamespaceOf(AccessLink.Foreign1);
        var (before, _) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Host.Exec(ar1, "ip", "link", "set", "dev", MobilityTopology.MobilePeer, "down");
        await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
        Host.Exec(ar1, "ip", "link", "set", "dev", MobilityTopology.MobilePeer, "up");
        await WaitForOutputAsync(session, "confirmed (nud)", cancellationToken);
        Assert.That(session.Mn.Output, Does.Not.Contain("lost (nud)"));
        var (after, _) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(after.CareOfAddress, Is.EqualTo(before.CareOfAddress));
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(20)), Is.True, session.Diagnostics());
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Dna_alone_confirms_a_visited_link_on_return_from_its_router_answer_and_uses_the_address_it_had_there_at_once(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken, mobileNodeProfile: Profiles.MobileNode(methods: "\"dna\""));
        var topology = session.Topology;
        var (first, _) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        await WaitForOutputAsync(session, "confirmed (ra)", cancellationToken); // ar1 remembered, with the address held there
        topology.MoveTo(AccessLink.Foreign2);
        await WaitForOutputAsync(session, "lost (dna)", cancellationToken);
        await session.WaitForRegistrationAsync(MobilityTopology.Foreign2Prefix, cancellationToken);

        // ar1's router no longer answers solicitations: radvd answers an RS at once here, and its RA would race the
        // NA. Only DNA's unicast NS (answered by ar1's kernel) or an unsolicited RA 1-3 s later can tell the node now.
        string ar1 = topology.NamespaceOf(AccessLink.Foreign1);
        Host.Exec(ar1, "nft", "add table ip6 norssolicit");
        Host.Exec(ar1, "nft", "add chain ip6 norssolicit input { type filter hook input priority 0 ; }");
        Host.Exec(ar1, "nft", "add rule ip6 norssolicit input icmpv6 type nd-router-solicit drop");
        string before = session.Mn.Output;
        topology.MoveTo(AccessLink.Foreign1);
        await WaitForOutputAsync(session, "confirmed (dna)", cancellationToken, since: before.Length);
        var (back, _) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(back.CareOfAddress, Is.EqualTo(first.CareOfAddress), "the address held on ar1's link before");
        Assert.That(session.Mn.Output[before.Length..], Does.Contain($"care-of address {first.CareOfAddress} formed on {MobilityTopology.MobileInterface}"),
            $"formed from the remembered prefix, not by SLAAC from an RA\n{session.Mn.Output[before.Length..]}");

        using var status = await session.Mn.WaitForStatusAsync(s => BreakdownTo(s, MobilityTopology.Foreign1Prefix, answeredBy: "NA") is not null,
            TimeSpan.FromSeconds(10), "the breakdown of the return to ar1", cancellationToken);
        var breakdown = BreakdownTo(status.RootElement, MobilityTopology.Foreign1Prefix, answeredBy: "NA")!.Value;
        TestContext.Out.WriteLine($"return to ar1 by DNA alone: {breakdown}");
        Assert.That(breakdown.GetProperty("binding_update_ms").GetInt64(), Is.LessThan(1000), "sent before ar1's next unsolicited RA could have come (1-3 s); a loose bound");
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(20)), Is.True, session.Diagnostics());
    }

    private static async Task WaitForOutputAsync(MobilitySession session, string text, CancellationToken cancellationToken, string? after = null, int since = 0)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Detection)
        {
            string output = session.Mn.Output;
            int from = after is null ? since : Math.Max(since, output.IndexOf(after, since, StringComparison.Ordinal));
            if (output.IndexOf(text, from, StringComparison.Ordinal) >= 0)
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        Assert.Fail($"no '{text}' from the mobile node within {Detection.TotalSeconds} s\n{session.Diagnostics()}");
    }
}
