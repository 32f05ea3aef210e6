using Shisa.EndToEnd.Tests.Mobility;

namespace Shisa.EndToEnd.Tests.RouteOptimization;

/// <summary>The route optimization profiles of the DESIGN 9 topology: the mobile node asks for it, cn runs a correspondent.</summary>
internal static class RouteOptimizationProfiles
{
    public static string MobileNode() => Profiles.MobileNode().Replace(
        "lifetime = 60",
        "lifetime = 60\nroute_optimization = true",
        StringComparison.Ordinal);

    public static string Correspondent() => $$"""
        [node]
        name = "cn"
        roles = ["correspondent_node"]

        [status]
        listen = "127.0.0.1:{{Profiles.CorrespondentStatusPort}}"

        [[interface]]
        name = "cn0"
        link = "backbone"

        [correspondent_node]
        route_optimization = true
        """;
}
