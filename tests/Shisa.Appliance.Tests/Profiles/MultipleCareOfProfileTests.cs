using Shisa.Appliance.Profiles;

namespace Shisa.Appliance.Tests.Profiles;

/// <summary>[mobile_node] multiple_care_of and uplink_priority; [home_agent] multiple_care_of.</summary>
public class MultipleCareOfProfileTests
{
    private static string TwoUplinks(string extra) => $$"""
        [node]
        name = "mn"
        roles = ["mobile_node"]
        [[interface]]
        name = "mn0"
        link = "foreign"
        [[interface]]
        name = "mn1"
        link = "foreign"
        [mobile_node]
        home_address = "2001:db8:1::100"
        home_agent = "2001:db8:1::1"
        interfaces = ["mn0", "mn1"]
        {{extra}}
        """;

    [Test]
    public void Uplinks_get_their_position_as_binding_id_unless_uplink_priority_names_one()
    {
        var plain = ProfileLoader.Parse(TwoUplinks("multiple_care_of = true"), "mn.toml");
        Assert.That(plain.Errors, Is.Empty);
        var section = plain.Profile!.MobileNode!;
        Assert.That(section.MultipleCareOf, Is.True);
        Assert.That((section.BindingIdOf("mn0"), section.BindingIdOf("mn1"), section.BindingIdOf("eth9")), Is.EqualTo(((ushort?)1, (ushort?)2, (ushort?)null)));

        var swapped = ProfileLoader.Parse(TwoUplinks("multiple_care_of = true\nuplink_priority = { mn0 = 2, mn1 = 1 }"), "mn.toml");
        Assert.That(swapped.Errors, Is.Empty);
        Assert.That((swapped.Profile!.MobileNode!.BindingIdOf("mn0"), swapped.Profile.MobileNode.BindingIdOf("mn1")), Is.EqualTo(((ushort?)2, (ushort?)1)));
        Assert.That(ProfileLoader.Parse(TwoUplinks(""), "mn.toml").Profile!.MobileNode!.MultipleCareOf, Is.False, "off by default");
    }

    [TestCase("uplink_priority = { mn0 = 1 }", "mn.toml:14:", "needs multiple_care_of = true")]
    [TestCase("multiple_care_of = true\nuplink_priority = { eth9 = 1 }", "mn.toml:15:21:", "'eth9', which is not in interfaces")]
    [TestCase("multiple_care_of = true\nuplink_priority = { mn0 = 0 }", "mn.toml:15:", "out of range: 1..65535")]
    [TestCase("multiple_care_of = true\nuplink_priority = { mn0 = 3, mn1 = 3 }", "mn.toml:15:", "as mn0's")]
    [TestCase("multiple_care_of = true\nuplink_priority = { mn1 = 1 }", "mn.toml:15:", "uplink 'mn0' has priority 1 from its place in interfaces")]
    [TestCase("multiple_care_of = true\nuplink_priority = { mn1 = \"first\" }", "mn.toml:15:", "must be an integer")]
    public void A_bad_uplink_priority_is_an_error_with_line_and_column(string extra, string at, string message)
    {
        var result = ProfileLoader.Parse(TwoUplinks(extra), "mn.toml");
        Assert.That(result.Errors, Has.Count.EqualTo(1), string.Join("\n", result.Errors));
        Assert.That(result.Errors[0].ToString(), Does.StartWith(at).And.Contain(message));
    }
}
