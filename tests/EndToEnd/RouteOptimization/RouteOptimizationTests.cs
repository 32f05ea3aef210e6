using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Shisa.EndToEnd.Tests.Appliance;
using Shisa.EndToEnd.Tests.Mobility;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.RouteOptimization;

/// <summary>
/// Issue 5 item 3 over real packets: our appliances as home agent (ha), mobile node (mn, route_optimization = true)
/// and correspondent (cn); and a plain Linux cn, which refuses the Mobility Header with a Parameter Problem.
/// </summary>
[NonParallelizable]
public partial class RouteOptimizationTests
{
    private static readonly TimeSpan Registration = TimeSpan.FromSeconds(20);
    private static readonly IPAddress Cn = MobilityTopology.CorrespondentAddress;
    private static readonly IPAddress HomeAddress = MobilityTopology.HomeAddress;

    [Test]
    [CancelAfter(240_000)]
    public async Task Traffic_with_a_correspondent_appliance_goes_direct_after_return_routability_and_again_after_a_move(CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");

        // Short prefix lifetimes: after the move the ar1 care-of address expires within seconds. With the default 120 s
        // the movement detector (method "link") keeps choosing that stale address on the new link, never ar2's.
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1, AdvValidLifetime = 5, AdvPreferredLifetime = 3 });
        using var ha = ApplianceInstance.Start(topology, topology.Ha, "ha", Profiles.HomeAgent(), Profiles.HomeAgentStatusPort);
        using var cn = ApplianceInstance.Start(topology, topology.Cn, "cn", RouteOptimizationProfiles.Correspondent(), Profiles.CorrespondentStatusPort);
        await ha.WaitForStatusAsync(_ => true, Registration, "the home agent's status page", cancellationToken);
        await cn.WaitForStatusAsync(_ => true, Registration, "the correspondent's status page", cancellationToken);
        using var mn = ApplianceInstance.Start(topology, topology.Mn, "mn", RouteOptimizationProfiles.MobileNode(), Profiles.MobileNodeStatusPort);
        await mn.WaitForStatusAsync(s => HomeRegistrationTests.Bound(s, MobilityTopology.Foreign1Prefix), Registration, "a bound home registration from ar1", cancellationToken);

        // (a) The first packets go through the tunnel; the answer through the reverse tunnel hints return routability.
        Assert.That(await Host.PingUntilAsync(topology.Mn, Cn, Registration, HomeAddress), Is.True, "ping from the home address to cn");
        using var background = topology.StartPing(topology.Mn, Cn, 0.2, HomeAddress);
        var mnStatus = await mn.WaitForStatusAsync(s => BoundWith(s, MobilityTopology.Foreign1Prefix), Registration, "a binding with cn", cancellationToken);
        var cnStatus = await cn.WaitForStatusAsync(s => Cached(s, MobilityTopology.Foreign1Prefix), Registration, "the binding at cn", cancellationToken);
        var careOf = CareOf(mnStatus.RootElement);
        Assert.That(Counter(mnStatus.RootElement, "dataplane_rr_hints"), Is.GreaterThanOrEqualTo(1));
        background.Dispose();

        using (var capture = LinkCapture.Start(topology.Core, "core-ar1"))
        {
            var optimized = Rtts(topology.Mn, Cn, HomeAddress, 20);
            var packets = Global(capture.Stop());
            TestContext.Out.WriteLine(string.Join('\n', packets));
            AssertDirect(packets, careOf);
            TestContext.Out.WriteLine($"RTT to cn, route-optimized from {careOf}: median {Median(optimized):F3} ms over {optimized.Count} replies");
            Assert.That(optimized, Has.Count.GreaterThanOrEqualTo(18));
        }

        mnStatus = await mn.WaitForStatusAsync(_ => true, Registration, "the status", cancellationToken);
        cnStatus = await cn.WaitForStatusAsync(_ => true, Registration, "the status", cancellationToken);
        Assert.That(Counter(mnStatus.RootElement, "dataplane_ro_hao_sent"), Is.GreaterThanOrEqualTo(20));
        Assert.That(Counter(mnStatus.RootElement, "dataplane_ro_rh2_received"), Is.GreaterThanOrEqualTo(18));
        Assert.That(Counter(cnStatus.RootElement, "dataplane_ro_hao_received"), Is.GreaterThanOrEqualTo(20));
        Assert.That(Counter(cnStatus.RootElement, "dataplane_ro_rh2_sent"), Is.GreaterThanOrEqualTo(18));

        // (b) Moved to ar2: return routability again from the new care-of address, and traffic direct from it.
        topology.MoveTo(AccessLink.Foreign2);
        await mn.WaitForStatusAsync(s => HomeRegistrationTests.Bound(s, MobilityTopology.Foreign2Prefix), Registration, "a bound home registration from ar2", cancellationToken);
        using (var moving = topology.StartPing(topology.Mn, Cn, 0.2, HomeAddress))
        {
            mnStatus = await mn.WaitForStatusAsync(s => BoundWith(s, MobilityTopology.Foreign2Prefix), Registration, "a binding with cn from ar2", cancellationToken);
            await cn.WaitForStatusAsync(s => Cached(s, MobilityTopology.Foreign2Prefix), Registration, "the new binding at cn", cancellationToken);
        }

        var newCareOf = CareOf(mnStatus.RootElement);
        using (var capture = LinkCapture.Start(topology.Core, "core-ar2"))
        {
            Assert.That(Rtts(topology.Mn, Cn, HomeAddress, 10), Has.Count.GreaterThanOrEqualTo(9));
            var packets = Global(capture.Stop());
            TestContext.Out.WriteLine(string.Join('\n', packets));
            AssertDirect(packets, newCareOf);
        }
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task A_plain_linux_correspondent_keeps_the_tunnel_and_is_given_up_after_the_first_failure(CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1 });
        using var ha = ApplianceInstance.Start(topology, topology.Ha, "ha", Profiles.HomeAgent(), Profiles.HomeAgentStatusPort);
        await ha.WaitForStatusAsync(_ => true, Registration, "the home agent's status page", cancellationToken);
        using var mn = ApplianceInstance.Start(topology, topology.Mn, "mn", RouteOptimizationProfiles.MobileNode(), Profiles.MobileNodeStatusPort);
        var mnStatus = await mn.WaitForStatusAsync(s => HomeRegistrationTests.Bound(s, MobilityTopology.Foreign1Prefix), Registration, "a bound home registration from ar1", cancellationToken);
        var careOf = IPAddress.Parse(mnStatus.RootElement.GetProperty("binding_update_list")[0].GetProperty("care_of_address").GetString()!);

        // The first packets through the tunnel start return routability; cn's kernel refuses the Mobility Header.
        Assert.That(await Host.PingUntilAsync(topology.Mn, Cn, Registration, HomeAddress), Is.True, "ping from the home address to cn");
        Assert.That(Host.Ping(topology.Mn, Cn, 5, 1, HomeAddress), Is.True, "traffic goes on through the tunnel meanwhile");

        mnStatus = await mn.WaitForStatusAsync(s => Counter(s, "ro_gave_up") >= 1, Registration, "cn given up", cancellationToken);
        long hoti = Counter(mnStatus.RootElement, "ro_hoti_sent");
        long coti = Counter(mnStatus.RootElement, "ro_coti_sent");
        TestContext.Out.WriteLine($"given up after {hoti} HoTI, {coti} CoTI; parameter problems {Counter(mnStatus.RootElement, "ro_parameter_problems")}");

        // (c, d) Traffic keeps going through the tunnel, and nothing asks cn for route optimization again.
        using var capture = LinkCapture.Start(topology.Core, "core-ar1");
        var tunnelled = Rtts(topology.Mn, Cn, HomeAddress, 20);
        var packets = Global(capture.Stop());
        TestContext.Out.WriteLine($"RTT to cn through the tunnel from {careOf}: median {Median(tunnelled):F3} ms over {tunnelled.Count} replies");
        Assert.That(tunnelled, Has.Count.GreaterThanOrEqualTo(18));
        Assert.That(packets.Count(p => p.NextHeader == 41 && p.InnerNextHeader == 58), Is.GreaterThanOrEqualTo(36), "requests and replies tunnelled");
        Assert.That(packets.Where(p => p.NextHeader is 60 or 43 or 135 || p.InnerNextHeader == 135), Is.Empty, "no HAO, RH2, HoTI or CoTI any more");
        mnStatus = await mn.WaitForStatusAsync(_ => true, Registration, "the status", cancellationToken);
        Assert.That(Counter(mnStatus.RootElement, "ro_hoti_sent"), Is.EqualTo(hoti));
        Assert.That(Counter(mnStatus.RootElement, "ro_coti_sent"), Is.EqualTo(coti));
        Assert.That(Counter(mnStatus.RootElement, "ro_rr_hints_given_up"), Is.GreaterThanOrEqualTo(1), "hints keep coming and are refused");
        Assert.That(mnStatus.RootElement.GetProperty("binding_update_list").EnumerateArray().Any(e => e.GetProperty("peer").GetString() == Cn.ToString()), Is.False);

        // (d) The same paths route-optimized, in the same run: cn gets its appliance, the mobile node starts afresh
        // (a given-up correspondent stays given up for the life of the process).
        Assert.That(mn.Stop(TimeSpan.FromSeconds(6)), Is.Zero, "the first mobile node stops cleanly");
        using var cnAppliance = ApplianceInstance.Start(topology, topology.Cn, "cn", RouteOptimizationProfiles.Correspondent(), Profiles.CorrespondentStatusPort);
        await cnAppliance.WaitForStatusAsync(_ => true, Registration, "the correspondent's status page", cancellationToken);
        using var again = ApplianceInstance.Start(topology, topology.Mn, "mn-again", RouteOptimizationProfiles.MobileNode(), Profiles.MobileNodeStatusPort);
        await again.WaitForStatusAsync(s => HomeRegistrationTests.Bound(s, MobilityTopology.Foreign1Prefix), Registration, "a bound home registration again", cancellationToken);
        using (topology.StartPing(topology.Mn, Cn, 0.2, HomeAddress))
        {
            await again.WaitForStatusAsync(s => BoundWith(s, MobilityTopology.Foreign1Prefix), Registration, "a binding with cn", cancellationToken);
        }

        var optimized = Rtts(topology.Mn, Cn, HomeAddress, 20);
        TestContext.Out.WriteLine($"RTT to cn, same run: through the tunnel median {Median(tunnelled):F3} ms, route-optimized median {Median(optimized):F3} ms (ping -c 20 each)");
        Assert.That(optimized, Has.Count.GreaterThanOrEqualTo(18));
    }

    internal static bool BoundWith(JsonElement status, IPNetwork careOfPrefix) =>
        status.GetProperty("binding_update_list").EnumerateArray().Any(e =>
            e.GetProperty("peer").GetString() == Cn.ToString()
            && e.GetProperty("state").GetString() == "Bound"
            && careOfPrefix.Contains(IPAddress.Parse(e.GetProperty("care_of_address").GetString()!)));

    internal static bool Cached(JsonElement status, IPNetwork careOfPrefix) =>
        status.GetProperty("binding_cache").EnumerateArray().Any(e =>
            e.GetProperty("home_address").GetString() == HomeAddress.ToString()
            && careOfPrefix.Contains(IPAddress.Parse(e.GetProperty("care_of_address").GetString()!)));

    private static IPAddress CareOf(JsonElement status) => IPAddress.Parse(status.GetProperty("binding_update_list").EnumerateArray()
        .First(e => e.GetProperty("peer").GetString() == Cn.ToString()).GetProperty("care_of_address").GetString()!);

    private static long Counter(JsonElement status, string name) =>
        status.GetProperty("counters").TryGetProperty(name, out var value) ? value.GetInt64()
        : status.GetProperty("counters").TryGetProperty("shisa_" + name, out var prefixed) ? prefixed.GetInt64() : 0;

    private static List<SeenPacket> Global(List<SeenPacket> packets) =>
        [.. packets.Where(p => !p.Source.IsIPv6LinkLocal && !p.Destination.IsIPv6LinkLocal && !p.Destination.IsIPv6Multicast)];

    /// <summary>Echo requests CoA -> cn with a Destination Options header (HAO), replies cn -> CoA with a routing header (RH2), no tunnelled echo.</summary>
    private static void AssertDirect(List<SeenPacket> packets, IPAddress careOf)
    {
        Assert.That(packets.Count(p => p.Source.Equals(careOf) && p.Destination.Equals(Cn) && p.NextHeader == 60), Is.GreaterThanOrEqualTo(9), "requests with a Home Address option");
        Assert.That(packets.Count(p => p.Source.Equals(Cn) && p.Destination.Equals(careOf) && p.NextHeader == 43), Is.GreaterThanOrEqualTo(9), "replies with a type 2 routing header");
        Assert.That(packets.Where(p => p.NextHeader == 41 && p.InnerNextHeader == 58), Is.Empty, "no echo through the tunnel");
    }

    /// <summary><c>ping -c COUNT</c> from <paramref name="source"/>: the round-trip times of the replies, in ms.</summary>
    private static List<double> Rtts(string ns, IPAddress destination, IPAddress source, int count)
    {
        var result = Host.TryExec(ns, "ping", "-6", "-n", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "1", "-I", source.ToString(), destination.ToString());
        return [.. TimeField().Matches(result.StandardOutput).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    [GeneratedRegex(@"time=([0-9.]+) ms")]
    private static partial Regex TimeField();
}
