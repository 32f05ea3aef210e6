using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Profiles;

/// <summary>The snake_case spellings of the profile's enumerations (DESIGN 7), both ways.</summary>
public static class ProfileNames
{
    public static IReadOnlyDictionary<string, Role> Roles { get; } = new Dictionary<string, Role>(StringComparer.Ordinal)
    {
        ["mobile_node"] = Role.MobileNode,
        ["mobile_router"] = Role.MobileRouter,
        ["home_agent"] = Role.HomeAgent,
        ["correspondent_node"] = Role.CorrespondentNode,
        ["movement_detector"] = Role.MovementDetector,
    };

    public static IReadOnlyDictionary<string, LinkKind> LinkKinds { get; } = new Dictionary<string, LinkKind>(StringComparer.Ordinal)
    {
        ["home"] = LinkKind.Home,
        ["foreign"] = LinkKind.Foreign,
        ["mobile_network"] = LinkKind.MobileNetwork,
        ["backbone"] = LinkKind.Backbone,
    };

    public static IReadOnlyDictionary<string, MobileRouterMode> Modes { get; } = new Dictionary<string, MobileRouterMode>(StringComparer.Ordinal)
    {
        ["explicit"] = MobileRouterMode.Explicit,
        ["implicit"] = MobileRouterMode.Implicit,
    };

    public static IReadOnlyDictionary<string, MovementDetectionMethod> Methods { get; } = new Dictionary<string, MovementDetectionMethod>(StringComparer.Ordinal)
    {
        ["link"] = MovementDetectionMethod.Link,
        ["ra"] = MovementDetectionMethod.Ra,
        ["nud"] = MovementDetectionMethod.Nud,
        ["dna"] = MovementDetectionMethod.Dna,
    };

    public static string Of(Role role) => role.ToProfileName();

    public static string Of(LinkKind link) => NameOf(LinkKinds, link);

    public static string Of(MobileRouterMode mode) => NameOf(Modes, mode);

    public static string Of(MovementDetectionMethod method) => NameOf(Methods, method);

    /// <summary>The profile section that configures a role; every role has one.</summary>
    public static string SectionOf(Role role) => Of(role);

    private static string NameOf<T>(IReadOnlyDictionary<string, T> names, T value)
        where T : struct, Enum
    {
        foreach (var (name, candidate) in names)
        {
            if (EqualityComparer<T>.Default.Equals(candidate, value))
            {
                return name;
            }
        }

        return value.ToString();
    }
}
