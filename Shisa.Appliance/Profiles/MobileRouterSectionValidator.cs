using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Profiles;

/// <summary>
/// [mobile_router]: the mobile network behind the router (RFC 3963). Its prefixes are routed to the router through
/// the home agent, so they must not overlap the home prefix the router's own home address comes from; its ingress
/// interfaces face the mobile network and so must be mobile_network links, apart from the egress ones.
/// </summary>
internal static class MobileRouterSectionValidator
{
    private static readonly string[] Keys = ["prefixes", "mode", "ingress"];

    public static MobileRouterSection? Validate(
        TomlTable table,
        IReadOnlyList<Located<InterfaceSection>> interfaces,
        MobileNodeSection? mobileNode,
        ProfileDiagnostics diagnostics)
    {
        int errors = diagnostics.Count;
        var reader = SectionReader.Open(table, "[mobile_router]", diagnostics, Keys);
        var mode = reader.Enum("mode", ProfileNames.Modes);
        bool isExplicit = mode is not { Value: MobileRouterMode.Implicit };

        // Explicit mode names the prefixes in each Binding Update (RFC 3963 5.2); implicit mode leaves them to the
        // home agent's configuration, so the router may omit them.
        var prefixes = reader.Prefixes("prefixes", required: isExplicit);
        if (isExplicit && prefixes is [])
        {
            reader.Error(reader.Position, "key 'prefixes' in [mobile_router] must name at least one prefix in explicit mode");
        }

        var ingress = InterfaceSectionValidator.ResolveNames(
            reader, "ingress", interfaces, link => link == LinkKind.MobileNetwork, "ingress interfaces must have link = \"mobile_network\"");

        if (mobileNode is not null)
        {
            var homePrefix = new Prefix(ProfileValues.Mask(mobileNode.HomeAddress, mobileNode.HomePrefixLength), mobileNode.HomePrefixLength);
            foreach (var prefix in prefixes ?? [])
            {
                if (ProfileValues.Overlap(prefix.Value, homePrefix))
                {
                    reader.Error(prefix.Position, $"mobile network prefix {prefix.Value} overlaps the home prefix {homePrefix} of [mobile_node] (RFC 3963)");
                }
            }
        }

        if (diagnostics.Count != errors || ingress is null)
        {
            return null;
        }

        return new MobileRouterSection(
            new EquatableArray<Prefix>((prefixes ?? []).Select(p => p.Value)),
            mode?.Value ?? MobileRouterMode.Explicit,
            ingress.Value);
    }
}
