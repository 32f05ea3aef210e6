using System.Diagnostics;
using Shisa.EndToEnd.Tests.Topology;
using static Shisa.EndToEnd.Tests.Topology.HandoverRun;

namespace Shisa.EndToEnd.Tests.Nemo;

/// <summary>
/// The mobile router moves between the foreign links under a 10 ms ping stream from mnn (plain Linux behind it) to
/// cn: per move, the gap mnn sees (the longest silence around the move), the echoes lost and the time until the
/// router's status shows the new care-of address Bound. The numbers are printed; the asserts demand that traffic
/// resumes after every move. In both modes (RFC 3963 5.2): explicit, with Mobile Network Prefix options, and
/// implicit, without (the home agent routes the prefixes it lists for the router).
/// </summary>
[NonParallelizable]
public class NemoHandoverTests
{
    private static readonly TimeSpan Resumption = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Dwell = TimeSpan.FromMilliseconds(300);

    [Test]
    [CancelAfter(150_000)]
    public async Task Explicit_mode_the_mobile_network_keeps_reaching_the_correspondent_across_ten_moves_and_back_home(CancellationToken cancellationToken)
    {
        using var session = await NemoSession.StartAsync(NemoProfiles.MobileRouter("explicit"), cancellationToken);
        await MoveAroundAsync(session, 10, "explicit", cancellationToken);
        await ReturnHomeAsync(session, cancellationToken);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Implicit_mode_registers_the_home_agents_prefixes_and_the_mobile_network_keeps_reaching_the_correspondent_across_moves(CancellationToken cancellationToken)
    {
        using var session = await NemoSession.StartAsync(NemoProfiles.MobileRouter("implicit"), cancellationToken);

        // No Mobile Network Prefix option on the wire: the home agent routes what its profile lists for the router.
        var binding = await session.WaitForCachedAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(binding.Prefixes, Is.EqualTo(new[] { NemoProfiles.GrantedPrefix }), "the home agent's binding cache entry");
        Assert.That(binding.Flags, Does.Contain("R"));
        var entry = await session.WaitForBoundAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(entry.Prefixes, Is.EqualTo(new[] { NemoProfiles.GrantedPrefix }), "the mobile router's binding update list entry");
        Assert.That(Host.Ping(session.Topology.Cn, MobilityTopology.MobileNetworkNodeAddress, count: 3), Is.True, "cn -> mnn");

        await MoveAroundAsync(session, 10, "implicit", cancellationToken);
    }

    /// <summary>Moves ar1 -> ar2 -> ar1 ... <paramref name="moves"/> times under mnn's ping stream; prints the table.</summary>
    private static async Task MoveAroundAsync(NemoSession session, int moves, string mode, CancellationToken cancellationToken)
    {
        var topology = session.Topology;
        await session.WaitForBoundAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(await Host.PingUntilAsync(topology.Mnn, MobilityTopology.CorrespondentAddress, Resumption), Is.True, $"mnn -> cn before moving\nmr:\n{session.Mr.Output}");
        using var ping = topology.StartPing(topology.Mnn, MobilityTopology.CorrespondentAddress);
        Assert.That(await RepliesAfterAsync([ping], DateTime.UtcNow, 20, Resumption, cancellationToken), Is.True, "the ping stream does not start");

        List<HandoverMove> done = [];
        List<System.Text.Json.JsonElement?> breakdowns = [];
        for (int i = 0; i < moves; i++)
        {
            var target = i % 2 == 0 ? AccessLink.Foreign2 : AccessLink.Foreign1;
            var movedAt = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            topology.MoveTo(target);
            var bound = await session.WaitForBoundAsync(MobilityTopology.PrefixOf(target), cancellationToken);
            var boundAfter = clock.Elapsed;
            bool resumed = await RepliesAfterAsync([ping], movedAt, 20, Resumption, cancellationToken);
            Assert.That(resumed, Is.True, $"move {i + 1} to {target}: mnn -> cn did not resume within {Resumption.TotalSeconds} s\nmr:\n{session.Mr.Output}");
            done.Add(new HandoverMove(i + 1, target, movedAt, bound.CareOfAddress, boundAfter));
            using var status = await session.Mr.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the status", cancellationToken);
            breakdowns.Add(BreakdownOf(status.RootElement, bound.CareOfAddress, movedAt));
            await Task.Delay(Dwell, cancellationToken);
        }

        Assert.That(ping.Interrupt(TimeSpan.FromSeconds(3)), Is.True, "ping stops on SIGINT");
        var ended = DateTime.UtcNow;
        var timeline = PingTimeline.Parse(ping.StandardOutput);
        var first = FirstVisits([.. done.Select(m => m.Target)], AccessLink.Foreign1);
        var rows = done.Select((m, i) => new MoveFigures(m, WindowOf(timeline, done, i, ended), first[i], breakdowns[i])).ToList();
        TestContext.Out.WriteLine(Report($"mobile router's network, NEMO {mode} mode, {moves} moves, routers advertising every 1-3 s, 10 ms pings mnn -> cn "
            + $"(lost {rows.Sum(r => r.Seen.Lost)} of {timeline.Transmitted} echoes)", rows));

        foreach (var r in rows)
        {
            Assert.That(r.Seen.Restored && r.Seen.LongestGap < Resumption, Is.True, $"mnn -> cn after move {r.Move.Number}: {r.Seen}");
        }

        Assert.That(MedianGap([.. rows.Where(r => !r.FirstVisit)]), Is.LessThan(TimeSpan.FromSeconds(1)),
            "a revisit confirmed by DNA waits neither for an advertisement nor for DAD (loose bound; the target is 100 ms)");
    }

    /// <summary>
    /// Back on the home link the router deregisters (RFC 6275 11.5.4, with R: RFC 3963 5.2); both tables empty, and
    /// the mobile network stays reachable natively: the home agent routes the prefix to the router's home address on
    /// the home link (RFC 3963 6.1.2's prefix table, as a plain route).
    /// </summary>
    private static async Task ReturnHomeAsync(NemoSession session, CancellationToken cancellationToken)
    {
        var topology = session.Topology;
        topology.MoveTo(AccessLink.Home);
        using var mr = await session.Mr.WaitForStatusAsync(s => !NemoSession.UpdateList(s).Any(e => e.State == "Bound"), NemoSession.Registration,
            "the mobile router deregistered at home", cancellationToken);
        using var ha = await session.Ha.WaitForStatusAsync(s => !NemoSession.Cache(s).Any(), NemoSession.Registration,
            "the home agent's binding gone", cancellationToken);
        string route = Host.Run("ip", "-n", topology.Ha, "-6", "route", "get", MobilityTopology.MobileNetworkNodeAddress.ToString()).StandardOutput;
        Assert.That(route, Does.Contain($"via {NemoProfiles.RouterHomeAddress} dev {MobilityTopology.HomeBridge}"), "the home agent's route to the mobile network");
        Assert.That(await Host.PingUntilAsync(topology.Mnn, MobilityTopology.CorrespondentAddress, Resumption), Is.True,
            $"mnn -> cn at home\nmr:\n{session.Mr.Output}\nha:\n{session.Ha.Output}");
        Assert.That(Host.Ping(topology.Cn, MobilityTopology.MobileNetworkNodeAddress, count: 3), Is.True, "cn -> mnn at home");
    }

}
