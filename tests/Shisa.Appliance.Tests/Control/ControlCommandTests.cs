using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.Appliance.Control;

namespace Shisa.Appliance.Tests.Control;

public class ControlCommandTests
{
    private static ControlCommand? Parse(string line, out string? error) =>
        ControlCommand.Parse(line.Length == 0 ? [] : line.Split(' '), out error);

    private static ControlCommand Ok(string line)
    {
        var command = Parse(line, out string? error);
        Assert.That(error, Is.Null, line);
        return command!;
    }

    [Test]
    public void Every_command_parses_into_its_record()
    {
        Assert.That(Ok("log show"), Is.TypeOf<LogShow>());
        Assert.That(Ok("log reset"), Is.TypeOf<LogReset>());
        Assert.That(Ok("log level all debug"), Is.EqualTo(new LogLevelSet("all", LogLevel.Debug)));
        Assert.That(Ok("log level Shisa.Modules.home_agent trace"), Is.EqualTo(new LogLevelSet("Shisa.Modules.home_agent", LogLevel.Trace)));
        Assert.That(Ok("flush all"), Is.EqualTo(new Flush(null, null)));
        Assert.That(Ok("flush 2001:db8:1::100"), Is.EqualTo(new Flush(IPAddress.Parse("2001:db8:1::100"), null)));
        Assert.That(Ok("flush 2001:db8:1::100 binding-id 7"), Is.EqualTo(new Flush(IPAddress.Parse("2001:db8:1::100"), 7)));
        Assert.That(Ok("reregister"), Is.TypeOf<ReRegister>());
        Assert.That(Ok("ro list"), Is.TypeOf<RouteOptimizationList>());
        Assert.That(Ok("ro deny 2001:db8:c::2"), Is.EqualTo(new RouteOptimizationChange(IPAddress.Parse("2001:db8:c::2"), true)));
        Assert.That(Ok("ro allow 2001:db8:c::2"), Is.EqualTo(new RouteOptimizationChange(IPAddress.Parse("2001:db8:c::2"), false)));
        Assert.That(Ok("timers"), Is.TypeOf<Timers>());
        Assert.That(Ok("bindings"), Is.TypeOf<Bindings>());
    }

    [TestCase("", "no command")]
    [TestCase("show bc", "unknown command 'show'")]
    [TestCase("log", "usage: log")]
    [TestCase("log level all", "usage: log")]
    [TestCase("log level all loud", "'loud' is not a log level")]
    [TestCase("log level a/b debug", "not a category name")]
    [TestCase("log reset now", "usage: log")]
    [TestCase("flush", "usage: flush")]
    [TestCase("flush 192.0.2.1", "not an IPv6 unicast address")]
    [TestCase("flush ff02::1", "not an IPv6 unicast address")]
    [TestCase("flush ::", "not an IPv6 unicast address")]
    [TestCase("flush fe80::1%2", "not an IPv6 unicast address")]
    [TestCase("flush 2001:db8::1 binding-id", "usage: flush")]
    [TestCase("flush 2001:db8::1 binding-id 65536", "usage: flush")]
    [TestCase("flush 2001:db8::1 id 3", "usage: flush")]
    [TestCase("flush 2001:db8::1 binding-id -1", "usage: flush")]
    [TestCase("reregister now", "takes no arguments")]
    [TestCase("timers all", "takes no arguments")]
    [TestCase("ro", "usage: ro")]
    [TestCase("ro deny", "usage: ro")]
    [TestCase("ro deny cn", "not an IPv6 unicast address")]
    [TestCase("ro block 2001:db8::1", "usage: ro")]
    public void Bad_usage_is_one_line_and_no_command(string line, string message)
    {
        Assert.That(Parse(line, out string? error), Is.Null);
        Assert.That(error, Does.Contain(message));
        Assert.That(error, Does.Not.Contain('\n'));
    }
}
