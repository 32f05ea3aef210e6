using System.Diagnostics;
using Shisa.EndToEnd.Tests.Appliance;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// Issue 10 / DESIGN 5: the home agent's binding cache outlives the process. A mobile node registered before a
/// home agent restart (SIGTERM or kill -9) keeps receiving tunnelled traffic after it, without a new Binding Update;
/// what a killed instance left in the kernel converges at the restart; a second instance on the same state directory
/// is refused and the first keeps its table and routes.
/// </summary>
[NonParallelizable]
public class PersistenceTests
{
    [TestCase(false, TestName = "Binding_survives_a_SIGTERM_restart_of_the_home_agent_without_a_new_BU")]
    [TestCase(true, TestName = "Binding_survives_a_kill_9_restart_of_the_home_agent_without_a_new_BU_and_leftovers_converge")]
    [CancelAfter(120_000)]
    public async Task Binding_survives_a_home_agent_restart(bool kill, CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken);
        var (entry, _) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10)), Is.True, "traffic before the restart");

        using var capture = LinkCapture.Start(session.Topology.Mn, MobilityTopology.MobileInterface);
        var clock = Stopwatch.StartNew();
        if (kill)
        {
            session.Ha.Kill();

            // A leftover of ours the restart must remove: a route with the appliance's protocol tag.
            Host.Exec(session.Topology.Ha, "ip", "-6", "route", "add", "2001:db8:1::99/128", "dev", "lo", "proto", "83");
        }
        else
        {
            Assert.That(session.Ha.Stop(TimeSpan.FromSeconds(5)), Is.EqualTo(0), session.Ha.Output);
        }

        using var restarted = ApplianceInstance.Start(session.Topology, session.Topology.Ha, "ha", session.HomeAgentProfile, Profiles.HomeAgentStatusPort);
        await restarted.WaitForStatusAsync(s => MobilitySession.CachedAt(s, entry.CareOfAddress) is not null, TimeSpan.FromSeconds(20), "the restored binding", cancellationToken);
        bool delivered = await Host.PingUntilAsync(session.Topology.Cn, MobilityTopology.HomeAddress, TimeSpan.FromSeconds(10));
        TestContext.Out.WriteLine($"{(kill ? "kill -9" : "SIGTERM")}: stop to tunnelled traffic again: {clock.ElapsedMilliseconds} ms");
        var frames = capture.Stop();

        Assert.That(delivered, Is.True, $"cn -> home address through the restarted home agent\n{restarted.Output}\n{session.Diagnostics()}");
        Assert.That(frames.Where(f => f.MobilityType == 5), Is.Empty, "no Binding Update was needed");
        Assert.That(frames.Count(f => f.NextHeader == Shisa.DataPlane.Wire.IpProtocol.Ipv6 && f.Destination.Equals(entry.CareOfAddress)), Is.GreaterThan(0), "tunnelled to the care-of address");
        string routes = Host.Exec(session.Topology.Ha, "ip", "-6", "route", "show", "table", "all").StandardOutput;
        Assert.That(routes, Does.Not.Contain("2001:db8:1::99"), "the leftover route of ours is gone");
        Assert.That(Count(routes, "2001:db8:1::100 dev shisa0"), Is.EqualTo(1), routes);
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task A_second_instance_on_the_same_state_directory_is_refused_and_the_first_keeps_its_state(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken);
        string before = KernelSnapshot(session.Topology.Ha);

        // The same instance name: the same profile and state directory as the running home agent.
        using var second = ApplianceInstance.Start(session.Topology, session.Topology.Ha, "ha", session.HomeAgentProfile, Profiles.HomeAgentStatusPort + 10);
        Assert.That(second.Process.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "the second instance exits");
        Assert.That(second.Process.ExitCode, Is.EqualTo(1), second.Output);
        Assert.That(second.Output, Does.Match(@"another instance \(pid \d+\)"), second.Output);
        Assert.That(KernelSnapshot(session.Topology.Ha), Is.EqualTo(before), "the first instance's table, routes and proxy entries are untouched");
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(5)), Is.True);
    }

    private static string KernelSnapshot(string ns) =>
        Host.Exec(ns, "nft", "list", "tables").StandardOutput
        + Host.Exec(ns, "ip", "-6", "route", "show", "table", "all", "proto", "83").StandardOutput
        + Host.Exec(ns, "ip", "-6", "neigh", "show", "proxy").StandardOutput;

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));
}
