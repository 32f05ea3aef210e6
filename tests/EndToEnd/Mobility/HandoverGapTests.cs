using System.Diagnostics;
using Shisa.EndToEnd.Tests.Topology;
using static Shisa.EndToEnd.Tests.Topology.HandoverRun;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// The handover gap in a network not tuned for mobility: access routers advertising every 1-3 s (the topology's
/// default: MinRtrAdvInterval 1, MaxRtrAdvInterval 3), a 10 ms ping stream cn -> home address, 10 moves ar1 -> ar2
/// and back. Per move it prints the gap and the detector's breakdown from /api/status, then the medians (total gap,
/// first visit, revisit, the appliance's own share), for method <c>link</c> alone and for every method. The asserts
/// demand that traffic resumes after every move, and with every method bound the median loosely (issue 11's
/// targets are 100 ms for a revisit: the figures are printed, not timed).
/// </summary>
[NonParallelizable]
public class HandoverGapTests
{
    private const int Moves = 10;
    private static readonly TimeSpan Resumption = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Dwell = TimeSpan.FromMilliseconds(500);

    [TestCase("\"link\"")]
    [TestCase("\"link\", \"ra\", \"nud\", \"dna\"")]
    [CancelAfter(240_000)]
    public async Task Handover_gap_with_routers_advertising_every_1_to_3_s_is_printed_per_move_with_medians(string methods, CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken, mobileNodeProfile: Profiles.MobileNode(methods: methods));
        var topology = session.Topology;
        using var inbound = topology.StartPing(topology.Cn, MobilityTopology.HomeAddress);
        Assert.That(await RepliesAfterAsync([inbound], DateTime.UtcNow, 20, Resumption, cancellationToken), Is.True, "the ping stream does not start");

        List<HandoverMove> moves = [];
        List<System.Text.Json.JsonElement?> breakdowns = [];
        for (int i = 0; i < Moves; i++)
        {
            var target = i % 2 == 0 ? AccessLink.Foreign2 : AccessLink.Foreign1;
            var movedAt = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            topology.MoveTo(target);
            using var status = await session.Mn.WaitForStatusAsync(s => MobilitySession.BoundFrom(s, MobilityTopology.PrefixOf(target)) is not null,
                MobilitySession.Registration, $"Bound from {MobilityTopology.PrefixOf(target)}", cancellationToken, TimeSpan.FromMilliseconds(20));
            var careOf = MobilitySession.BoundFrom(status.RootElement, MobilityTopology.PrefixOf(target))!.CareOfAddress;
            var boundAfter = clock.Elapsed;
            Assert.That(await RepliesAfterAsync([inbound], movedAt, 20, Resumption, cancellationToken), Is.True,
                $"move {i + 1} to {target}: traffic did not resume within {Resumption.TotalSeconds} s\nmn:\n{session.Mn.Output}");
            moves.Add(new HandoverMove(i + 1, target, movedAt, careOf, boundAfter));
            using var after = await session.Mn.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the status", cancellationToken);
            breakdowns.Add(BreakdownOf(after.RootElement, careOf, movedAt));
            await Task.Delay(Dwell, cancellationToken);
        }

        Assert.That(inbound.Interrupt(TimeSpan.FromSeconds(3)), Is.True, "ping stops on SIGINT");
        var ended = DateTime.UtcNow;
        var toHome = PingTimeline.Parse(inbound.StandardOutput);
        var first = FirstVisits([.. moves.Select(m => m.Target)], AccessLink.Foreign1);
        var rows = moves.Select((m, i) => new MoveFigures(m, WindowOf(toHome, moves, i, ended), first[i], breakdowns[i])).ToList();
        TestContext.Out.WriteLine(Report($"mobile node, method [{methods}], routers advertising every 1-3 s, 10 ms pings cn -> HoA", rows));
        foreach (var r in rows)
        {
            Assert.That(r.Seen.Restored, Is.True, r.Seen.ToString());
            if (r.Step("first_packet_ms") is { } firstPacket)
            {
                Assert.That(firstPacket, Is.GreaterThanOrEqualTo(r.Step("binding_ack_ms") ?? 0), $"move {r.Move.Number}: the first packet through comes after the BA");
            }
        }

        Assert.That(rows.Count(r => r.Step("first_packet_ms") is not null), Is.GreaterThan(Moves / 2),
            "the breakdown ends with the first tunnelled packet through (the ping stream's next echo)");

        if (methods.Contains("dna", StringComparison.Ordinal))
        {
            Assert.That(MedianGap([.. rows.Where(r => !r.FirstVisit)]), Is.LessThan(TimeSpan.FromSeconds(1)),
                "a revisit confirmed by DNA does not wait for an advertisement (loose bound; the target is 100 ms)");
        }
    }
}
