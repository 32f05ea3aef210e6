using Shisa.Appliance.Profiles;

namespace Shisa.Appliance.Tests.Profiles;

public class BusSectionTests
{
    private const string Base = "[node]\nname = \"x\"\nroles = [\"correspondent_node\"]\n[correspondent_node]\n";

    [Test]
    public void A_bus_socket_path_is_read_into_the_profile()
    {
        var result = ProfileLoader.Parse(Base + "[bus]\nsocket = \"/run/shisa/bus.sock\"\n", "p.toml");
        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Profile!.Bus!.Socket, Is.EqualTo("/run/shisa/bus.sock"));
    }

    [Test]
    public void Without_a_bus_section_the_bus_is_not_offered()
    {
        Assert.That(ProfileLoader.Parse(Base, "p.toml").Profile!.Bus, Is.Null);
    }

    [Test]
    public void A_mobile_node_may_leave_movement_detection_to_a_bus_socket_client()
    {
        string profile = MinimalProfiles.MobileNode("[bus]\nsocket = \"/run/shisa/bus.sock\"");
        var result = ProfileLoader.Parse(profile, "mn.toml");
        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Profile!.Node.Roles, Is.EqualTo(new[] { Shisa.Modules.Configuration.Role.MobileNode }));
    }

    [TestCase("\"bus.sock\"", "absolute path")]
    [TestCase("3", "must be")]
    public void A_bad_socket_path_is_an_error_at_its_value(string value, string message)
    {
        var result = ProfileLoader.Parse(Base + "[bus]\nsocket = " + value + "\n", "p.toml");
        Assert.That(result.Errors, Has.Count.EqualTo(1));
        Assert.That(result.Errors[0].ToString(), Does.StartWith("p.toml:6:10:").And.Contain(message));
    }
}
