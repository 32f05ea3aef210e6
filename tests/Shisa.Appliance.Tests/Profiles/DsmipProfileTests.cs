using System.Net;
using Shisa.Appliance.Profiles;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Tests.Profiles;

/// <summary>The RFC 5555 keys: [mobile_node] home_agent_ipv4, [home_agent] ipv4_address and nat_keepalive_interval.</summary>
public sealed class DsmipProfileTests
{
    private static string HomeAgent(string extra) => $$"""
        [node]
        name = "ha"
        roles = ["home_agent"]
        [[interface]]
        name = "ha0"
        link = "home"
        [home_agent]
        address = "2001:db8:1::1"
        prefix = "2001:db8:1::/64"
        {{extra}}
        """;

    [Test]
    public void Mobile_node_reads_the_home_agent_ipv4_address()
    {
        var result = ProfileLoader.Parse(MinimalProfiles.MobileNode("home_agent_ipv4 = \"203.0.113.1\""), "mn.toml");
        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Profile!.MobileNode!.HomeAgentIpv4, Is.EqualTo(IPAddress.Parse("203.0.113.1")));
        Assert.That(ProfileLoader.Parse(MinimalProfiles.MobileNode(), "mn.toml").Profile!.MobileNode!.HomeAgentIpv4, Is.Null);
    }

    [TestCase("\"2001:db8::1\"", "is not an IPv4 address")]
    [TestCase("\"224.0.0.1\"", "is not a unicast IPv4 address")]
    [TestCase("\"203.0.113\"", "is not an IPv4 address")]
    public void Home_agent_ipv4_that_is_not_a_unicast_ipv4_address_is_an_error_at_its_value(string value, string message)
    {
        var result = ProfileLoader.Parse(MinimalProfiles.MobileNode($"home_agent_ipv4 = {value}"), "mn.toml");
        Assert.That(result.Errors, Has.Count.EqualTo(1));
        Assert.That(result.Errors[0].ToString(), Does.StartWith("mn.toml:11:19:").And.Contain(message));
    }

    [Test]
    public void Home_agent_reads_its_ipv4_address_and_keepalive_interval_and_defaults_to_natkatimeout()
    {
        var result = ProfileLoader.Parse(HomeAgent("ipv4_address = \"203.0.113.1\"\nnat_keepalive_interval = 15"), "ha.toml");
        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Profile!.HomeAgent!.Ipv4Address, Is.EqualTo(IPAddress.Parse("203.0.113.1")));
        Assert.That(result.Profile.HomeAgent.NatKeepaliveInterval, Is.EqualTo(TimeSpan.FromSeconds(15)));
        var defaults = ProfileLoader.Parse(HomeAgent("ipv4_address = \"203.0.113.1\""), "ha.toml").Profile!.HomeAgent!;
        Assert.That(defaults.NatKeepaliveInterval, Is.EqualTo(HomeAgentSection.DefaultNatKeepaliveInterval));
        Assert.That(defaults.NatKeepaliveInterval, Is.EqualTo(TimeSpan.FromSeconds(110)));
    }

    [Test]
    public void Keepalive_interval_without_an_ipv4_address_or_out_of_range_is_an_error_with_line_and_column()
    {
        var without = ProfileLoader.Parse(HomeAgent("nat_keepalive_interval = 15"), "ha.toml");
        Assert.That(without.Errors.Select(e => e.ToString()), Has.One.StartsWith("ha.toml:10:").And.Contain("needs ipv4_address"));
        var zero = ProfileLoader.Parse(HomeAgent("ipv4_address = \"203.0.113.1\"\nnat_keepalive_interval = 0"), "ha.toml");
        Assert.That(zero.Errors.Select(e => e.ToString()), Has.One.StartsWith("ha.toml:11:").And.Contain("1..86400"));
        var bad = ProfileLoader.Parse(HomeAgent("ipv4_address = \"198.51.100.0.1\""), "ha.toml");
        Assert.That(bad.Errors.Select(e => e.ToString()), Has.One.StartsWith("ha.toml:10:16:").And.Contain("is not an IPv4 address"));
    }
}
