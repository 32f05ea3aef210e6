using System.Diagnostics;
using System.Net;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// DESIGN 5 and 6: stopped, the appliances leave the kernel as they found it (the mobile node deregistered first);
/// killed, what they leave does not break plain routing, and a restart replaces it.
/// </summary>
[NonParallelizable]
public class StoppingTests
{
    [Test]
    [CancelAfter(90_000)]
    public async Task SIGTERM_deregisters_exits_0_and_leaves_plain_routing_and_nothing_of_ours(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken);
        var (entry, _) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);

        var clock = Stopwatch.StartNew();
        Assert.That(session.Mn.Stop(TimeSpan.FromSeconds(5)), Is.EqualTo(0), $"the mobile node exits 0 within 5 s\n{session.Mn.Output}");
        TestContext.Out.WriteLine($"mobile node stopped in {clock.ElapsedMilliseconds} ms");
        var cache = await session.CacheAsync(cancellationToken);
        Assert.That(cache, Is.Empty, $"the mobile node deregistered on stop\n{session.Ha.Output}");

        clock.Restart();
        Assert.That(session.Ha.Stop(TimeSpan.FromSeconds(5)), Is.EqualTo(0), $"the home agent exits 0 within 5 s\n{session.Ha.Output}");
        TestContext.Out.WriteLine($"home agent stopped in {clock.ElapsedMilliseconds} ms");

        foreach (string ns in (string[])[session.Topology.Ha, session.Topology.Mn])
        {
            var state = KernelState.Read(ns);
            Assert.Multiple(() =>
            {
                Assert.That(state.ShisaTables, Is.Zero, $"{ns}: nft tables\n{state.Tables}");
                Assert.That(state.Routes, Does.Not.Contain("shisa0").And.Not.Contain("2001:db8:1::100 "), $"{ns}: routes");
                Assert.That(state.Proxies, Does.Not.Contain("2001:db8:1::100"), $"{ns}: proxy entries");
                Assert.That(state.PolicyRulesOfOurs, Is.Zero, $"{ns}: policy rules\n{state.Rules}");
                Assert.That(state.TunnelExists, Is.False, $"{ns}: the TUN");
            });
        }

        await AssertPlainRoutingAsync(session.Topology, entry.CareOfAddress);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task After_kill_9_plain_routing_works_and_a_restart_replaces_what_was_left(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken);
        var (entry, _) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10)), Is.True);

        session.Mn.Kill();
        session.Ha.Kill();
        TestContext.Out.WriteLine($"left behind in mn:\n{KernelState.Read(session.Topology.Mn)}\nleft behind in ha:\n{KernelState.Read(session.Topology.Ha)}");
        await AssertPlainRoutingAsync(session.Topology, entry.CareOfAddress);

        // The same profiles again: they come up over the leftovers, register, and carry traffic.
        await session.StartAppliancesAsync(cancellationToken);
        await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10)), Is.True, $"HoA <-> cn after the restart\n{session.Diagnostics()}");

        var mn = KernelState.Read(session.Topology.Mn);
        var ha = KernelState.Read(session.Topology.Ha);
        TestContext.Out.WriteLine($"after the restart, mn:\n{mn}\nha:\n{ha}");
        Assert.Multiple(() =>
        {
            Assert.That(mn.ShisaTables, Is.EqualTo(1), "one table in mn");
            Assert.That(ha.ShisaTables, Is.EqualTo(1), "one table in ha");
            Assert.That(mn.PolicyRulesOfOurs, Is.EqualTo(1), $"one source rule for the home address\n{mn.Rules}");
            Assert.That(Count(mn.Routes, "default dev shisa0 table 1910"), Is.EqualTo(1), "one default route into the TUN");
            Assert.That(Count(ha.Routes, "2001:db8:1::100 dev shisa0"), Is.EqualTo(1), "one route of the home address into the TUN");
            Assert.That(Count(ha.Proxies, "2001:db8:1::100"), Is.Zero, "no kernel proxy entry: the home agent answers solicitations itself");
        });
    }

    /// <summary>cn reaches the mobile node's care-of address and the mobile node reaches cn from it: plain IPv6 only.</summary>
    private static async Task AssertPlainRoutingAsync(MobilityTopology topology, IPAddress careOf)
    {
        Assert.That(await Host.PingUntilAsync(topology.Cn, careOf, TimeSpan.FromSeconds(5)), Is.True, $"cn -> care-of address {careOf}\n{KernelState.Read(topology.Mn)}");
        Assert.That(await Host.PingUntilAsync(topology.Mn, MobilityTopology.CorrespondentAddress, TimeSpan.FromSeconds(5), careOf), Is.True, "care-of address -> cn");
        Assert.That(await Host.PingUntilAsync(topology.Cn, MobilityTopology.HomeAgentAddress, TimeSpan.FromSeconds(5)), Is.True, "cn -> home agent");
    }

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

    private sealed record KernelState(string Tables, string Routes, string Rules, string Proxies, bool TunnelExists)
    {
        public int ShisaTables => Count(Tables, "table ip6 shisa");

        public int PolicyRulesOfOurs => Count(Rules, "lookup 1910");

        public static KernelState Read(string ns) => new(
            Host.Exec(ns, "nft", "list", "tables").StandardOutput,
            Host.Exec(ns, "ip", "-6", "route", "show", "table", "all").StandardOutput,
            Host.Exec(ns, "ip", "-6", "rule").StandardOutput,
            Host.Exec(ns, "ip", "-6", "neigh", "show", "proxy").StandardOutput,
            Host.TryExec(ns, "ip", "link", "show", "dev", "shisa0").Succeeded);

        public override string ToString() => $"{Tables}\n{Rules}\n{Proxies}\n{Routes}";
    }
}
