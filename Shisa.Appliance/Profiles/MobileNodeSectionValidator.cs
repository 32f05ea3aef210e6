using System.Net;
using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Profiles;

/// <summary>[mobile_node]: the home registration, which a mobile router also uses (RFC 3963 5).</summary>
internal static class MobileNodeSectionValidator
{
    private const string Discover = "discover";

    private static readonly string[] Keys =
        ["home_address", "home_prefix_length", "home_agent", "interfaces", "lifetime", "route_optimization", "no_route_optimization", "optimistic_handoff",
            "multiple_care_of", "uplink_priority", "spi", "key", "home_agent_ipv4"];

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
        var multipleCareOf = reader.Boolean("multiple_care_of");
        var priorities = ReadUplinkPriorities(reader, egress, multipleCareOf?.Value ?? false);
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
            MultipleCareOf = multipleCareOf?.Value ?? false,
            UplinkPriorities = new EquatableArray<UplinkPriority>(priorities),
            HomeAgentIpv4 = homeAgentIpv4?.Value,
        };
    }

    /// <summary>
    /// <c>uplink_priority = { mn0 = 1, mn1 = 2 }</c>: each a listed uplink, 1..65535 (0 is no RFC 5648 binding id), no
    /// two the same (the value is the uplink's binding id too); only with <c>multiple_care_of = true</c>, where it means
    /// something. The positions in <c>interfaces</c> plus one fill in the uplinks not named, and may not collide either.
    /// </summary>
    private static List<UplinkPriority> ReadUplinkPriorities(SectionReader reader, EquatableArray<string>? uplinks, bool multipleCareOf)
    {
        var result = new List<UplinkPriority>();
        if (reader.Table("uplink_priority") is not { } table)
        {
            return result;
        }

        if (!multipleCareOf)
        {
            reader.Error(table.Position, "uplink_priority needs multiple_care_of = true (it orders the registered uplinks)");
            return result;
        }

        var taken = new Dictionary<long, string>();
        foreach (var entry in table.Entries)
        {
            if (entry.Value is not TomlScalar { Value: long priority })
            {
                reader.Error(entry.Value.Position, $"uplink_priority.{entry.Key} must be an integer, found {entry.Value.TypeName}");
                continue;
            }

            if (uplinks is { } listed && !listed.Contains(entry.Key))
            {
                reader.Error(entry.KeyPosition, $"uplink_priority names '{entry.Key}', which is not in interfaces");
            }
            else if (priority is < 1 or > ushort.MaxValue)
            {
                reader.Error(entry.Value.Position, $"uplink_priority.{entry.Key} is {priority}, out of range: 1..65535");
            }
            else if (taken.TryGetValue(priority, out var other))
            {
                reader.Error(entry.Value.Position, $"uplink_priority.{entry.Key} is {priority}, as {other}'s: each uplink needs its own (it is its binding id)");
            }
            else
            {
                taken[priority] = entry.Key;
                result.Add(new UplinkPriority(entry.Key, (ushort)priority));
            }
        }

        for (int index = 0; uplinks is { } all && index < all.Count; index++)
        {
            if (!result.Exists(p => p.Interface == all[index]) && taken.TryGetValue(index + 1, out var other))
            {
                reader.Error(table.Position, $"uplink '{all[index]}' has priority {index + 1} from its place in interfaces, as {other} has: give it one in uplink_priority");
            }
        }

        return result;
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
