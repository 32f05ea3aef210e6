using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Shisa.Appliance.Hosting;

namespace Shisa.Appliance.Tests.Hosting;

/// <summary>The test plays systemd's side of NOTIFY_SOCKET: a Unix datagram socket that reads what the process says.</summary>
public class SystemdNotifierTests
{
    private string _path = null!;
    private Socket _systemd = null!;

    [SetUp]
    public void Listen()
    {
        _path = Path.Combine(Path.GetTempPath(), $"shisa-notify-{Guid.NewGuid():N}.sock");
        _systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _systemd.Bind(new UnixDomainSocketEndPoint(_path));
        _systemd.ReceiveTimeout = 5000;
    }

    [TearDown]
    public void Close()
    {
        _systemd.Dispose();
        File.Delete(_path);
    }

    private string Receive()
    {
        var buffer = new byte[4096];
        int n = _systemd.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    private Func<string, string?> Env(params (string Key, string Value)[] values) =>
        key => values.FirstOrDefault(v => v.Key == key).Value;

    [Test]
    public void Without_notify_socket_there_is_no_notifier()
    {
        Assert.That(SystemdNotifier.FromEnvironment(Env()), Is.Null);
    }

    [Test]
    public void Ready_stopping_and_status_reach_the_service_manager()
    {
        using var notifier = SystemdNotifier.FromEnvironment(Env(("NOTIFY_SOCKET", _path)))!;
        Assert.That(notifier.Ready("roles home_agent"), Is.True);
        Assert.That(Receive(), Does.StartWith("READY=1\n").And.Contain("STATUS=roles home_agent").And.Contain($"MAINPID={Environment.ProcessId}"));
        notifier.Status("2 bindings");
        Assert.That(Receive(), Is.EqualTo("STATUS=2 bindings"));
        notifier.Stopping();
        Assert.That(Receive(), Does.StartWith("STOPPING=1"));
    }

    [Test]
    public void Watchdog_is_kicked_at_half_the_interval_while_healthy()
    {
        var time = new FakeTimeProvider();
        bool healthy = true;
        using var notifier = SystemdNotifier.FromEnvironment(Env(("NOTIFY_SOCKET", _path)))!;
        var interval = SystemdNotifier.WatchdogInterval(Env(("WATCHDOG_USEC", "10000000"), ("WATCHDOG_PID", Environment.ProcessId.ToString())));
        Assert.That(interval, Is.EqualTo(TimeSpan.FromSeconds(10)));
        notifier.StartWatchdog(interval!.Value, time, () => healthy);
        Assert.That(Receive(), Is.EqualTo("WATCHDOG=1"));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(Receive(), Is.EqualTo("WATCHDOG=1"));
        healthy = false;
        time.Advance(TimeSpan.FromSeconds(5));
        _systemd.ReceiveTimeout = 200;
        Assert.That(() => Receive(), Throws.InstanceOf<SocketException>(), "no kick while unhealthy");
        Assert.That(notifier.Sent, Is.EqualTo(2));
    }

    [Test]
    public void Watchdog_for_another_pid_is_not_ours()
    {
        Assert.That(SystemdNotifier.WatchdogInterval(Env(("WATCHDOG_USEC", "10000000"), ("WATCHDOG_PID", "1"))), Is.Null);
    }

    [Test]
    public void Abstract_socket_names_are_supported()
    {
        var name = $"shisa-test-{Guid.NewGuid():N}";
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + name));
        listener.ReceiveTimeout = 5000;
        using var notifier = SystemdNotifier.FromEnvironment(Env(("NOTIFY_SOCKET", "@" + name)))!;
        notifier.Status("hello");
        var buffer = new byte[64];
        Assert.That(Encoding.UTF8.GetString(buffer, 0, listener.Receive(buffer)), Is.EqualTo("STATUS=hello"));
    }
}
