using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Shisa.DataPlane.Kernel;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Appliance;

/// <summary>
/// One <c>shisa run</c> process inside a namespace of the test topology, on a profile the test writes, with an
/// HTTP client whose sockets are made inside that namespace so it reaches the instance's loopback status page.
/// </summary>
public sealed class ApplianceInstance : IDisposable
{
    private readonly HttpClient _http;

    private ApplianceInstance(string ns, string profilePath, NamespaceProcess process, int statusPort)
    {
        Namespace = ns;
        ProfilePath = profilePath;
        Process = process;
        StatusPort = statusPort;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = NetworkNamespace.Invoke(ns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{statusPort}/"), Timeout = TimeSpan.FromSeconds(3) };
    }

    public string Namespace { get; }

    public string ProfilePath { get; }

    public NamespaceProcess Process { get; }

    public int StatusPort { get; }

    /// <summary>Everything the process printed so far.</summary>
    public string Output => string.Join('\n', Process.Lines.Select(l => l.Text));

    /// <summary>Writes <paramref name="profile"/> (TOML) to the scratch folder and starts shisa on it in <paramref name="ns"/>.</summary>
    public static ApplianceInstance Start(MobilityTopology topology, string ns, string name, string profile, int statusPort)
    {
        var path = Path.Combine(topology.Names.ScratchDirectory, name + ".toml");
        File.WriteAllText(path, profile);
        var shisa = Path.Combine(AppContext.BaseDirectory, "shisa.dll");
        // As systemd would: SIGHUP at its default disposition even when the test run itself ignores it (nohup),
        // since .NET never delivers a signal the process was started ignoring.
        var process = topology.Start(ns, "env", "--default-signal=HUP", "dotnet", shisa, "run", "--profile", path);
        return new ApplianceInstance(ns, path, process, statusPort);
    }

    /// <summary>GET /api/status, or null while it does not answer.</summary>
    public async Task<JsonDocument?> TryStatusAsync(CancellationToken cancellationToken)
    {
        try
        {
            return JsonDocument.Parse(await _http.GetStringAsync("api/status", cancellationToken));
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Polls the status until <paramref name="condition"/> holds; fails with the process output otherwise.</summary>
    public async Task<JsonDocument> WaitForStatusAsync(Func<JsonElement, bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonDocument? last = null;
        while (DateTime.UtcNow < deadline)
        {
            Assert.That(Process.HasExited, Is.False, $"shisa in {Namespace} exited ({(Process.HasExited ? Process.ExitCode : 0)}) while waiting for {what}:\n{Output}");
            last = await TryStatusAsync(cancellationToken);
            if (last is not null && condition(last.RootElement))
            {
                return last;
            }

            await Task.Delay(100, cancellationToken);
        }

        Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what} in {Namespace}; last status: {last?.RootElement}\n{Output}");
        throw new InvalidOperationException();
    }

    /// <summary>SIGTERM and wait; returns the exit code, or null when it did not stop in time.</summary>
    public int? Stop(TimeSpan timeout)
    {
        Process.Signal("TERM");
        return Process.WaitForExit(timeout) ? Process.ExitCode : null;
    }

    /// <summary>kill -9: no cleanup of any kind runs.</summary>
    public void Kill()
    {
        Process.Signal("KILL");
        Process.WaitForExit(TimeSpan.FromSeconds(5));
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Stop(TimeSpan.FromSeconds(6));
        }

        Process.Dispose();
        _http.Dispose();
    }
}
