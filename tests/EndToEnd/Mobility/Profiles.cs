namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>Role profiles for the DESIGN 9 topology, as an operator would write them.</summary>
internal static class Profiles
{
    public const int HomeAgentStatusPort = 8791;
    public const int MobileNodeStatusPort = 8792;
    public const int CorrespondentStatusPort = 8793;

    /// <param name="extraNodes">More <c>[[home_agent.mobile_node]]</c> tables.</param>
    /// <param name="nodeKeys">More keys of the served node's table (authentication, a mobile router's prefixes).</param>
    /// <param name="homeAddress">The served node's home address.</param>
    public static string HomeAgent(string extraNodes = "", string nodeKeys = "", string homeAddress = "2001:db8:1::100", int statusPort = HomeAgentStatusPort) => $$"""
        [node]
        name = "ha"
        roles = ["home_agent"]

        [status]
        listen = "127.0.0.1:{{statusPort}}"

        [[interface]]
        name = "br-home"
        link = "home"

        [[interface]]
        name = "ha-up"
        link = "backbone"

        [home_agent]
        address = "2001:db8:1::1"
        prefix = "2001:db8:1::/64"
        max_lifetime = 420

        [[home_agent.mobile_node]]
        home_address = "{{homeAddress}}"
        {{(nodeKeys.Contains("spi", StringComparison.Ordinal) ? nodeKeys : nodeKeys + "\nauthentication = \"none\"")}}
        {{extraNodes}}
        """;

    /// <param name="busSocket">With a path: no built-in movement detector; the bus on that Unix socket for an external one.</param>
    /// <param name="methods">The movement detector's <c>method</c> list, as TOML array items.</param>
    public static string MobileNode(int lifetime = 60, string authentication = "", string homeAddress = "2001:db8:1::100", string? busSocket = null, string methods = "\"link\"") => $$"""
        [node]
        name = "mn"
        roles = {{(busSocket is null ? "[\"mobile_node\", \"movement_detector\"]" : "[\"mobile_node\"]")}}

        [status]
        listen = "127.0.0.1:{{MobileNodeStatusPort}}"
        {{(busSocket is null ? "" : $"\n[bus]\nsocket = \"{busSocket}\"\n")}}
        [[interface]]
        name = "mn0"
        link = "foreign"

        [mobile_node]
        home_address = "{{homeAddress}}"
        home_prefix_length = 64
        home_agent = "2001:db8:1::1"
        interfaces = ["mn0"]
        lifetime = {{lifetime}}
        {{authentication}}
        {{(busSocket is null ? $"\n[movement_detector]\nmethod = [{methods}]" : "")}}
        """;
}
