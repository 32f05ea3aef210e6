using Shisa.EndToEnd.Tests.Mobility;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Appliance;

/// <summary>SIGHUP on a running home agent: the profile is read again, and the bindings it does not touch survive.</summary>
[NonParallelizable]
public class ReloadTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Sighup_applies_a_changed_mobile_node_list_and_the_existing_binding_survives(CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1 });
        using var ha = ApplianceInstance.Start(topology, topology.Ha, "ha", Profiles.HomeAgent(), Profiles.HomeAgentStatusPort);
        await ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(20), "the home agent's status page", cancellationToken);
        using var mn = ApplianceInstance.Start(topology, topology.Mn, "mn", Profiles.MobileNode(), Profiles.MobileNodeStatusPort);
        await mn.WaitForStatusAsync(s => HomeRegistrationTests.Bound(s, MobilityTopology.Foreign1Prefix), TimeSpan.FromSeconds(20), "the bound registration", cancellationToken);
        var before = await ha.WaitForStatusAsync(s => HomeRegistrationTests.Cached(s, MobilityTopology.Foreign1Prefix), TimeSpan.FromSeconds(20), "the binding", cancellationToken);
        var binding = before.RootElement.GetProperty("binding_cache")[0];

        ha.RewriteProfile(Profiles.HomeAgent(extraNodes: "[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::101\"\nauthentication = \"none\""));
        Assert.That(ha.Process.Signal("HUP"), Is.True);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!ha.Output.Contains("reload applied", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }

        Assert.That(ha.Output, Does.Contain("reload applied"));
        var after = await ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the status after the reload", cancellationToken);
        var kept = after.RootElement.GetProperty("binding_cache")[0];
        Assert.That(kept.GetProperty("care_of_address").GetString(), Is.EqualTo(binding.GetProperty("care_of_address").GetString()));
        // The same binding, not a new registration after a flush (a retransmitted BU may legitimately have advanced it).
        Assert.That(kept.GetProperty("sequence").GetInt32(), Is.GreaterThanOrEqualTo(binding.GetProperty("sequence").GetInt32()));
        Assert.That(Host.Ping(topology.Cn, MobilityTopology.HomeAddress, count: 2), Is.True, "traffic to the home address still flows");
        Assert.That(ha.Process.HasExited, Is.False);

        // A change that needs a restart is refused and the appliance keeps running on the old profile.
        ha.RewriteProfile(Profiles.HomeAgent().Replace("\"ha\"", "\"ha-renamed\"", StringComparison.Ordinal));
        ha.Process.Signal("HUP");
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!ha.Output.Contains("need a restart", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }

        Assert.That(ha.Output, Does.Contain("changes to [node] need a restart"));
        Assert.That((await ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "status", cancellationToken)).RootElement.GetProperty("node").GetString(), Is.EqualTo("ha"));
    }
}
