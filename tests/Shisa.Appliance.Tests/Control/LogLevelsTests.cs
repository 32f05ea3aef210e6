using Microsoft.Extensions.Logging;
using Shisa.Appliance.Hosting;
using Shisa.Appliance.Profiles;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Tests.Control;

public class LogLevelsTests
{
    private const string Base = "[node]\nname = \"x\"\nroles = [\"correspondent_node\"]\n[correspondent_node]\n";

    [Test]
    public void The_longest_configured_category_prefix_decides()
    {
        var levels = new LogLevels(new LogSection(LogLevel.Warning, [new CategoryLevel("Shisa.Modules", LogLevel.Information), new CategoryLevel("Shisa.Modules.home_agent", LogLevel.Debug)]));
        Assert.That(levels.IsEnabled("Shisa.Modules.home_agent", LogLevel.Debug), Is.True);
        Assert.That(levels.IsEnabled("Shisa.Modules.home_agent_x", LogLevel.Debug), Is.False, "a prefix counts only up to a dot");
        Assert.That(levels.IsEnabled("Shisa.Modules.mobile_node", LogLevel.Information), Is.True);
        Assert.That(levels.IsEnabled("Shisa.Modules.mobile_node", LogLevel.Debug), Is.False);
        Assert.That(levels.IsEnabled("Shisa.Appliance", LogLevel.Information), Is.False);
        Assert.That(levels.IsEnabled("Shisa.Appliance", LogLevel.Warning), Is.True);
        Assert.That(levels.IsEnabled(null, LogLevel.Warning), Is.True);
    }

    [Test]
    public void Set_changes_the_answer_at_once_and_reset_goes_back_to_the_profile()
    {
        var levels = new LogLevels(new LogSection(LogLevel.Information, [new CategoryLevel("Shisa.DataPlane", LogLevel.Error)]));
        Assert.That(levels.IsEnabled("Shisa.Modules.home_agent", LogLevel.Debug), Is.False);

        levels.Set("Shisa.Modules.home_agent", LogLevel.Debug);
        Assert.That(levels.IsEnabled("Shisa.Modules.home_agent", LogLevel.Debug), Is.True);
        Assert.That(levels.IsEnabled("Shisa.Modules.mobile_node", LogLevel.Debug), Is.False);

        levels.Set("all", LogLevel.Warning);
        Assert.That(levels.IsEnabled("Shisa.Modules.home_agent", LogLevel.Debug), Is.False, "all drops every category's level");
        Assert.That(levels.IsEnabled("Shisa.DataPlane.Forwarding", LogLevel.Warning), Is.True);
        Assert.That(levels.Current().Select(c => c.Category), Is.EqualTo(new[] { "all" }));

        levels.Reset();
        Assert.That(levels.IsEnabled("Shisa.Modules.home_agent", LogLevel.Information), Is.True);
        Assert.That(levels.IsEnabled("Shisa.DataPlane.Forwarding", LogLevel.Warning), Is.False);
        Assert.That(levels.Current(), Is.EqualTo(new[] { new CategoryLevel("all", LogLevel.Information), new CategoryLevel("Shisa.DataPlane", LogLevel.Error) }));
    }

    [Test]
    public void None_is_never_enabled()
    {
        var levels = new LogLevels(new LogSection(LogLevel.Trace, []));
        Assert.That(levels.IsEnabled("x", LogLevel.None), Is.False);
        levels.Set("x", LogLevel.None);
        Assert.That(levels.IsEnabled("x", LogLevel.Critical), Is.False);
    }

    [Test]
    public void The_profile_reads_log_level_and_categories()
    {
        var result = ProfileLoader.Parse(Base + "[log]\nlevel = \"warning\"\n[log.categories]\n\"Shisa.Modules.home_agent\" = \"debug\"\n", "p.toml");
        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Profile!.Log.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(result.Profile.Log.Categories, Is.EqualTo(new[] { new CategoryLevel("Shisa.Modules.home_agent", LogLevel.Debug) }));
        Assert.That(ProfileLoader.Parse(Base, "p.toml").Profile!.Log, Is.EqualTo(LogSection.Default));
    }

    [TestCase("[log]\nlevel = \"loud\"\n", "p.toml:6:9:", "must be one of trace")]
    [TestCase("[log]\nlevels = \"debug\"\n", "p.toml:6:1:", "unknown key 'levels' in [log]")]
    [TestCase("[log.categories]\n\"a b\" = \"debug\"\n", "p.toml:6:1:", "not a category name")]
    [TestCase("[log.categories]\nx = 3\n", "p.toml:6:5:", "must be a string")]
    [TestCase("[log.categories]\nx = \"chatty\"\n", "p.toml:6:5:", "must be one of")]
    public void A_bad_log_section_is_an_error_at_its_position(string section, string position, string message)
    {
        var result = ProfileLoader.Parse(Base + section, "p.toml");
        Assert.That(result.Errors, Has.Count.EqualTo(1));
        Assert.That(result.Errors[0].ToString(), Does.StartWith(position).And.Contain(message));
    }

    [Test]
    public void The_control_section_defaults_its_socket_and_checks_its_group()
    {
        var plain = ProfileLoader.Parse(Base + "[control]\n", "p.toml");
        Assert.That(plain.Errors, Is.Empty);
        Assert.That(plain.Profile!.Control, Is.EqualTo(new ControlSection(ControlSection.DefaultSocket, null)));
        var named = ProfileLoader.Parse(Base + "[control]\nsocket = \"/run/shisa/ha.ctl\"\ngroup = \"shisa\"\n", "p.toml");
        Assert.That(named.Profile!.Control, Is.EqualTo(new ControlSection("/run/shisa/ha.ctl", "shisa")));
        Assert.That(ProfileLoader.Parse(Base, "p.toml").Profile!.Control, Is.Null);
        Assert.That(ProfileLoader.Parse(Base + "[control]\nsocket = \"ctl.sock\"\n", "p.toml").Errors[0].ToString(), Does.Contain("absolute path"));
        Assert.That(ProfileLoader.Parse(Base + "[control]\ngroup = \"-x\"\n", "p.toml").Errors[0].ToString(), Does.Contain("group name"));
    }
}

[NonParallelizable]
public class JournaldLoggingTests
{
    [Test]
    public void Under_journald_lines_carry_the_syslog_priority_and_no_timestamp_and_follow_the_levels()
    {
        var levels = new LogLevels(new LogSection(LogLevel.Information, []));
        var original = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            using (var factory = Shisa.Appliance.Cli.ShisaCli.CreateLoggerFactory(levels, journald: true))
            {
                var logger = factory.CreateLogger("Shisa.Modules.home_agent");
                logger.LogWarning("refused {What}", "a binding");
                logger.LogDebug("hidden at information");
                levels.Set("Shisa.Modules.home_agent", LogLevel.Debug);
                logger.LogDebug("shown once raised");
                logger.LogError("failed");
            }
        }
        finally
        {
            Console.SetOut(original);
        }

        var lines = captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(new[]
        {
            "<4>Shisa.Modules.home_agent[0] refused a binding",
            "<7>Shisa.Modules.home_agent[0] shown once raised",
            "<3>Shisa.Modules.home_agent[0] failed",
        }));
    }
}
