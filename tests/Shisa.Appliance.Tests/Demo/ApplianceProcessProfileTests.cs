using Shisa.Appliance.Demo;
using Shisa.Appliance.Profiles;

namespace Shisa.Appliance.Tests.Demo;

/// <summary>
/// Instances the demo and the end-to-end tests start get a state directory of their own, so several of them on one
/// machine never share /var/lib/shisa (or its lock).
/// </summary>
public class ApplianceProcessProfileTests
{
    private const string Profile = "[node]\nname = \"ha\"\nroles = [\"correspondent_node\"]\n\n[correspondent_node]\nroute_optimization = true\n";

    [Test]
    public void A_profile_without_a_state_directory_gets_the_one_given()
    {
        string text = ApplianceProcess.WithStateDirectory(Profile, "/tmp/shisa-run-x/ha.state");

        var result = ProfileLoader.Parse(text, "ha.toml");
        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Profile!.Node.StateDirectory, Is.EqualTo("/tmp/shisa-run-x/ha.state"));
    }

    [Test]
    public void A_profile_naming_its_state_directory_keeps_it()
    {
        string named = Profile.Replace("[node]\n", "[node]\nstate_directory = \"/srv/ha\"\n", StringComparison.Ordinal);

        Assert.That(ApplianceProcess.WithStateDirectory(named, "/tmp/other"), Is.EqualTo(named));
    }

    [Test]
    public void Quotes_and_backslashes_in_the_directory_are_escaped()
    {
        string text = ApplianceProcess.WithStateDirectory(Profile, "/tmp/a \"b\"\\c");

        Assert.That(ProfileLoader.Parse(text, "ha.toml").Profile!.Node.StateDirectory, Is.EqualTo("/tmp/a \"b\"\\c"));
    }

    [Test]
    public void Every_demo_profile_gets_its_own_state_directory()
    {
        string[] profiles = [DemoProfiles.HomeAgent(), DemoProfiles.MobileNode(), DemoProfiles.Correspondent()];
        var directories = profiles
            .Select((p, i) => ProfileLoader.Parse(ApplianceProcess.WithStateDirectory(p, $"/tmp/demo/{i}.state"), "demo.toml").Profile!.Node.StateDirectory)
            .ToList();

        Assert.That(directories, Is.EqualTo(new[] { "/tmp/demo/0.state", "/tmp/demo/1.state", "/tmp/demo/2.state" }));
    }
}
