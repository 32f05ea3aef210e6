using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Profiles;

/// <summary>
/// The roles against each other and against the sections: every listed role has its section and every role
/// section has its role; a mobile router registers through [mobile_node] (RFC 3963 5); a node is not its own home
/// agent; a movement detector reports to a mobile node.
/// </summary>
internal static class RoleConsistencyValidator
{
    public static void Validate(IReadOnlyList<Located<Role>> roles, TomlTable root, ProfileDiagnostics diagnostics)
    {
        Located<Role>? Listed(Role role)
        {
            foreach (var listed in roles)
            {
                if (listed.Value == role)
                {
                    return listed;
                }
            }

            return null;
        }

        foreach (var role in Enum.GetValues<Role>())
        {
            string section = ProfileNames.SectionOf(role);
            var listed = Listed(role);
            var present = root[section];
            if (listed is { } l && present is null)
            {
                diagnostics.Error(l.Position, $"role '{ProfileNames.Of(role)}' needs a [{section}] section");
            }
            else if (listed is null && present is not null)
            {
                diagnostics.Error(present.KeyPosition, $"section [{section}] is present but role '{ProfileNames.Of(role)}' is not in [node] roles");
            }
        }

        if (Listed(Role.MobileRouter) is { } router && Listed(Role.MobileNode) is null)
        {
            diagnostics.Error(router.Position, "role 'mobile_router' needs role 'mobile_node' and its [mobile_node] section: the mobile router registers its home address through it (RFC 3963)");
        }

        if (Listed(Role.MobileNode) is { } mn && Listed(Role.HomeAgent) is { } ha)
        {
            var later = mn.Position.Line > ha.Position.Line || (mn.Position.Line == ha.Position.Line && mn.Position.Column > ha.Position.Column) ? mn : ha;
            diagnostics.Error(later.Position, "roles 'mobile_node' and 'home_agent' cannot be combined: a node cannot be its own home agent");
        }

        if (Listed(Role.MovementDetector) is { } detector && Listed(Role.MobileNode) is null)
        {
            diagnostics.Error(detector.Position, "role 'movement_detector' needs role 'mobile_node': it reports movement to the mobile node");
        }
    }
}
