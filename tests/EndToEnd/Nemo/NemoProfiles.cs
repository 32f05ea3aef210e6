using Shisa.EndToEnd.Tests.Mobility;

namespace Shisa.EndToEnd.Tests.Nemo;

/// <summary>
/// Profiles of a home agent and a mobile router (RFC 3963) for the DESIGN 9 topology, as an operator would write
/// them after config/ha.toml and config/mr.toml: the router's home address 2001:db8:1::200 and its mobile
/// network 2001:db8:1:100::/56 behind mr1 (where mnn lives).
/// </summary>
internal static class NemoProfiles
{
    public const int HomeAgentStatusPort = 8781;
    public const int MobileRouterStatusPort = 8783;
    public const string RouterHomeAddress = "2001:db8:1::200";
    public const string GrantedPrefix = "2001:db8:1:100::/56";

    /// <summary>A prefix the home agent does not list for the router.</summary>
    public const string ForeignPrefix = "2001:db8:1:200::/56";

    public static string HomeAgent() =>
        Profiles.HomeAgent(nodeKeys: $"prefixes = [\"{GrantedPrefix}\"]", homeAddress: RouterHomeAddress, statusPort: HomeAgentStatusPort);

    /// <param name="mode">"explicit" (Mobile Network Prefix options) or "implicit" (none).</param>
    /// <param name="prefix">The prefix the router asks for.</param>
    public static string MobileRouter(string mode, string prefix = GrantedPrefix) => $$"""
        [node]
        name = "mr"
        roles = ["mobile_node", "mobile_router", "movement_detector"]

        [status]
        listen = "127.0.0.1:{{MobileRouterStatusPort}}"

        [[interface]]
        name = "mn0"
        link = "foreign"

        [[interface]]
        name = "mr1"
        link = "mobile_network"

        [mobile_node]
        home_address = "{{RouterHomeAddress}}"
        home_prefix_length = 64
        home_agent = "2001:db8:1::1"
        interfaces = ["mn0"]
        lifetime = 60

        [mobile_router]
        prefixes = ["{{prefix}}"]
        mode = "{{mode}}"
        ingress = ["mr1"]

        [movement_detector]
        method = ["link", "ra", "nud", "dna"]
        """;
}
