using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Shisa.EndToEnd.Tests.Topology;
using static Shisa.EndToEnd.Tests.Topology.HandoverRun;

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

        List<HandoverMove> moves = [];
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
            moves.Add(new HandoverMove(i + 1, target, movedAt, bound, boundAfter));
            await Task.Delay(Dwell, cancellationToken);
        }

        Assert.That(inbound.Interrupt(TimeSpan.FromSeconds(3)) && outbound.Interrupt(TimeSpan.FromSeconds(3)), Is.True, "ping stops on SIGINT");
        var ended = DateTime.UtcNow;
        var toHome = PingTimeline.Parse(inbound.StandardOutput);
        var fromHome = PingTimeline.Parse(outbound.StandardOutput);
        var rows = moves.Select((m, i) => (Move: m, In: WindowOf(toHome, moves, i, ended), Out: WindowOf(fromHome, moves, i, ended))).ToList();

        var report = new StringBuilder();
        report.AppendLine("move  to        care-of address                  bound after  gap cn->HoA  lost  gap HoA->cn  lost");
        foreach (var (move, @in, @out) in rows)
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"{move.Number,4}  {move.Target,-8}  {move.CareOf,-31}  {Ms(move.BoundAfter),8} ms  {Ms(@in.LongestGap),8} ms  {@in.Lost,4}  {Ms(@out.LongestGap),8} ms  {@out.Lost,4}");
        }

        var gaps = rows.SelectMany(r => (TimeSpan[])[r.In.LongestGap, r.Out.LongestGap]).Order().ToList();
        var bounds = rows.Select(r => r.Move.BoundAfter).Order().ToList();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"gap median {Ms(Median(gaps))} ms, worst {Ms(gaps[^1])} ms; bound after median {Ms(Median(bounds))} ms, worst {Ms(bounds[^1])} ms");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"lost cn->HoA {rows.Sum(r => r.In.Lost)} of {toHome.Transmitted}, HoA->cn {rows.Sum(r => r.Out.Lost)} of {fromHome.Transmitted} over {Moves} moves");
        TestContext.Out.WriteLine(report.ToString());

        foreach (var (move, @in, @out) in rows)
        {
            Assert.That(@in.Restored && @in.LongestGap < Resumption, Is.True, $"cn -> HoA after move {move.Number}: {@in}");
            Assert.That(@out.Restored && @out.LongestGap < Resumption, Is.True, $"HoA -> cn after move {move.Number}: {@out}");
        }
    }

    private static async Task<IPAddress> WaitForBoundAsync(MobilitySession session, IPNetwork prefix, CancellationToken cancellationToken)
    {
        using var status = await session.Mn.WaitForStatusAsync(s => MobilitySession.BoundFrom(s, prefix) is not null, MobilitySession.Registration,
            $"Bound from {prefix}", cancellationToken, TimeSpan.FromMilliseconds(20));
        return MobilitySession.BoundFrom(status.RootElement, prefix)!.CareOfAddress;
    }
}
