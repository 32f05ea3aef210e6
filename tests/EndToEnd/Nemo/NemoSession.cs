using System.Net;
using System.Text.Json;
using Shisa.EndToEnd.Tests.Appliance;
using Shisa.EndToEnd.Tests.Mobility;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Nemo;

/// <summary>
/// The topology with the mn forwarding (a mobile router) on foreign link 1, our home agent in ha and our mobile
/// router in mn (profiles of <see cref="NemoProfiles"/>), plain Linux in mnn and cn. Disposing stops both
/// appliances and tears the namespaces down.
/// </summary>
internal sealed class NemoSession : IDisposable
{
    public static readonly TimeSpan Registration = TimeSpan.FromSeconds(20);
    public static readonly IPAddress RouterHomeAddress = IPAddress.Parse(NemoProfiles.RouterHomeAddress);

    private NemoSession(MobilityTopology topology, ApplianceInstance ha, ApplianceInstance mr)
    {
        Topology = topology;
        Ha = ha;
        Mr = mr;
    }

    public MobilityTopology Topology { get; }

    public ApplianceInstance Ha { get; }

    public ApplianceInstance Mr { get; }

    /// <summary>Builds the topology and starts the home agent, then the mobile router on <paramref name="routerProfile"/>.</summary>
    public static async Task<NemoSession> StartAsync(string routerProfile, CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1, MobileNodeForwards = true });
        ApplianceInstance? ha = null;
        try
        {
            ha = ApplianceInstance.Start(topology, topology.Ha, "ha", NemoProfiles.HomeAgent(), NemoProfiles.HomeAgentStatusPort);
            await ha.WaitForStatusAsync(_ => true, Registration, "the home agent's status page", cancellationToken);
            var mr = ApplianceInstance.Start(topology, topology.Mn, "mr", routerProfile, NemoProfiles.MobileRouterStatusPort);
            return new NemoSession(topology, ha, mr);
        }
        catch
        {
            ha?.Dispose();
            topology.Dispose();
            throw;
        }
    }

    public static IReadOnlyList<UpdateListEntry> UpdateList(JsonElement status) => UpdateListEntry.From(status);

    public static IReadOnlyList<CacheEntry> Cache(JsonElement status) => CacheEntry.From(status);

    /// <summary>The router's entry Bound from a care-of address in <paramref name="careOfPrefix"/>, or null.</summary>
    public static UpdateListEntry? BoundFrom(JsonElement status, IPNetwork careOfPrefix) =>
        UpdateList(status).FirstOrDefault(e => e.State == "Bound" && e.HomeAddress.Equals(RouterHomeAddress) && careOfPrefix.Contains(e.CareOfAddress));

    /// <summary>The home agent's entry for the router with a care-of address in <paramref name="careOfPrefix"/>, or null.</summary>
    public static CacheEntry? CachedFrom(JsonElement status, IPNetwork careOfPrefix) =>
        Cache(status).FirstOrDefault(e => e.HomeAddress.Equals(RouterHomeAddress) && careOfPrefix.Contains(e.CareOfAddress));

    public static long Counter(JsonElement status, string name) =>
        status.GetProperty("counters").TryGetProperty(name, out var value) ? value.GetInt64() : 0;

    public async Task<UpdateListEntry> WaitForBoundAsync(IPNetwork careOfPrefix, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var status = await Mr.WaitForStatusAsync(s => BoundFrom(s, careOfPrefix) is not null, timeout ?? Registration,
            $"the mobile router Bound from {careOfPrefix}", cancellationToken);
        return BoundFrom(status.RootElement, careOfPrefix)!;
    }

    public async Task<CacheEntry> WaitForCachedAsync(IPNetwork careOfPrefix, CancellationToken cancellationToken)
    {
        using var status = await Ha.WaitForStatusAsync(s => CachedFrom(s, careOfPrefix) is not null, Registration,
            $"the home agent's binding for the router from {careOfPrefix}", cancellationToken);
        return CachedFrom(status.RootElement, careOfPrefix)!;
    }

    public void Dispose()
    {
        try
        {
            Mr.Dispose();
            Ha.Dispose();
        }
        finally
        {
            Topology.Dispose();
        }
    }
}
