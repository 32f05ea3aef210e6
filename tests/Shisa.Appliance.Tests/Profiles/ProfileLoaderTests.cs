using System.Net;
using Shisa.Appliance.Profiles;
using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Tests.Profiles;

public class ProfileLoaderTests
{
    [Test]
    public void Every_error_of_a_file_is_reported_in_order()
    {
        const string text = """
            [node]
            name = ""
            roles = ["mobile_node"]
            [[interface]]
            name = "mn0"
            link = "wireless"
            [mobile_node]
            home_address = "2001:db8:1::100/64"
            home_agent = "discover"
            interfaces = ["mn0"]
            lifetime = -1
            lifetim = 5
            """;

        var errors = ProfileLoader.Parse(text, "mn.toml").Errors;

        Assert.That(errors.Select(e => e.ToString()), Is.EqualTo(new[]
        {
            "mn.toml:2:8: key 'name' in [node] must not be empty",
            "mn.toml:6:8: key 'link' must be one of home, foreign, mobile_network, backbone; not 'wireless'",
            "mn.toml:8:16: '2001:db8:1::100/64' is not an IPv6 address",
            "mn.toml:10:15: interface 'mn0' in [mobile_node] interfaces is not declared in [[interface]]",
            "mn.toml:11:12: key 'lifetime' is -1, out of range: 1..262140 seconds (RFC 6275 6.1.7: 16 bits of 4-second units)",
            "mn.toml:12:1: unknown key 'lifetim' in [mobile_node]",
        }));
    }

    [TestCase("", NodeSection.DefaultStateDirectory)]
    [TestCase("state_directory = \"/run/shisa-test/ha\"\n", "/run/shisa-test/ha")]
    [TestCase("state_directory = \"/srv/shisa/\"\n", "/srv/shisa")]
    public void The_state_directory_is_the_default_unless_given(string line, string expected)
    {
        string text = "[node]\nname = \"cn\"\nroles = [\"correspondent_node\"]\n" + line + "[correspondent_node]\n";

        var result = ProfileLoader.Parse(text, "cn.toml");

        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Profile!.Node.StateDirectory, Is.EqualTo(expected));
    }

    [Test]
    public void Every_syntax_error_is_reported_and_nothing_else()
    {
        const string text = """
            [node
            name = "x"
            roles = [
            [bogus]
            lifetime = = 3
            """;

        var errors = ProfileLoader.Parse(text, "s.toml").Errors;

        Assert.That(errors, Has.Count.GreaterThan(1));
        Assert.That(errors.Select(e => e.Line), Is.Ordered);
        Assert.That(errors[0].Position, Is.EqualTo(new SourcePosition(1, 6)));
        Assert.That(errors.Any(e => e.Message.Contains("unknown", StringComparison.Ordinal)), Is.False, "no profile errors on a broken document");
    }

    [Test]
    public void Home_agent_discover_gives_a_null_address()
    {
        var result = ProfileLoader.Parse("""
            [node]
            name = "mn"
            roles = ["mobile_node"]
            [[interface]]
            name = "mn0"
            link = "foreign"
            [mobile_node]
            home_address = "2001:db8:1::100"
            home_agent = "discover"
            interfaces = ["mn0"]
            """, "mn.toml");

        Assert.That(result.Errors, Is.Empty);
        var mn = result.Profile!.MobileNode!;
        Assert.That(mn.HomeAgent, Is.Null);
        Assert.That(mn.HomePrefixLength, Is.EqualTo(64));
        Assert.That(mn.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(mn.RouteOptimization, Is.False);
        Assert.That(mn.Spi, Is.Null);
        Assert.That(mn.Key, Is.Empty);
    }

    [TestCase("listen = \"\"", null)]
    [TestCase("listen = \"[::1]:8080\"", "[::1]:8080")]
    [TestCase("listen = \"0.0.0.0:80\"", "0.0.0.0:80")]
    [TestCase("", "127.0.0.1:8780")]
    public void Status_listen(string line, string? expected)
    {
        var result = ProfileLoader.Parse($"""
            [node]
            name = "cn"
            roles = ["correspondent_node"]
            [status]
            {line}
            [correspondent_node]
            """, "cn.toml");

        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Profile!.Status.Listen, Is.EqualTo(expected is null ? null : IPEndPoint.Parse(expected)));
    }

    [Test]
    public void Inline_tables_and_dotted_keys_mean_the_same_as_headers()
    {
        const string headers = """
            [node]
            name = "ha"
            roles = ["home_agent"]
            [[interface]]
            name = "ha0"
            link = "home"
            [home_agent]
            address = "2001:db8:1::1"
            prefix = "2001:db8:1::/64"
            [[home_agent.mobile_node]]
            home_address = "2001:db8:1::100"
            authentication = "none"
            """;
        const string inline = """
            node = { name = "ha", roles = ["home_agent"] }
            interface = [{ name = "ha0", link = "home" }]
            home_agent.address = "2001:db8:1::1"
            home_agent.prefix = "2001:db8:1::/64"
            home_agent.mobile_node = [{ home_address = "2001:db8:1::100", authentication = "none" }]
            """;

        var a = ProfileLoader.Parse(headers, "a.toml");
        var b = ProfileLoader.Parse(inline, "b.toml");

        Assert.That(a.Errors, Is.Empty);
        Assert.That(b.Errors, Is.Empty);
        Assert.That(b.Profile, Is.EqualTo(a.Profile));
    }

    [Test]
    public void Implicit_mode_may_leave_the_prefixes_to_the_home_agent()
    {
        var result = ProfileLoader.Parse("""
            [node]
            name = "mr"
            roles = ["mobile_node", "mobile_router"]
            [[interface]]
            name = "mn0"
            link = "foreign"
            [[interface]]
            name = "mr1"
            link = "mobile_network"
            [mobile_node]
            home_address = "2001:db8:1::200"
            home_agent = "2001:db8:1::1"
            interfaces = ["mn0"]
            [mobile_router]
            mode = "implicit"
            ingress = ["mr1"]
            """, "mr.toml");

        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Profile!.MobileRouter, Is.EqualTo(new MobileRouterSection(EquatableArray<Prefix>.Empty, MobileRouterMode.Implicit, new EquatableArray<string>(["mr1"]))));
    }

    [Test]
    public void Plugin_directory_is_resolved_against_the_profile_directory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "shisa-profile-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "p.toml");
            File.WriteAllText(path, """
                [node]
                name = "cn"
                roles = ["correspondent_node"]
                [correspondent_node]
                [plugins]
                directory = "plugins"
                """);

            var result = ProfileLoader.LoadFile(path);

            Assert.That(result.Errors, Is.Empty);
            Assert.That(result.Profile!.Plugins, Is.EqualTo(new PluginsSection(Path.Combine(dir, "plugins"))));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void A_missing_file_is_an_error_not_an_exception()
    {
        var result = ProfileLoader.LoadFile("/nonexistent/shisa/profile.toml");

        Assert.That(result.Profile, Is.Null);
        Assert.That(result.Errors.Single().ToString(), Does.StartWith("/nonexistent/shisa/profile.toml:1:1: cannot read the profile"));
    }

    [TestCase("2001:db8:1::/64", true)]
    [TestCase("2001:db8:1::1/128", true)]
    [TestCase("::/0", true)]
    [TestCase("2001:db8:1::/", false)]
    [TestCase("2001:db8:1::/-1", false)]
    [TestCase("2001:db8:1::/+64", false)]
    [TestCase("2001:db8:1::/64/64", false)]
    [TestCase("192.0.2.0/24", false)]
    [TestCase("fe80::%eth0/64", false)]
    [TestCase("2001:db8:1:8000::/49", true)]
    [TestCase("2001:db8:1:4000::/49", false)]
    public void Prefix_parsing(string text, bool valid) =>
        Assert.That(ProfileValues.TryParsePrefix(text, out _, out _), Is.EqualTo(valid));
}
