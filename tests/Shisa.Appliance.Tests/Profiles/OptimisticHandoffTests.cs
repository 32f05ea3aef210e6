using Shisa.Appliance.Profiles;

namespace Shisa.Appliance.Tests.Profiles;

public class OptimisticHandoffTests
{
    [Test]
    public void Optimistic_handoff_is_on_unless_the_profile_turns_it_off()
    {
        Assert.That(ProfileLoader.Parse(MinimalProfiles.MobileNode(""), "mn.toml").Profile!.MobileNode!.OptimisticHandoff, Is.True);
        var off = ProfileLoader.Parse(MinimalProfiles.MobileNode("optimistic_handoff = false"), "mn.toml");
        Assert.That(off.Errors, Is.Empty);
        Assert.That(off.Profile!.MobileNode!.OptimisticHandoff, Is.False);
    }

    [Test]
    public void Optimistic_handoff_that_is_not_a_boolean_is_an_error_at_its_value()
    {
        var result = ProfileLoader.Parse(MinimalProfiles.MobileNode("optimistic_handoff = \"yes\""), "mn.toml");
        Assert.That(result.Errors, Has.Count.EqualTo(1));
        Assert.That(result.Errors[0].ToString(), Does.StartWith("mn.toml:11:").And.Contain("key 'optimistic_handoff' must be a boolean"));
    }
}
