using System.Globalization;

namespace Shisa.Appliance.Demo;

/// <summary>
/// The role profiles <c>shisa demo</c> (and the tunnel benchmark) write for the DESIGN 9 topology: a home agent in
/// ha, a mobile node in mn, a correspondent node in cn. Every namespace has its own loopback, so all three serve
/// their status page on the same port.
/// </summary>
public static class DemoProfiles
{
    public const int StatusPort = 8780;

    /// <summary>The RFC 4285 mobility SPI and key the home agent and mobile node share (a demo key, nothing else).</summary>
    public const int Spi = 256;

    public const string Key = "000102030405060708090a0b0c0d0e0f10111213";

    public static string HomeAgent(int maxLifetime = 420) => string.Create(CultureInfo.InvariantCulture, $$"""
        [node]
        name = "ha"
        roles = ["home_agent"]

        [status]
        listen = "127.0.0.1:{{StatusPort}}"

        [[interface]]
        name = "{{DemoTopology.HomeBridge}}"
        link = "home"

        [[interface]]
        name = "ha-up"
        link = "backbone"

        [home_agent]
        address = "{{DemoTopology.HomeAgentAddress}}"
        prefix = "{{DemoTopology.HomePrefix}}"
        max_lifetime = {{maxLifetime}}

        [[home_agent.mobile_node]]
        home_address = "{{DemoTopology.HomeAddress}}"
        spi = {{Spi}}
        key = "{{Key}}"
        """);

    public static string MobileNode(int lifetime = 60) => string.Create(CultureInfo.InvariantCulture, $$"""
        [node]
        name = "mn"
        roles = ["mobile_node", "movement_detector"]

        [status]
        listen = "127.0.0.1:{{StatusPort}}"

        [[interface]]
        name = "{{DemoTopology.MobileInterface}}"
        link = "foreign"

        [mobile_node]
        home_address = "{{DemoTopology.HomeAddress}}"
        home_prefix_length = {{DemoTopology.HomePrefix.PrefixLength}}
        home_agent = "{{DemoTopology.HomeAgentAddress}}"
        interfaces = ["{{DemoTopology.MobileInterface}}"]
        lifetime = {{lifetime}}
        route_optimization = false
        spi = {{Spi}}
        key = "{{Key}}"

        [movement_detector]
        method = ["link", "ra", "nud", "dna"]
        """);

    public static string Correspondent() => string.Create(CultureInfo.InvariantCulture, $$"""
        [node]
        name = "cn"
        roles = ["correspondent_node"]

        [status]
        listen = "127.0.0.1:{{StatusPort}}"

        [[interface]]
        name = "{{DemoTopology.CorrespondentInterface}}"
        link = "backbone"

        [correspondent_node]
        route_optimization = true
        """);
}
