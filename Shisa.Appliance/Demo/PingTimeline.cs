using System.Globalization;
using System.Text.RegularExpressions;

namespace Shisa.Appliance.Demo;

/// <summary>One echo reply: its sequence number, when it arrived (ping -D) and its round-trip time.</summary>
public readonly record struct PingReply(int Sequence, DateTime ReceivedUtc, double RoundTripMilliseconds);

/// <summary>What a ping stream saw in one window of time: its longest silence, the echoes lost, whether answers came back.</summary>
public readonly record struct PingWindow(TimeSpan LongestGap, int Lost, bool Restored);

/// <summary>
/// The per-packet delivery timeline of a <c>ping -6 -D -O -i INTERVAL</c> run, to measure handover gaps: which
/// sequence numbers were answered and when, which were reported unanswered, and the longest silence.
/// </summary>
public sealed partial class PingTimeline
{
    private PingTimeline(IReadOnlyList<PingReply> replies, IReadOnlyList<int> unanswered, int? transmitted, int? received)
    {
        Replies = replies;
        Unanswered = unanswered;
        Transmitted = transmitted;
        Received = received;
    }

    /// <summary>Answers in arrival order (duplicates included once).</summary>
    public IReadOnlyList<PingReply> Replies { get; }

    /// <summary>Sequence numbers ping reported as "no answer yet" and that were never answered.</summary>
    public IReadOnlyList<int> Unanswered { get; }

    /// <summary>From the summary line, when ping printed one.</summary>
    public int? Transmitted { get; }

    public int? Received { get; }

    /// <summary>The longest time between two consecutive answers (zero with fewer than two).</summary>
    public TimeSpan LongestGap
    {
        get
        {
            var longest = TimeSpan.Zero;
            for (int i = 1; i < Replies.Count; i++)
            {
                var gap = Replies[i].ReceivedUtc - Replies[i - 1].ReceivedUtc;
                if (gap > longest)
                {
                    longest = gap;
                }
            }

            return longest;
        }
    }

    /// <summary>The longest run of consecutive sequence numbers with no answer, between the first and last answer.</summary>
    public int LongestLossRun
    {
        get
        {
            int longest = 0;
            var answered = Replies.Select(r => r.Sequence).Order().Distinct().ToArray();
            for (int i = 1; i < answered.Length; i++)
            {
                longest = Math.Max(longest, answered[i] - answered[i - 1] - 1);
            }

            return longest;
        }
    }

    /// <summary>
    /// The longest silence that ended after <paramref name="fromUtc"/> and no later than <paramref name="toUtc"/>
    /// (a handover's gap, with <paramref name="fromUtc"/> the moment of the move and <paramref name="toUtc"/> the
    /// next one), and how many sequence numbers went unanswered inside those silences. A silence still going on at <paramref name="toUtc"/> that is longer
    /// than a second means the answers never came back: <see cref="PingWindow.Restored"/> is false and the gap is
    /// that silence so far.
    /// </summary>
    public PingWindow Window(DateTime fromUtc, DateTime toUtc)
    {
        var gap = TimeSpan.Zero;
        int lost = 0;
        DateTime? last = null;
        for (int i = 0; i < Replies.Count; i++)
        {
            var reply = Replies[i];
            if (reply.ReceivedUtc < toUtc && (last is null || reply.ReceivedUtc > last))
            {
                last = reply.ReceivedUtc;
            }

            if (i == 0)
            {
                continue;
            }

            var before = Replies[i - 1];
            // A silence belongs to the window it ends in: the one running into toUtc is the next move's.
            if (reply.ReceivedUtc <= fromUtc || reply.ReceivedUtc > toUtc)
            {
                continue;
            }

            var silence = reply.ReceivedUtc - before.ReceivedUtc;
            if (silence > gap)
            {
                gap = silence;
            }

            lost += Math.Max(0, reply.Sequence - before.Sequence - 1);
        }

        var trailing = last is { } l ? toUtc - l : toUtc - fromUtc;
        return trailing > TimeSpan.FromSeconds(1) && trailing > gap
            ? new PingWindow(trailing, lost, Restored: false)
            : new PingWindow(gap, lost, Restored: true);
    }

    /// <summary>Parses ping's output lines (with -D time stamps; lines without one get none and are skipped).</summary>
    public static PingTimeline Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        List<PingReply> replies = [];
        HashSet<int> seen = [];
        HashSet<int> noAnswer = [];
        int? transmitted = null;
        int? received = null;
        foreach (string line in lines)
        {
            var reply = ReplyLine().Match(line);
            if (reply.Success)
            {
                int sequence = int.Parse(reply.Groups["seq"].Value, CultureInfo.InvariantCulture);
                if (seen.Add(sequence))
                {
                    double seconds = double.Parse(reply.Groups["ts"].Value, CultureInfo.InvariantCulture);
                    var when = DateTime.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
                    double rtt = double.Parse(reply.Groups["rtt"].Value, CultureInfo.InvariantCulture);
                    replies.Add(new PingReply(sequence, when, rtt));
                }

                continue;
            }

            var missing = NoAnswerLine().Match(line);
            if (missing.Success)
            {
                noAnswer.Add(int.Parse(missing.Groups["seq"].Value, CultureInfo.InvariantCulture));
                continue;
            }

            var summary = SummaryLine().Match(line);
            if (summary.Success)
            {
                transmitted = int.Parse(summary.Groups["tx"].Value, CultureInfo.InvariantCulture);
                received = int.Parse(summary.Groups["rx"].Value, CultureInfo.InvariantCulture);
            }
        }

        noAnswer.ExceptWith(seen);
        return new PingTimeline(replies, [.. noAnswer.Order()], transmitted, received);
    }

    [GeneratedRegex(@"^\[(?<ts>\d+\.\d+)\] \d+ bytes from .*icmp_seq=(?<seq>\d+) .*time=(?<rtt>[\d.]+) ms")]
    private static partial Regex ReplyLine();

    [GeneratedRegex(@"no answer yet for icmp_seq=(?<seq>\d+)")]
    private static partial Regex NoAnswerLine();

    [GeneratedRegex(@"^(?<tx>\d+) packets transmitted, (?<rx>\d+) (packets )?received")]
    private static partial Regex SummaryLine();
}
