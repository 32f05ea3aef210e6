using System.Net;
using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Profiles;

/// <summary>
/// [[home_agent.mobile_node]]: who may register (deny by default). A home address lies in the home prefix
/// (RFC 6275 10.3.1: the HA serves home addresses on its home link). Mobile network prefixes (RFC 3963) are
/// routed through the HA to the mobile router, so they must not overlap the home link's prefix, whose addresses
/// the HA defends on the link with proxy ND, nor the prefixes of another mobile router. Authentication is the
/// default: an entry needs <c>spi</c> and <c>key</c> (RFC 4285), or says <c>authentication = "none"</c> to register
/// without it (the home agent then warns at start); both at once contradict each other.
/// </summary>
internal static class AuthorizedMobileNodeValidator
{
    private const string Label = "[[home_agent.mobile_node]]";

    private static readonly string[] Keys = ["home_address", "prefixes", "spi", "key", "authentication"];

    /// <summary>The one value of <c>authentication</c>: the explicit opt-out of RFC 4285.</summary>
    public const string NoAuthentication = "none";

    public static List<AuthorizedMobileNode> Validate(
        IReadOnlyList<TomlTable> tables,
        Located<IPAddress>? homeAgentAddress,
        Located<Prefix>? homePrefix,
        ProfileDiagnostics diagnostics)
    {
        var entries = new List<AuthorizedMobileNode>(tables.Count);
        var homeAddresses = new List<Located<IPAddress>>();
        var claimed = new List<Located<Prefix>>();
        var unauthenticated = new List<(SectionReader Reader, Located<IPAddress> HomeAddress)>();
        int before = diagnostics.Count;
        foreach (var table in tables)
        {
            int errors = diagnostics.Count;
            var reader = SectionReader.Open(table, Label, diagnostics, Keys);
            var homeAddress = reader.Unicast("home_address", required: true);
            var prefixes = reader.Prefixes("prefixes") ?? [];
            var (spi, key) = reader.Authentication();
            var authentication = reader.String("authentication");
            if (authentication is { } a)
            {
                if (a.Value != NoAuthentication)
                {
                    reader.Error(a.Position, $"key 'authentication' in {Label} takes only \"{NoAuthentication}\" (without it, spi and key are required)");
                }
                else if (reader.Has("spi") || reader.Has("key"))
                {
                    reader.Error(a.Position, $"authentication = \"{NoAuthentication}\" contradicts the entry's spi and key");
                }
            }
            else if (!reader.Has("spi") && !reader.Has("key") && homeAddress is { } unsigned)
            {
                unauthenticated.Add((reader, unsigned));
            }

            if (homeAddress is { } h)
            {
                CheckHomeAddress(reader, h, homeAgentAddress, homePrefix, homeAddresses);
                homeAddresses.Add(h);
            }

            foreach (var prefix in prefixes)
            {
                CheckPrefix(reader, prefix, homePrefix, claimed);
                claimed.Add(prefix);
            }

            if (diagnostics.Count == errors && homeAddress is { } valid)
            {
                entries.Add(new AuthorizedMobileNode(valid.Value, new EquatableArray<Prefix>(prefixes.Select(p => p.Value)), spi, key));
            }
        }

        // Once the entries are otherwise valid (one thing at a time): each needs RFC 4285 or the explicit opt-out.
        if (diagnostics.Count == before)
        {
            foreach (var (reader, home) in unauthenticated)
            {
                reader.Error(home.Position,
                    $"mobile node {home.Value} has no spi and key: RFC 4285 authentication is required; add them, or authentication = \"{NoAuthentication}\" to let it register unauthenticated");
            }

            if (unauthenticated.Count > 0)
            {
                entries.Clear();
            }
        }

        return entries;
    }

    private static void CheckHomeAddress(
        SectionReader reader,
        Located<IPAddress> homeAddress,
        Located<IPAddress>? homeAgentAddress,
        Located<Prefix>? homePrefix,
        List<Located<IPAddress>> earlier)
    {
        if (homePrefix is { } p && !p.Value.Contains(homeAddress.Value))
        {
            reader.Error(homeAddress.Position, $"home address {homeAddress.Value} is outside the home agent's prefix {p.Value}");
        }

        if (homeAgentAddress is { } ha && ha.Value.Equals(homeAddress.Value))
        {
            reader.Error(homeAddress.Position, $"home address {homeAddress.Value} is the home agent's own address");
        }

        int first = earlier.FindIndex(e => e.Value.Equals(homeAddress.Value));
        if (first >= 0)
        {
            reader.Error(homeAddress.Position, $"home address {homeAddress.Value} is authorized twice (first at line {earlier[first].Position.Line})");
        }
    }

    private static void CheckPrefix(SectionReader reader, Located<Prefix> prefix, Located<Prefix>? homePrefix, List<Located<Prefix>> claimed)
    {
        if (homePrefix is { } p && ProfileValues.Overlap(p.Value, prefix.Value))
        {
            reader.Error(prefix.Position, $"mobile network prefix {prefix.Value} overlaps the home link's prefix {p.Value} (RFC 3963)");
        }

        int other = claimed.FindIndex(c => ProfileValues.Overlap(c.Value, prefix.Value));
        if (other >= 0)
        {
            reader.Error(prefix.Position, $"mobile network prefix {prefix.Value} overlaps {claimed[other].Value} of another entry (line {claimed[other].Position.Line})");
        }
    }
}
