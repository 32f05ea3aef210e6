using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Profiles;

/// <summary>[home_agent]: the home agent's address on the home link, the home prefix, and its bounds.</summary>
internal static class HomeAgentSectionValidator
{
    private static readonly string[] Keys = ["address", "prefix", "max_bindings", "max_lifetime", "multiple_care_of", "mobile_node", "ipv4_address", "nat_keepalive_interval"];

    public static HomeAgentSection? Validate(TomlTable table, IReadOnlyList<Located<InterfaceSection>> interfaces, ProfileDiagnostics diagnostics)
    {
        int errors = diagnostics.Count;
        var reader = SectionReader.Open(table, "[home_agent]", diagnostics, Keys);
        var address = reader.Unicast("address", required: true);
        var prefix = reader.Prefix("prefix", required: true);
        var maxBindings = reader.Integer("max_bindings", 1, int.MaxValue, $"1..{int.MaxValue}");
        var maxLifetime = reader.Integer("max_lifetime", 1, ProfileLimits.MaxLifetimeSeconds, ProfileLimits.LifetimeRule);
        var multipleCareOf = reader.Boolean("multiple_care_of");
        var ipv4Address = reader.Ipv4Unicast("ipv4_address");
        var natKeepalive = reader.Integer("nat_keepalive_interval", 1, ProfileLimits.MaxNatKeepaliveSeconds, ProfileLimits.NatKeepaliveRule);
        if (natKeepalive is { } k && ipv4Address is null)
        {
            reader.Error(k.Position, "nat_keepalive_interval needs ipv4_address (it is what the home agent suggests to mobile nodes registering over IPv4)");
        }

        if (address is { } a && prefix is { } p && !p.Value.Contains(a.Value))
        {
            reader.Error(a.Position, $"home agent address {a.Value} is outside its home prefix {p.Value}");
        }

        if (!interfaces.Any(i => i.Value.Link == LinkKind.Home))
        {
            reader.Error(reader.Position, "[home_agent] needs an [[interface]] with link = \"home\" to serve the home link");
        }

        var mobileNodes = AuthorizedMobileNodeValidator.Validate(reader.Tables("mobile_node"), address, prefix, diagnostics);

        if (diagnostics.Count != errors || address is null || prefix is null)
        {
            return null;
        }

        return new HomeAgentSection(
            address.Value.Value,
            prefix.Value.Value,
            maxBindings is { } mb ? (int)mb.Value : ProfileLimits.DefaultMaxBindings,
            maxLifetime is { } ml ? TimeSpan.FromSeconds(ml.Value) : ProfileLimits.DefaultMaxLifetime,
            new EquatableArray<AuthorizedMobileNode>(mobileNodes))
        {
            MultipleCareOf = multipleCareOf?.Value ?? true,
            Ipv4Address = ipv4Address?.Value,
            NatKeepaliveInterval = natKeepalive is { } nk ? TimeSpan.FromSeconds(nk.Value) : HomeAgentSection.DefaultNatKeepaliveInterval,
        };
    }
}
