using System.Net;
using System.Text.Json;
using Shisa.EndToEnd.Tests.Appliance;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>A binding cache entry as the home agent's /api/status shows it (DESIGN 8).</summary>
internal sealed record CacheEntry(IPAddress HomeAddress, IPAddress CareOfAddress, IPAddress Peer, string Flags, int Sequence, long LifetimeRemaining, IReadOnlyList<string> Prefixes)
{
    public static IReadOnlyList<CacheEntry> From(JsonElement status) =>
        [.. status.GetProperty("binding_cache").EnumerateArray().Select(e => new CacheEntry(
            IPAddress.Parse(e.GetProperty("home_address").GetString()!),
            IPAddress.Parse(e.GetProperty("care_of_address").GetString()!),
            IPAddress.Parse(e.GetProperty("peer").GetString()!),
            e.GetProperty("flags").GetString()!,
            e.GetProperty("sequence").GetInt32(),
            e.GetProperty("lifetime_remaining_s").GetInt64(),
            PrefixesOf(e)))];

    internal static IReadOnlyList<string> PrefixesOf(JsonElement entry) => [.. entry.GetProperty("prefixes").EnumerateArray().Select(x => x.GetString()!)];
}

/// <summary>A binding update list entry as the mobile node's /api/status shows it (DESIGN 8).</summary>
internal sealed record UpdateListEntry(IPAddress Peer, IPAddress HomeAddress, IPAddress CareOfAddress, string State, int Sequence, long LifetimeRemaining, IReadOnlyList<string> Prefixes)
{
    public static IReadOnlyList<UpdateListEntry> From(JsonElement status) =>
        [.. status.GetProperty("binding_update_list").EnumerateArray().Select(e => new UpdateListEntry(
            IPAddress.Parse(e.GetProperty("peer").GetString()!),
            IPAddress.Parse(e.GetProperty("home_address").GetString()!),
            IPAddress.Parse(e.GetProperty("care_of_address").GetString()!),
            e.GetProperty("state").GetString()!,
            e.GetProperty("sequence").GetInt32(),
            e.GetProperty("lifetime_remaining_s").GetInt64(),
            CacheEntry.PrefixesOf(e)))];
}

/// <summary>
/// The DESIGN 9 topology with our appliance as home agent (in ha) and as mobile node with its movement detector
/// (in mn), the mobile node registered from the first foreign link. Everything goes on dispose.
/// </summary>
internal sealed class MobilitySession : IDisposable
{
    public static readonly TimeSpan Registration = TimeSpan.FromSeconds(20);

    private MobilitySession(MobilityTopology topology, string homeAgentProfile, string mobileNodeProfile)
    {
        Topology = topology;
        HomeAgentProfile = homeAgentProfile;
        MobileNodeProfile = mobileNodeProfile;
    }

    public MobilityTopology Topology { get; }

    public string HomeAgentProfile { get; }

    public string MobileNodeProfile { get; }

    public ApplianceInstance? HomeAgent { get; private set; }

    public ApplianceInstance? MobileNode { get; private set; }

    public ApplianceInstance Ha => HomeAgent ?? throw new InvalidOperationException("the home agent is not running");

    public ApplianceInstance Mn => MobileNode ?? throw new InvalidOperationException("the mobile node is not running");

    /// <summary>Builds the topology with the mn at ar1, starts both appliances and waits for the home registration.</summary>
    /// <param name="options">The topology's knobs (e.g. slower router advertisements); the mn starts at ar1 whatever they say.</param>
    public static async Task<MobilitySession> StartAsync(CancellationToken cancellationToken, string? homeAgentProfile = null, string? mobileNodeProfile = null,
        TopologyOptions? options = null)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        var topology = MobilityTopology.Create((options ?? new TopologyOptions()) with { InitialLink = AccessLink.Foreign1 });
        PinBridgeAddresses(topology);
        var session = new MobilitySession(topology, homeAgentProfile ?? Profiles.HomeAgent(), mobileNodeProfile ?? Profiles.MobileNode());
        try
        {
            await session.StartAppliancesAsync(cancellationToken);
            await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds the topology with the mn at ar1 and starts nothing: for tests that start the appliances
    /// (<see cref="StartAppliancesAsync"/>) and whatever else they need themselves, in their own order.
    /// </summary>
    public static MobilitySession Create(string homeAgentProfile, string mobileNodeProfile)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1 });
        try
        {
            PinBridgeAddresses(topology);
            return new MobilitySession(topology, homeAgentProfile, mobileNodeProfile);
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A Linux bridge takes the lowest MAC address of its ports unless given one: when the mn's veth peer (random
    /// MAC) joins an access link's bridge with a lower one, the access router's MAC changes under it, and radvd
    /// then sends its next advertisement only about a second later. A real access router's address does not follow
    /// a visitor's, so each bridge keeps the one it has (the stub port's).
    /// </summary>
    private static void PinBridgeAddresses(MobilityTopology topology)
    {
        foreach (var link in (AccessLink[])[AccessLink.Home, AccessLink.Foreign1, AccessLink.Foreign2])
        {
            string ns = topology.NamespaceOf(link);
            string bridge = MobilityTopology.BridgeOf(link);
            string mac = string.Join(':', Host.LinkAddress(ns, bridge).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
            Host.Exec(ns, "ip", "link", "set", "dev", bridge, "address", mac);
        }
    }

    /// <summary>Starts the home agent, waits for its status page, then starts the mobile node.</summary>
    public async Task StartAppliancesAsync(CancellationToken cancellationToken)
    {
        HomeAgent?.Dispose();
        MobileNode?.Dispose();
        HomeAgent = ApplianceInstance.Start(Topology, Topology.Ha, "ha", HomeAgentProfile, Profiles.HomeAgentStatusPort);
        await HomeAgent.WaitForStatusAsync(_ => true, Registration, "the home agent's status page", cancellationToken);
        MobileNode = ApplianceInstance.Start(Topology, Topology.Mn, "mn", MobileNodeProfile, Profiles.MobileNodeStatusPort);
    }

    /// <summary>Waits until the mobile node is Bound from a care-of address in <paramref name="careOfPrefix"/> and the home agent caches it.</summary>
    public async Task<(UpdateListEntry Entry, CacheEntry Binding)> WaitForRegistrationAsync(IPNetwork careOfPrefix, CancellationToken cancellationToken)
    {
        var mn = await Mn.WaitForStatusAsync(s => BoundFrom(s, careOfPrefix) is not null, Registration, $"a bound home registration from {careOfPrefix}", cancellationToken);
        var entry = BoundFrom(mn.RootElement, careOfPrefix)!;
        var ha = await Ha.WaitForStatusAsync(s => CachedAt(s, entry.CareOfAddress) is not null, Registration, $"the binding of {entry.CareOfAddress} at the home agent", cancellationToken);
        return (entry, CachedAt(ha.RootElement, entry.CareOfAddress)!);
    }

    public static UpdateListEntry? BoundFrom(JsonElement status, IPNetwork careOfPrefix) =>
        UpdateListEntry.From(status).FirstOrDefault(e => e.State == "Bound" && careOfPrefix.Contains(e.CareOfAddress));

    public static CacheEntry? CachedAt(JsonElement status, IPAddress careOf) =>
        CacheEntry.From(status).FirstOrDefault(e => e.HomeAddress.Equals(MobilityTopology.HomeAddress) && e.CareOfAddress.Equals(careOf));

    /// <summary>The home agent's binding cache now.</summary>
    public async Task<IReadOnlyList<CacheEntry>> CacheAsync(CancellationToken cancellationToken)
    {
        using var status = await Ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the home agent's status", cancellationToken);
        return CacheEntry.From(status.RootElement);
    }

    /// <summary>HoA -> cn and cn -> HoA, a few pings each way, until both answer (or the timeout).</summary>
    public async Task<bool> HomeAddressReachesCorrespondentAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        bool outbound = await Host.PingUntilAsync(Topology.Mn, MobilityTopology.CorrespondentAddress, timeout, MobilityTopology.HomeAddress);
        var left = deadline - DateTime.UtcNow;
        bool inbound = await Host.PingUntilAsync(Topology.Cn, MobilityTopology.HomeAddress, left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        return outbound && inbound;
    }

    /// <summary>Kernel state and appliance output of ha and mn, for failure messages.</summary>
    public string Diagnostics()
    {
        var text = new System.Text.StringBuilder();
        foreach (var (name, ns, instance) in (ValueTuple<string, string, ApplianceInstance?>[])[("ha", Topology.Ha, HomeAgent), ("mn", Topology.Mn, MobileNode)])
        {
            text.AppendLine($"==== {name}");
            foreach (string[] command in (string[][])[["ip", "-6", "addr"], ["ip", "-6", "route", "show", "table", "all"], ["ip", "-6", "rule"], ["ip", "-6", "neigh"], ["ip", "-6", "neigh", "show", "proxy"], ["nft", "list", "ruleset"]])
            {
                var result = Host.TryExec(ns, command[0], command[1..]);
                text.AppendLine($"# {string.Join(' ', command)}\n{result.StandardOutput}{result.StandardError}");
            }

            text.AppendLine(instance?.Output);
        }

        return text.ToString();
    }

    public void Dispose()
    {
        try
        {
            MobileNode?.Dispose();
            HomeAgent?.Dispose();
        }
        finally
        {
            Topology.Dispose();
        }
    }
}
