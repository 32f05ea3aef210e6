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
}
