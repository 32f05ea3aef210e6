using Shisa.Appliance.Profiles;
using Shisa.EndToEnd.Tests.Mobility;
using Shisa.EndToEnd.Tests.Nemo;
using Shisa.EndToEnd.Tests.RouteOptimization;

namespace Shisa.EndToEnd.Tests.Topology;

/// <summary>The profiles the end-to-end tests write are ones <c>shisa check</c> accepts (no root needed).</summary>
public class TestProfilesTests
{
    private static IEnumerable<TestCaseData> All()
    {
        yield return new TestCaseData(Profiles.HomeAgent()).SetName("home agent");
        yield return new TestCaseData(Profiles.HomeAgent(extraNodes: "[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::101\"\nauthentication = \"none\"")).SetName("home agent, two nodes");
        yield return new TestCaseData(Profiles.MobileNode()).SetName("mobile node");
        yield return new TestCaseData(Profiles.MobileNode(busSocket: "/run/shisa/bus.sock")).SetName("mobile node, external detector");
        yield return new TestCaseData(NemoProfiles.HomeAgent()).SetName("NEMO home agent");
        yield return new TestCaseData(NemoProfiles.MobileRouter("explicit")).SetName("mobile router, explicit");
        yield return new TestCaseData(NemoProfiles.MobileRouter("implicit")).SetName("mobile router, implicit");
        yield return new TestCaseData(RouteOptimizationProfiles.MobileNode()).SetName("mobile node with route optimization");
        yield return new TestCaseData(RouteOptimizationProfiles.Correspondent()).SetName("correspondent");
    }

    [TestCaseSource(nameof(All))]
    public void Is_a_valid_profile(string text)
    {
        var loaded = ProfileLoader.Parse(text, "test.toml");
        Assert.That(loaded.IsValid, Is.True, () => string.Join('\n', loaded.Errors) + "\n" + text);
    }

    [Test]
    public void An_external_detector_profile_has_the_socket_and_no_built_in_detector()
    {
        var profile = ProfileLoader.Parse(Profiles.MobileNode(busSocket: "/run/shisa/bus.sock"), "test.toml").Profile!;
        Assert.That(profile.Node.Roles.Select(r => r.ToString()), Is.EqualTo(new[] { "MobileNode" }));
        Assert.That(profile.Bus?.Socket, Is.EqualTo("/run/shisa/bus.sock"));
    }
}
