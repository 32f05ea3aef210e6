using System.Net;
using System.Text.Json;
using Shisa.EndToEnd.Tests.Appliance;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// Issue 3 over real packets: our appliance as home agent (in ha) and as mobile node (in mn), plain Linux
/// everywhere else (cn runs no mobility software at all).
/// </summary>
[NonParallelizable]
public class HomeRegistrationTests
{
    private static readonly TimeSpan Registration = TimeSpan.FromSeconds(20);

    internal static bool Bound(JsonElement status, IPNetwork careOfPrefix) =>
        status.GetProperty("binding_update_list").EnumerateArray().Any(e =>
            e.GetProperty("state").GetString() == "Bound"
            && careOfPrefix.Contains(IPAddress.Parse(e.GetProperty("care_of_address").GetString()!)));

    internal static bool Cached(JsonElement status, IPNetwork careOfPrefix) =>
        status.GetProperty("binding_cache").EnumerateArray().Any(e =>
            e.GetProperty("home_address").GetString() == "2001:db8:1::100"
            && careOfPrefix.Contains(IPAddress.Parse(e.GetProperty("care_of_address").GetString()!)));

    [Test]
    [CancelAfter(120_000)]
    public async Task Mobile_node_away_registers_and_the_home_address_reaches_a_plain_correspondent_both_ways(CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1 });
        using var ha = ApplianceInstance.Start(topology, topology.Ha, "ha", Profiles.HomeAgent(), Profiles.HomeAgentStatusPort);
        await ha.WaitForStatusAsync(_ => true, Registration, "the home agent's status page", cancellationToken);
        using var mn = ApplianceInstance.Start(topology, topology.Mn, "mn", Profiles.MobileNode(), Profiles.MobileNodeStatusPort);

        var mnStatus = await mn.WaitForStatusAsync(s => Bound(s, MobilityTopology.Foreign1Prefix), Registration, "a bound home registration from ar1", cancellationToken);
        var haStatus = await ha.WaitForStatusAsync(s => Cached(s, MobilityTopology.Foreign1Prefix), Registration, "the binding at the home agent", cancellationToken);
        var entry = mnStatus.RootElement.GetProperty("binding_update_list")[0];
        Assert.That(entry.GetProperty("peer").GetString(), Is.EqualTo("2001:db8:1::1"));
        Assert.That(entry.GetProperty("home_address").GetString(), Is.EqualTo("2001:db8:1::100"));
        var binding = haStatus.RootElement.GetProperty("binding_cache")[0];
        Assert.That(binding.GetProperty("care_of_address").GetString(), Is.EqualTo(entry.GetProperty("care_of_address").GetString()));
        Assert.That(binding.GetProperty("flags").GetString(), Does.Contain("H"));

        var careOf = IPAddress.Parse(entry.GetProperty("care_of_address").GetString()!);
        using var capture = LinkCapture.Start(topology.Core, "core-ar1");
        Assert.That(Host.Ping(topology.Mn, MobilityTopology.CorrespondentAddress, count: 3, source: MobilityTopology.HomeAddress), Is.True, "ping from the home address to cn");
        Assert.That(Host.Ping(topology.Cn, MobilityTopology.HomeAddress, count: 3), Is.True, "ping from cn to the home address");
        // Mobility signalling goes as it must (a Mobile Prefix Solicitation with a HAO right after binding, its
        // advertisement with an RH2, refreshes): what is checked here is the data.
        var packets = capture.Stop()
            .Where(p => !p.Source.IsIPv6LinkLocal && !p.Destination.IsIPv6LinkLocal && !p.Destination.IsIPv6Multicast)
            .Where(p => p.NextHeader is not (60 or 43 or 135))
            .ToList();
        TestContext.Out.WriteLine(string.Join('\n', packets));

        // Only tunnelled packets between the care-of address and the home agent cross the foreign uplink.
        Assert.That(packets, Has.Count.GreaterThanOrEqualTo(12), "3 + 3 echo requests and replies, each through the tunnel");
        Assert.That(packets, Has.All.Matches<SeenPacket>(p =>
            p.NextHeader == 41
            && ((p.Source.Equals(careOf) && p.Destination.Equals(MobilityTopology.HomeAgentAddress))
                || (p.Source.Equals(MobilityTopology.HomeAgentAddress) && p.Destination.Equals(careOf)))));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_node_on_the_home_link_reaches_the_away_mobile_node_through_the_home_agents_own_neighbor_advertisements(CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        using var session = await MobilitySession.StartAsync(cancellationToken);
        await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);

        // A plain host plugged into the home link: it resolves the home address by Neighbor Discovery, which the home
        // agent answers itself (RFC 6275 10.4.1); the kernel holds no proxy entry for it.
        string neighbor = session.Topology.Ha + "-nb";
        var address = IPAddress.Parse("2001:db8:1::50");
        Host.Run("ip", "netns", "add", neighbor);
        try
        {
            Host.Run("ip", "-n", session.Topology.Ha, "link", "add", "nbp", "type", "veth", "peer", "name", "nb0", "netns", neighbor);
            Host.Run("ip", "-n", session.Topology.Ha, "link", "set", "nbp", "master", MobilityTopology.HomeBridge, "up");
            Host.Run("ip", "-n", neighbor, "link", "set", "lo", "up");
            Host.Run("ip", "-n", neighbor, "link", "set", "nb0", "up");
            Host.Run("ip", "-n", neighbor, "-6", "addr", "add", $"{address}/64", "dev", "nb0", "nodad");
            Assert.That(Host.Run("ip", "-n", session.Topology.Ha, "-6", "neigh", "show", "proxy").StandardOutput, Does.Not.Contain("2001:db8:1::100"), "no kernel proxy entry");

            Assert.That(await Host.PingUntilAsync(neighbor, MobilityTopology.HomeAddress, TimeSpan.FromSeconds(10)), Is.True, $"home link -> home address\n{session.Diagnostics()}");

            string bridgeMac = Host.Run("ip", "-n", session.Topology.Ha, "-br", "link", "show", MobilityTopology.HomeBridge).StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
            string cached = Host.Run("ip", "-n", neighbor, "-6", "neigh", "show", "2001:db8:1::100").StandardOutput;
            TestContext.Out.WriteLine($"home link neighbour cache: {cached.Trim()} (home agent {bridgeMac})");
            Assert.That(cached, Does.Contain($"lladdr {bridgeMac}"), "the home address resolves to the home agent's link-layer address");
        }
        finally
        {
            Host.TryRun("ip", "netns", "del", neighbor);
        }
    }
}
