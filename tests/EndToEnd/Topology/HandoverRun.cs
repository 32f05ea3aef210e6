using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Shisa.Appliance.Demo;

namespace Shisa.EndToEnd.Tests.Topology;

/// <summary>One move of a handover run: where to, when, the care-of address that got Bound and how long that took.</summary>
internal sealed record HandoverMove(int Number, AccessLink Target, DateTime MovedAt, IPAddress CareOf, TimeSpan BoundAfter);

/// <summary>
/// One move's figures: the gap the ping stream saw, whether the node had not been on that link before in the run
/// (a first visit: no router to confirm by DNA), and the breakdown from /api/status (null when none matched).
/// </summary>
internal sealed record MoveFigures(HandoverMove Move, PingWindow Seen, bool FirstVisit, JsonElement? Breakdown)
{
    public long? OurShareMs => Step("our_share_ms");

    /// <summary>A step of the breakdown in milliseconds since it started; null when absent.</summary>
    public long? Step(string name) => Breakdown is { } b && b.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
}

/// <summary>What the handover tests (MN and NEMO) share: waiting for ping streams, per-move windows, and the figures.</summary>
internal static class HandoverRun
{
    /// <summary>True once every ping has printed <paramref name="count"/> replies received after <paramref name="since"/>.</summary>
    public static async Task<bool> RepliesAfterAsync(IReadOnlyList<NamespaceProcess> pings, DateTime since, int count, TimeSpan timeout, CancellationToken cancellationToken)
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
    /// Move <paramref name="index"/>'s window of <paramref name="timeline"/>: from the move up to the next one, or up to
    /// <paramref name="endedUtc"/> (when the pings stopped) for the last.
    /// </summary>
    public static PingWindow WindowOf(PingTimeline timeline, IReadOnlyList<HandoverMove> moves, int index, DateTime endedUtc) =>
        timeline.Window(moves[index].MovedAt, index + 1 < moves.Count ? moves[index + 1].MovedAt : endedUtc);

    public static TimeSpan Median(IReadOnlyList<TimeSpan> sorted) => sorted.Count == 0 ? TimeSpan.Zero
        : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);

    /// <summary>The breakdown (/api/status handovers[].breakdown) of the move to <paramref name="careOf"/> reported after <paramref name="movedAt"/>.</summary>
    public static JsonElement? BreakdownOf(JsonElement status, IPAddress careOf, DateTime movedAt)
    {
        foreach (var h in status.GetProperty("handovers").EnumerateArray())
        {
            if (h.GetProperty("to").GetString() == careOf.ToString() && h.GetProperty("when").GetDateTimeOffset() >= movedAt
                && h.TryGetProperty("breakdown", out var b) && b.ValueKind == JsonValueKind.Object)
            {
                return b.Clone();
            }
        }

        return null;
    }

    /// <summary>Links visited before each move, starting on <paramref name="initial"/>: true where the move goes somewhere new.</summary>
    public static bool[] FirstVisits(IReadOnlyList<AccessLink> targets, AccessLink initial)
    {
        var seen = new HashSet<AccessLink> { initial };
        return [.. targets.Select(t => seen.Add(t))];
    }

    /// <summary>The per-move table and the medians: total gap, first visits, revisits, and the appliance's own share.</summary>
    public static string Report(string title, IReadOnlyList<MoveFigures> rows)
    {
        var report = new StringBuilder();
        report.AppendLine(title);
        report.AppendLine("move  to        visit   gap      lost  bound after  breakdown");
        foreach (var r in rows)
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Move.Number,4}  {r.Move.Target,-8}  {(r.FirstVisit ? "first" : "again"),-6}  {Ms(r.Seen.LongestGap),5} ms  {r.Seen.Lost,4}  {Ms(r.Move.BoundAfter),8} ms  {r.Breakdown?.ToString() ?? "-"}");
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"medians over {rows.Count} moves: total gap {MedianMs(rows)} ms; first visit {MedianMs([.. rows.Where(r => r.FirstVisit)])} ms "
            + $"(n={rows.Count(r => r.FirstVisit)}); revisit {MedianMs([.. rows.Where(r => !r.FirstVisit)])} ms (n={rows.Count(r => !r.FirstVisit)}); "
            + $"our share {StepMedian(rows, "our_share_ms")} ms; BA {StepMedian(rows, "binding_ack_ms")} ms and first packet through "
            + $"{StepMedian(rows, "first_packet_ms")} ms after link-up; worst gap {Ms(rows.Max(r => r.Seen.LongestGap))} ms");
        return report.ToString();
    }

    public static TimeSpan MedianGap(IReadOnlyList<MoveFigures> rows) => Median([.. rows.Select(r => r.Seen.LongestGap).Order()]);

    private static string MedianMs(IReadOnlyList<MoveFigures> rows) => rows.Count == 0 ? "-" : Ms(MedianGap(rows));

    private static string StepMedian(IReadOnlyList<MoveFigures> rows, string step)
    {
        var values = rows.Select(r => r.Step(step)).OfType<long>().Order().Select(ms => TimeSpan.FromMilliseconds(ms)).ToList();
        return values.Count == 0 ? "-" : $"{Ms(Median(values))} (n={values.Count})";
    }
}
