using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.Appliance.Control;
using Shisa.Appliance.Hosting;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Tests.Control;

/// <summary>The executor against a run with no role module and no data plane: what each command says, and that a refusal changes nothing.</summary>
public class ControlExecutorTests
{
    private static (ControlExecutor Executor, LogLevels Levels) Bare()
    {
        var levels = new LogLevels(new LogSection(LogLevel.Information, [new CategoryLevel("Shisa.DataPlane", LogLevel.Warning)]));
        var targets = new ControlTargets(levels, [], new BindingView(16), null, "shisa0", null, new FakeTimeProvider());
        return (new ControlExecutor(targets, NullLogger.Instance), levels);
    }

    [Test]
    public void Log_commands_change_the_levels_and_answer_with_them()
    {
        var (executor, levels) = Bare();
        var set = executor.Execute(["log", "level", "Shisa.Modules.home_agent", "debug"]);
        Assert.That(set.Status, Is.EqualTo(ControlStatus.Ok));
        Assert.That(set.Results.Select(r => r.Text), Is.EqualTo(new[] { "all information", "Shisa.DataPlane warning", "Shisa.Modules.home_agent debug" }));
        Assert.That(levels.IsEnabled("Shisa.Modules.home_agent", LogLevel.Debug), Is.True);

        var reset = executor.Execute(["log", "reset"]);
        Assert.That(reset.Results.Select(r => r.Text), Is.EqualTo(new[] { "all information", "Shisa.DataPlane warning" }));
        Assert.That(levels.IsEnabled("Shisa.Modules.home_agent", LogLevel.Debug), Is.False);
    }

    [TestCase("flush all", "flush: this node runs neither home_agent nor correspondent_node: it holds no binding cache")]
    [TestCase("reregister", "reregister: this node does not run mobile_node")]
    [TestCase("ro list", "ro: this node does not run mobile_node")]
    [TestCase("ro deny 2001:db8:c::2", "ro: this node does not run mobile_node")]
    [TestCase("bindings", "bindings: this run has no data plane, so no kernel state to compare with")]
    [TestCase("log level all loud", "'loud' is not a log level: one of trace, debug, information, warning, error, critical, none")]
    public void A_command_for_a_role_the_run_lacks_or_bad_words_are_refused_with_one_line(string line, string error)
    {
        var (executor, levels) = Bare();
        var response = executor.Execute(line.Split(' '));
        Assert.That((response.Status, response.Error), Is.EqualTo((ControlStatus.Refused, error)));
        Assert.That(response.Results, Is.Empty);
        Assert.That(levels.Current(), Has.Count.EqualTo(2), "nothing changed");
    }

    [Test]
    public void Timers_without_a_module_say_so()
    {
        var (executor, _) = Bare();
        Assert.That(executor.Execute(["timers"]).Results.Single().Text, Is.EqualTo("no timer scheduled"));
    }
}
