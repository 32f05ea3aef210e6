namespace Shisa.EndToEnd.Tests.Topology;

[TestFixture]
public class PingTimelineTests
{
    [Test]
    public void Parses_replies_losses_and_the_longest_gap()
    {
        string[] lines =
        [
            "PING 2001:db8:c::2 (2001:db8:c::2) 56 data bytes",
            "[1700000000.000100] 64 bytes from 2001:db8:c::2: icmp_seq=1 ttl=62 time=0.081 ms",
            "[1700000000.010100] 64 bytes from 2001:db8:c::2: icmp_seq=2 ttl=62 time=0.090 ms",
            "[1700000001.020000] no answer yet for icmp_seq=3",
            "[1700000001.030000] no answer yet for icmp_seq=4",
            "[1700000001.040300] 64 bytes from 2001:db8:c::2: icmp_seq=5 ttl=62 time=0.120 ms",
            "[1700000001.050300] 64 bytes from 2001:db8:c::2: icmp_seq=5 ttl=62 time=0.120 ms (DUP!)",
            "[1700000001.060300] 64 bytes from 2001:db8:c::2: icmp_seq=6 ttl=62 time=1.5 ms",
            "",
            "--- 2001:db8:c::2 ping statistics ---",
            "7 packets transmitted, 4 received, +1 duplicates, 42.8571% packet loss, time 1060ms",
        ];

        var timeline = PingTimeline.Parse(lines);

        Assert.That(timeline.Replies.Select(r => r.Sequence), Is.EqualTo(new[] { 1, 2, 5, 6 }));
        Assert.That(timeline.Unanswered, Is.EqualTo(new[] { 3, 4 }));
        Assert.That(timeline.LongestLossRun, Is.EqualTo(2));
        Assert.That(timeline.LongestGap.TotalMilliseconds, Is.EqualTo(1030.2).Within(0.01));
        Assert.That(timeline.Replies[3].RoundTripMilliseconds, Is.EqualTo(1.5));
        Assert.That(timeline.Transmitted, Is.EqualTo(7));
        Assert.That(timeline.Received, Is.EqualTo(4));
    }

    [Test]
    public void A_window_gives_the_handover_gap_and_loss_and_notices_answers_that_never_came_back()
    {
        var start = DateTime.UnixEpoch.AddSeconds(1_700_000_000);
        string Reply(int seq, double at) => string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"[{1_700_000_000 + at:0.000000}] 64 bytes from 2001:db8:1::100: icmp_seq={seq} ttl=62 time=0.5 ms");
        var timeline = PingTimeline.Parse(
        [
            Reply(1, 0.00), Reply(2, 0.01), Reply(3, 0.02),                  // before the first move at 0.025
            Reply(9, 0.09), Reply(10, 0.10), Reply(11, 0.11), Reply(12, 0.12), // 70 ms gap, 5 lost
            Reply(13, 0.13),                                                  // second move at 0.125: nothing after 0.13
        ]);

        var first = timeline.Window(start.AddSeconds(0.025), start.AddSeconds(0.125));
        Assert.That(first.Restored, Is.True);
        Assert.That(first.LongestGap.TotalMilliseconds, Is.EqualTo(70).Within(0.01));
        Assert.That(first.Lost, Is.EqualTo(5));

        var second = timeline.Window(start.AddSeconds(0.125), start.AddSeconds(5));
        Assert.That(second.Restored, Is.False, "a reply in flight at the move is no recovery");
        Assert.That(second.LongestGap.TotalMilliseconds, Is.EqualTo(4870).Within(0.01));
    }

    [Test]
    public void Back_to_back_windows_each_count_only_their_own_move_s_silence()
    {
        var start = DateTime.UnixEpoch.AddSeconds(1_700_000_000);
        string Reply(int seq, double at) => string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"[{1_700_000_000 + at:0.000000}] 64 bytes from 2001:db8:1::100: icmp_seq={seq} ttl=62 time=0.5 ms");
        var timeline = PingTimeline.Parse(
        [
            Reply(1, 0.00), Reply(2, 0.01),                    // move 1 at 0.015
            Reply(6, 0.05), Reply(7, 0.06), Reply(8, 0.07),    // 40 ms gap, 3 lost; move 2 at 0.075
            Reply(28, 0.27), Reply(29, 0.28),                  // 200 ms gap, 19 lost
        ]);

        var first = timeline.Window(start.AddSeconds(0.015), start.AddSeconds(0.075));
        var second = timeline.Window(start.AddSeconds(0.075), start.AddSeconds(0.3));
        Assert.Multiple(() =>
        {
            Assert.That(first.LongestGap.TotalMilliseconds, Is.EqualTo(40).Within(0.01), "not the next move's 200 ms");
            Assert.That(first.Lost, Is.EqualTo(3));
            Assert.That(second.LongestGap.TotalMilliseconds, Is.EqualTo(200).Within(0.01));
            Assert.That(second.Lost, Is.EqualTo(19));
            Assert.That(first.Lost + second.Lost, Is.EqualTo(22), "each lost echo counted once");
        });
    }
}
