using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Shisa.EndToEnd.Tests.Topology;
using static Shisa.EndToEnd.Tests.Topology.HandoverRun;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// The handover gap in a network not tuned for mobility: access routers advertising every 1-3 s
/// (MinRtrAdvInterval 1, MaxRtrAdvInterval 3), a 10 ms ping stream cn -> home address, moves ar1 -> ar2 and back.
/// Per move it prints the gap and the detector's breakdown from /api/status, for method <c>link</c> alone and for
/// every method; the asserts only demand that traffic resumes after every move.
/// </summary>
[NonParallelizable]
public class HandoverGapTests
{
    private const int Moves = 6;
    private static readonly TimeSpan Resumption = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Dwell = TimeSpan.FromSeconds(1);

    [TestCase("\"link\"")]
    [TestCase("\"link\", \"ra\", \"nud\", \"dna\"")]
    [CancelAfter(240_000)]
    public async Task Handover_gap_with_routers_advertising_every_1_to_3_s_is_printed_per_move(string methods, CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken, mobileNodeProfile: Profiles.MobileNode(methods: methods));
        var topology = session.Topology;
        using var inbound = topology.StartPing(topology.Cn, MobilityTopology.HomeAddress);
        Assert.That(await RepliesAfterAsync([inbound], DateTime.UtcNow, 20, Resumption, cancellationToken), Is.True, "the ping stream does not start");

        List<HandoverMove> moves = [];
        List<string> breakdowns = [];
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
            breakdowns.Add(BreakdownOf(after.RootElement, careOf.ToString(), movedAt));
            await Task.Delay(Dwell, cancellationToken);
        }

        Assert.That(inbound.Interrupt(TimeSpan.FromSeconds(3)), Is.True, "ping stops on SIGINT");
        var ended = DateTime.UtcNow;
        var toHome = PingTimeline.Parse(inbound.StandardOutput);
        var windows = moves.Select((m, i) => WindowOf(toHome, moves, i, ended)).ToList();

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"method [{methods}], routers advertising every 1-3 s");
        report.AppendLine("move  to        gap cn->HoA  lost  bound after  breakdown");
        for (int i = 0; i < moves.Count; i++)
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"{moves[i].Number,4}  {moves[i].Target,-8}  {Ms(windows[i].LongestGap),8} ms  {windows[i].Lost,4}  {Ms(moves[i].BoundAfter),8} ms  {breakdowns[i]}");
        }

        var gaps = windows.Select(w => w.LongestGap).Order().ToList();
        report.AppendLine(CultureInfo.InvariantCulture, $"gap median {Ms(Median(gaps))} ms, worst {Ms(gaps[^1])} ms over {Moves} moves");
        TestContext.Out.WriteLine(report.ToString());
        foreach (var w in windows)
        {
            Assert.That(w.Restored, Is.True, w.ToString());
        }
    }

    // The handover of this move (to that care-of address, reported after the move) in the timeline, as one line.
    private static string BreakdownOf(JsonElement status, string careOf, DateTime movedAt)
    {
        foreach (var h in status.GetProperty("handovers").EnumerateArray())
        {
            if (h.GetProperty("to").GetString() == careOf && h.GetProperty("when").GetDateTimeOffset() >= movedAt)
            {
                return h.TryGetProperty("breakdown", out var b) && b.ValueKind == JsonValueKind.Object ? b.ToString() : "-";
            }
        }

        return "-";
    }
}
