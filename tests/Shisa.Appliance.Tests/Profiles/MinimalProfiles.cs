namespace Shisa.Appliance.Tests.Profiles;

/// <summary>The smallest valid profiles, for tests of one key or section; <c>extra</c> goes after line 10.</summary>
internal static class MinimalProfiles
{
    /// <summary>A mobile node on mn0; <paramref name="extra"/> starts on line 11, inside [mobile_node] unless it opens a table.</summary>
    public static string MobileNode(string extra = "") => $$"""
        [node]
        name = "mn"
        roles = ["mobile_node"]
        [[interface]]
        name = "mn0"
        link = "foreign"
        [mobile_node]
        home_address = "2001:db8:1::100"
        home_agent = "2001:db8:1::1"
        interfaces = ["mn0"]
        {{extra}}
        """;
}
