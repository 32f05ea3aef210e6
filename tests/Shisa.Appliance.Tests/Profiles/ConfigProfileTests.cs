using System.Net;
using Shisa.Appliance.Profiles;
using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Tests.Profiles;

public class ConfigProfileTests
{
    [TestCaseSource(typeof(RepoFiles), nameof(RepoFiles.ConfigProfileCases))]
    public void Every_config_profile_loads_without_errors(string path)
    {
        var result = ProfileLoader.LoadFile(path);

        Assert.That(result.Errors.Select(e => e.ToString()), Is.Empty);
        Assert.That(result.IsValid, Is.True);
    }

    [Test]
    public void The_expected_profiles_exist()
    {
        var names = RepoFiles.ConfigProfiles().Select(Path.GetFileName).ToList();

        Assert.That(names, Is.SupersetOf(new[] { "default.toml", "ha.toml", "mn.toml", "mr.toml", "cn.toml" }));
    }

    [TestCaseSource(typeof(RepoFiles), nameof(RepoFiles.ConfigProfileCases))]
    public void Two_loads_of_the_same_file_are_equal(string path)
    {
        var first = ProfileLoader.LoadFile(path).Profile;
        var second = ProfileLoader.LoadFile(path).Profile;

        Assert.That(first, Is.Not.Null);
        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(second, Is.EqualTo(first));
        Assert.That(second!.GetHashCode(), Is.EqualTo(first!.GetHashCode()));
    }

    [Test]
    public void A_changed_value_makes_the_profiles_differ()
    {
        string path = Path.Combine(RepoFiles.Root, "config", "ha.toml");
        string text = File.ReadAllText(path);
        var original = ProfileLoader.Parse(text, path).Profile;
        var changed = ProfileLoader.Parse(text.Replace("prefixes = [\"2001:db8:1:100::/56\"]", "prefixes = [\"2001:db8:1:200::/56\"]", StringComparison.Ordinal), path).Profile;

        Assert.That(changed, Is.Not.Null);
        Assert.That(changed, Is.Not.EqualTo(original));
        Assert.That(changed!.HomeAgent!.MobileNodes[0], Is.EqualTo(original!.HomeAgent!.MobileNodes[0]), "the untouched entry stays equal");
        Assert.That(changed.HomeAgent.MobileNodes[1], Is.Not.EqualTo(original.HomeAgent.MobileNodes[1]));
    }

    [Test]
    public void Home_agent_profile_maps_to_the_records()
    {
        var profile = ProfileLoader.LoadFile(Path.Combine(RepoFiles.Root, "config", "ha.toml")).Profile!;

        Assert.That(profile.Node, Is.EqualTo(new NodeSection("ha", new EquatableArray<Role>([Role.HomeAgent])) { StateDirectory = "/var/lib/shisa/ha" }));
        Assert.That(profile.Status.Listen, Is.EqualTo(IPEndPoint.Parse("127.0.0.1:8781")));
        Assert.That(profile.Interfaces, Is.EqualTo(new EquatableArray<InterfaceSection>([new("ha0", LinkKind.Home), new("ha-up", LinkKind.Backbone)])));
        var ha = profile.HomeAgent!;
        Assert.That(ha.Address, Is.EqualTo(IPAddress.Parse("2001:db8:1::1")));
        Assert.That(ha.Prefix, Is.EqualTo(new Prefix(IPAddress.Parse("2001:db8:1::"), 64)));
        Assert.That(ha.MaxBindings, Is.EqualTo(1024));
        Assert.That(ha.MaxLifetime, Is.EqualTo(TimeSpan.FromSeconds(420)));
        Assert.That(ha.MobileNodes, Has.Count.EqualTo(2));
        Assert.That(ha.MobileNodes[0].HomeAddress, Is.EqualTo(IPAddress.Parse("2001:db8:1::100")));
        Assert.That(ha.MobileNodes[0].Prefixes, Is.Empty);
        Assert.That(ha.MobileNodes[0].Spi, Is.EqualTo(256u));
        Assert.That(ha.MobileNodes[0].Key, Has.Count.EqualTo(20));
        Assert.That(ha.MobileNodes[1].Prefixes, Is.EqualTo(new EquatableArray<Prefix>([new(IPAddress.Parse("2001:db8:1:100::"), 56)])));
        Assert.That(profile.MobileNode, Is.Null);
        Assert.That(profile.Correspondent, Is.Null);
    }

    [Test]
    public void Mobile_router_profile_maps_to_the_records()
    {
        var profile = ProfileLoader.LoadFile(Path.Combine(RepoFiles.Root, "config", "mr.toml")).Profile!;

        Assert.That(profile.Node.Roles, Is.EqualTo(new EquatableArray<Role>([Role.MobileNode, Role.MobileRouter, Role.MovementDetector])));
        Assert.That(profile.MobileNode!.HomeAgent, Is.EqualTo(IPAddress.Parse("2001:db8:1::1")));
        Assert.That(profile.MobileNode.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(profile.MobileNode.Interfaces, Is.EqualTo(new EquatableArray<string>(["mn0"])));
        Assert.That(profile.MobileRouter!.Mode, Is.EqualTo(MobileRouterMode.Explicit));
        Assert.That(profile.MobileRouter.Ingress, Is.EqualTo(new EquatableArray<string>(["mr1"])));
        Assert.That(profile.MovementDetector!.Methods, Is.EqualTo(MovementDetectorSection.Default.Methods));
    }

    [Test]
    public void Default_profile_is_a_correspondent_on_loopback()
    {
        var profile = ProfileLoader.LoadFile(Path.Combine(RepoFiles.Root, "config", "default.toml")).Profile!;

        Assert.That(profile.Node.Roles, Is.EqualTo(new EquatableArray<Role>([Role.CorrespondentNode])));
        Assert.That(profile.Status.Listen, Is.EqualTo(IPEndPoint.Parse("127.0.0.1:8780")));
        Assert.That(profile.Interfaces.Single().Name, Is.EqualTo("lo"));
        Assert.That(profile.Correspondent, Is.EqualTo(new CorrespondentSection(true)));
    }
}
