using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Shisa.Appliance.Hosting;

/// <summary>
/// sd_notify(3) spoken by the process itself: READY, STOPPING, STATUS and WATCHDOG datagrams to the socket
/// named by NOTIFY_SOCKET (Microsoft.Extensions.Hosting.Systemd only notifies when its parent is systemd and
/// never sends WATCHDOG). An '@' name is a Linux abstract socket. The watchdog is kicked at half of
/// WATCHDOG_USEC, and only while the caller's health check says the process is well, so a hung appliance
/// gets restarted.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endPoint;
    private ITimer? _watchdog;

    private SystemdNotifier(string path)
    {
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _endPoint = new UnixDomainSocketEndPoint(path.StartsWith('@') ? "\0" + path[1..] : path);
    }

    /// <summary>Datagrams sent, and sends that failed (a missing listener is not fatal to the appliance).</summary>
    public long Sent { get; private set; }

    public long Failed { get; private set; }

    /// <summary>The notifier for this process, or null when not started by a service manager.</summary>
    public static SystemdNotifier? FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return environment("NOTIFY_SOCKET") is { Length: > 0 } path ? new SystemdNotifier(path) : null;
    }

    /// <summary>
    /// The watchdog interval systemd asked for (WATCHDOG_USEC, for this process when WATCHDOG_PID is set), or null.
    /// </summary>
    public static TimeSpan? WatchdogInterval(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment("WATCHDOG_PID") is { Length: > 0 } pid
            && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p != Environment.ProcessId))
        {
            return null;
        }

        return long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out long usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }

    public bool Notify(string state)
    {
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), _endPoint);
            Sent++;
            return true;
        }
        catch (SocketException)
        {
            Failed++;
            return false;
        }
    }

    public bool Ready(string status) => Notify($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}");

    public bool Stopping() => Notify("STOPPING=1\nSTATUS=stopping");

    public bool Status(string status) => Notify("STATUS=" + status);

    /// <summary>Kicks the watchdog every <paramref name="interval"/>/2 while <paramref name="healthy"/> holds.</summary>
    public void StartWatchdog(TimeSpan interval, TimeProvider time, Func<bool> healthy)
    {
        var period = interval / 2;
        _watchdog?.Dispose();
        _watchdog = time.CreateTimer(_ =>
        {
            if (healthy())
            {
                Notify("WATCHDOG=1");
            }
        }, null, TimeSpan.Zero, period);
    }

    public void Dispose()
    {
        _watchdog?.Dispose();
        _socket.Dispose();
    }
}
