using Shisa.Appliance.Extensions;
using Shisa.Appliance.Profiles;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Tests.Extensions;

/// <summary>
/// What a trimmed or NativeAOT build says about a profile naming plugins; the decision is tested here with
/// "unsupported" passed in, since the tests themselves run on the JIT.
/// </summary>
public class PluginSupportTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void The_test_host_is_a_build_that_loads_plugins() =>
        Assert.That(PluginSupport.IsSupported, Is.True);

    [Test]
    public void A_profile_without_plugins_runs_on_every_build()
    {
        Assert.That(PluginSupport.Refusal(null, supported: false), Is.Null);
        Assert.That(PluginSupport.Refusal(null, supported: true), Is.Null);
    }

    [Test]
    public void Plugins_are_refused_only_where_unsupported_in_one_line_naming_the_directory()
    {
        var plugins = new PluginsSection("/etc/shisa/plugins");

        Assert.That(PluginSupport.Refusal(plugins, supported: true), Is.Null);
        string? refusal = PluginSupport.Refusal(plugins, supported: false);
        Assert.That(refusal, Does.StartWith("[plugins] directory /etc/shisa/plugins: this build of shisa is trimmed or compiled ahead of time (NativeAOT) and cannot load plugins"));
        Assert.That(refusal, Does.Not.Contain('\n'));
    }

    [Test]
    public void Check_refuses_a_profile_naming_plugins_on_a_build_without_them_and_exits_2()
    {
        string path = _dir.File("p.toml");
        File.WriteAllText(path, "[node]\nname = \"x\"\nroles = [\"correspondent_node\"]\n[correspondent_node]\n[plugins]\ndirectory = \"plugins\"\n");
        using var unsupported = new StringWriter();
        using var supported = new StringWriter();

        int refused = ProfileCheck.Run(path, unsupported, pluginsSupported: false);
        int accepted = ProfileCheck.Run(path, supported, pluginsSupported: true);

        Assert.That(refused, Is.EqualTo(ProfileCheck.ExitInvalid));
        Assert.That(unsupported.ToString(), Is.EqualTo($"{path}: {PluginSupport.Refusal(new PluginsSection(_dir.File("plugins")), false)}{Environment.NewLine}"));
        Assert.That(accepted, Is.EqualTo(ProfileCheck.ExitValid));
        Assert.That(supported.ToString(), Is.EqualTo($"{path}: ok (roles: correspondent_node){Environment.NewLine}"));
    }
}
