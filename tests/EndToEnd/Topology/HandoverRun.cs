using System.Globalization;
using System.Net;
using Shisa.Appliance.Demo;

namespace Shisa.EndToEnd.Tests.Topology;

/// <summary>One move of a handover run: where to, when, the care-of address that got Bound and how long that took.</summary>
internal sealed record HandoverMove(int Number, AccessLink Target, DateTime MovedAt, IPAddress CareOf, TimeSpan BoundAfter);

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
}
