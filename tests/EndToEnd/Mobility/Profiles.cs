namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>Role profiles for the DESIGN 9 topology, as an operator would write them.</summary>
internal static class Profiles
{
    public const int HomeAgentStatusPort = 8791;
    public const int MobileNodeStatusPort = 8792;
    public const int CorrespondentStatusPort = 8793;

    public static string HomeAgent(string extraNodes = "", string authentication = "") => $$"""
        [node]
        name = "ha"
        roles = ["home_agent"]

        [status]
        listen = "127.0.0.1:{{HomeAgentStatusPort}}"

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
        home_address = "2001:db8:1::100"
        {{authentication}}
        {{extraNodes}}
        """;

    public static string MobileNode(int lifetime = 60, string authentication = "", string homeAddress = "2001:db8:1::100") => $$"""
        [node]
        name = "mn"
        roles = ["mobile_node", "movement_detector"]

        [status]
        listen = "127.0.0.1:{{MobileNodeStatusPort}}"

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

        [movement_detector]
        method = "link"
        """;
}
