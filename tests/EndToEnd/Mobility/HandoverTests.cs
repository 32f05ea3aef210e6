using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// Handovers between the two foreign links under a 10 ms ping stream each way (cn -> HoA, HoA -> cn): per move the
/// gap (the longest silence around it), the lost echoes and the time until the mobile node's status shows the new
/// care-of address Bound. The numbers are printed; the asserts only demand that traffic resumes after every move.
/// </summary>
[NonParallelizable]
public class HandoverTests
{
    private const int Moves = 10;
    private static readonly TimeSpan Resumption = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Dwell = TimeSpan.FromMilliseconds(500);

    [Test]
    [CancelAfter(180_000)]
    public async Task Traffic_to_and_from_the_home_address_resumes_after_every_move_between_foreign_links(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken);
        var topology = session.Topology;
        using var inbound = topology.StartPing(topology.Cn, MobilityTopology.HomeAddress);
        using var outbound = topology.StartPing(topology.Mn, MobilityTopology.CorrespondentAddress, source: MobilityTopology.HomeAddress);
        Assert.That(await RepliesAfterAsync([inbound, outbound], DateTime.UtcNow, 20, Resumption, cancellationToken), Is.True, "the ping streams do not start");

        List<Move> moves = [];
        for (int i = 0; i < Moves; i++)
        {
            var target = i % 2 == 0 ? AccessLink.Foreign2 : AccessLink.Foreign1;
            var movedAt = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            topology.MoveTo(target);
            var bound = await WaitForBoundAsync(session, MobilityTopology.PrefixOf(target), cancellationToken);
            var boundAfter = clock.Elapsed;
            bool resumed = await RepliesAfterAsync([inbound, outbound], movedAt, 20, Resumption, cancellationToken);
            Assert.That(resumed, Is.True, $"move {i + 1} to {target}: traffic did not resume within {Resumption.TotalSeconds} s\nmn:\n{session.Mn.Output}");
            moves.Add(new Move(i + 1, target, movedAt, bound, boundAfter));
            await Task.Delay(Dwell, cancellationToken);
        }

        Assert.That(inbound.Interrupt(TimeSpan.FromSeconds(3)) && outbound.Interrupt(TimeSpan.FromSeconds(3)), Is.True, "ping stops on SIGINT");
        var toHome = PingTimeline.Parse(inbound.StandardOutput);
        var fromHome = PingTimeline.Parse(outbound.StandardOutput);
        var rows = moves.Select((m, i) =>
        {
            var end = i + 1 < moves.Count ? moves[i + 1].MovedAt : DateTime.MaxValue;
            return (Move: m, In: Window(toHome, m.MovedAt, end), Out: Window(fromHome, m.MovedAt, end));
        }).ToList();

        var report = new StringBuilder();
        report.AppendLine("move  to        care-of address                  bound after  gap cn->HoA  lost  gap HoA->cn  lost");
        foreach (var (move, @in, @out) in rows)
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"{move.Number,4}  {move.Target,-8}  {move.CareOf,-31}  {Ms(move.BoundAfter),8} ms  {Ms(@in.Gap),8} ms  {@in.Lost,4}  {Ms(@out.Gap),8} ms  {@out.Lost,4}");
        }

        var gaps = rows.SelectMany(r => (TimeSpan[])[r.In.Gap, r.Out.Gap]).Order().ToList();
        var bounds = rows.Select(r => r.Move.BoundAfter).Order().ToList();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"gap median {Ms(Median(gaps))} ms, worst {Ms(gaps[^1])} ms; bound after median {Ms(Median(bounds))} ms, worst {Ms(bounds[^1])} ms");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"lost cn->HoA {rows.Sum(r => r.In.Lost)} of {toHome.Transmitted}, HoA->cn {rows.Sum(r => r.Out.Lost)} of {fromHome.Transmitted} over {Moves} moves");
        TestContext.Out.WriteLine(report.ToString());

        foreach (var (move, @in, @out) in rows)
        {
            Assert.That(@in.Gap, Is.LessThan(Resumption), $"cn -> HoA after move {move.Number}");
            Assert.That(@out.Gap, Is.LessThan(Resumption), $"HoA -> cn after move {move.Number}");
        }
    }

    private static async Task<IPAddress> WaitForBoundAsync(MobilitySession session, IPNetwork prefix, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + MobilitySession.Registration;
        while (DateTime.UtcNow < deadline)
        {
            Assert.That(session.Mn.Process.HasExited, Is.False, $"the mobile node exited:\n{session.Mn.Output}");
            using var status = await session.Mn.TryStatusAsync(cancellationToken);
            if (status is not null && MobilitySession.BoundFrom(status.RootElement, prefix) is { } entry)
            {
                return entry.CareOfAddress;
            }

            await Task.Delay(20, cancellationToken);
        }

        Assert.Fail($"not Bound from {prefix} within {MobilitySession.Registration.TotalSeconds} s\nmn:\n{session.Mn.Output}");
        throw new InvalidOperationException();
    }

    /// <summary>True once every ping has printed <paramref name="count"/> replies received after <paramref name="since"/>.</summary>
    private static async Task<bool> RepliesAfterAsync(NamespaceProcess[] pings, DateTime since, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (pings.All(p => PingTimeline.Parse(p.StandardOutput).Replies.Count(r => r.ReceivedUtc > since) >= count))
            {
                return true;
            }

            await Task.Delay(20, cancellationToken);
        }

        return false;
    }

    /// <summary>
    /// The move's gap: the longest time between consecutive replies from the last one before <paramref name="from"/>
    /// up to <paramref name="to"/>; the loss: the sequence numbers between those replies that were never answered.
    /// </summary>
    private static (TimeSpan Gap, int Lost) Window(PingTimeline timeline, DateTime from, DateTime to)
    {
        var replies = timeline.Replies.OrderBy(r => r.ReceivedUtc).ToList();
        int first = Math.Max(0, replies.FindLastIndex(r => r.ReceivedUtc <= from));
        var window = replies.Skip(first).TakeWhile(r => r.ReceivedUtc < to).ToList();
        var gap = TimeSpan.Zero;
        for (int i = 1; i < window.Count; i++)
        {
            var g = window[i].ReceivedUtc - window[i - 1].ReceivedUtc;
            gap = g > gap ? g : gap;
        }

        var answered = window.Select(r => r.Sequence).Order().ToList();
        int lost = answered.Count < 2 ? 0 : answered[^1] - answered[0] + 1 - answered.Distinct().Count();
        return (gap, lost);
    }

    private static TimeSpan Median(List<TimeSpan> sorted) => sorted.Count == 0 ? TimeSpan.Zero
        : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);

    private sealed record Move(int Number, AccessLink Target, DateTime MovedAt, IPAddress CareOf, TimeSpan BoundAfter);
}
