using System.Net;
using Shisa.Appliance.Profiles;

namespace Shisa.Appliance.Tests.Profiles;

public class NoRouteOptimizationTests
{
    private static string MobileNode(string extra) => MinimalProfiles.MobileNode("route_optimization = true\n" + extra);

    [Test]
    public void Correspondents_listed_in_no_route_optimization_are_read_into_the_section()
    {
        var result = ProfileLoader.Parse(MobileNode("no_route_optimization = [\"2001:db8:c::2\", \"2001:db8:c::3\"]"), "mn.toml");
        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Profile!.MobileNode!.NoRouteOptimization, Is.EqualTo(new[] { IPAddress.Parse("2001:db8:c::2"), IPAddress.Parse("2001:db8:c::3") }));
    }

    [Test]
    public void A_listed_correspondent_that_is_not_a_unicast_address_is_an_error_at_its_value()
    {
        var result = ProfileLoader.Parse(MobileNode("no_route_optimization = [\"ff02::1\"]"), "mn.toml");
        Assert.That(result.Errors, Has.Count.EqualTo(1));
        Assert.That(result.Errors[0].ToString(), Does.StartWith("mn.toml:12:26:"));
    }

    [Test]
    public void Without_the_key_no_correspondent_is_excluded()
    {
        Assert.That(ProfileLoader.Parse(MobileNode(""), "mn.toml").Profile!.MobileNode!.NoRouteOptimization, Is.Empty);
    }
}
