using System.Net;
using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Profiles;

/// <summary>[mobile_node]: the home registration, which a mobile router also uses (RFC 3963 5).</summary>
internal static class MobileNodeSectionValidator
{
    private const string Discover = "discover";

    private static readonly string[] Keys =
        ["home_address", "home_prefix_length", "home_agent", "interfaces", "lifetime", "route_optimization", "no_route_optimization", "optimistic_handoff", "spi", "key", "home_agent_ipv4"];

    public static MobileNodeSection? Validate(TomlTable table, IReadOnlyList<Located<InterfaceSection>> interfaces, ProfileDiagnostics diagnostics)
    {
        int errors = diagnostics.Count;
        var reader = SectionReader.Open(table, "[mobile_node]", diagnostics, Keys);
        var homeAddress = reader.Unicast("home_address", required: true);
        var prefixLength = reader.Integer("home_prefix_length", 1, 128, "1..128");
        var homeAgent = ReadHomeAgent(reader);
        var egress = InterfaceSectionValidator.ResolveNames(
            reader, "interfaces", interfaces, link => link != LinkKind.MobileNetwork, "a mobile node's egress cannot be a mobile network link");
        var lifetime = reader.Integer("lifetime", 1, ProfileLimits.MaxLifetimeSeconds, ProfileLimits.LifetimeRule);
        var routeOptimization = reader.Boolean("route_optimization");
        var optimisticHandoff = reader.Boolean("optimistic_handoff");
        var noRouteOptimization = ReadCorrespondents(reader, "no_route_optimization");
        var (spi, key) = reader.Authentication();
        var homeAgentIpv4 = reader.Ipv4Unicast("home_agent_ipv4");

        int length = prefixLength is { } pl ? (int)pl.Value : ProfileLimits.DefaultHomePrefixLength;
        if (homeAddress is { } h && homeAgent is { Value: { } ha } located)
        {
            var homePrefix = new Prefix(ProfileValues.Mask(h.Value, length), length);
            if (!homePrefix.Contains(ha))
            {
                reader.Error(located.Position, $"home agent {ha} is outside the home prefix {homePrefix} (the home agent is on the home link)");
            }
            else if (ha.Equals(h.Value))
            {
                reader.Error(located.Position, $"home agent {ha} is the mobile node's own home address");
            }
        }

        if (diagnostics.Count != errors || homeAddress is null || homeAgent is null || egress is null)
        {
            return null;
        }

        return new MobileNodeSection(
            homeAddress.Value.Value,
            length,
            homeAgent.Value.Value,
            egress.Value,
            lifetime is { } l ? TimeSpan.FromSeconds(l.Value) : ProfileLimits.DefaultLifetime,
            routeOptimization?.Value ?? false,
            spi,
            key)
        {
            NoRouteOptimization = new EquatableArray<IPAddress>(noRouteOptimization),
            OptimisticHandoff = optimisticHandoff?.Value ?? true,
            HomeAgentIpv4 = homeAgentIpv4?.Value,
        };
    }

    /// <summary>Correspondents never to optimize toward (SHISA's noro list): unicast addresses.</summary>
    private static List<IPAddress> ReadCorrespondents(SectionReader reader, string key)
    {
        var addresses = new List<IPAddress>();
        foreach (var text in reader.Strings(key) ?? [])
        {
            if (ProfileValues.TryParseUnicast(text.Value, out var address, out var error))
            {
                addresses.Add(address);
            }
            else
            {
                reader.Error(text.Position, error);
            }
        }

        return addresses;
    }

    /// <summary>The home agent's address, or a null value for "discover" (DHAAD, RFC 6275 10.5).</summary>
    private static Located<IPAddress?>? ReadHomeAgent(SectionReader reader)
    {
        if (reader.String("home_agent", required: true) is not { } text)
        {
            return null;
        }

        if (text.Value == Discover)
        {
            return new Located<IPAddress?>(null, text.Position);
        }

        if (ProfileValues.TryParseUnicast(text.Value, out var address, out var error))
        {
            return new Located<IPAddress?>(address, text.Position);
        }

        reader.Error(text.Position, $"{error} (or \"{Discover}\")");
        return null;
    }
}
