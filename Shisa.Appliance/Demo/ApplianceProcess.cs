using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Shisa.DataPlane.Kernel;

namespace Shisa.Appliance.Demo;

/// <summary>
/// One <c>shisa run --profile P</c> child process inside a namespace of a <see cref="DemoTopology"/>, on a profile
/// written to the topology's scratch folder, with an HTTP client whose sockets are made inside that namespace so
/// it reaches the instance's loopback status page.
/// </summary>
public sealed class ApplianceProcess : IDisposable
{
    private readonly HttpClient _http;

    private ApplianceProcess(string name, string ns, string profilePath, string stateDirectory, NamespaceProcess process, int statusPort)
    {
        Name = name;
        Namespace = ns;
        ProfilePath = profilePath;
        StateDirectory = stateDirectory;
        Process = process;
        StatusPort = statusPort;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = NetworkNamespace.Invoke(ns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = StatusUrl, Timeout = TimeSpan.FromSeconds(3) };
    }

    public string Name { get; }

    public string Namespace { get; }

    public string ProfilePath { get; }

    /// <summary>The state directory given to the instance when its profile names none (see <see cref="Start"/>).</summary>
    public string StateDirectory { get; }

    public NamespaceProcess Process { get; }

    public int StatusPort { get; }

    /// <summary>The status page, as seen from inside <see cref="Namespace"/>.</summary>
    public Uri StatusUrl => new($"http://127.0.0.1:{StatusPort.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>Everything the process printed so far.</summary>
    public string Output => string.Join('\n', Process.Lines.Select(l => l.Text));

    /// <summary>
    /// How to start this very program again: the apphost or single-file executable itself, or <c>dotnet shisa.dll</c>
    /// when it runs under the dotnet host (<c>dotnet run</c>, tests, the benchmark).
    /// </summary>
    public static (string Program, string[] Arguments) SelfCommand()
    {
        string? path = Environment.ProcessPath;
        string? name = path is null ? null : Path.GetFileNameWithoutExtension(path);
        if (path is not null && string.Equals(name, "shisa", StringComparison.Ordinal))
        {
            return (path, []);
        }

        string host = path is not null && string.Equals(name, "dotnet", StringComparison.Ordinal)
            ? path
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath ? hostPath : "dotnet";
        return (host, [Path.Combine(AppContext.BaseDirectory, "shisa.dll")]);
    }

    /// <summary>The shell words of <see cref="SelfCommand"/>, for telling an operator what to type.</summary>
    public static string SelfCommandLine()
    {
        var (program, arguments) = SelfCommand();
        return string.Join(' ', [program, .. arguments]);
    }

    /// <summary>
    /// Writes <paramref name="profile"/> (TOML) to the scratch folder and starts <c>shisa run</c> on it in <paramref name="ns"/>.
    /// Unless the profile names one, the instance gets a state directory of its own in the scratch folder,
    /// <c>&lt;name&gt;.state</c>: instances of one machine never share /var/lib/shisa, and an instance started again
    /// under the same name finds its journal.
    /// </summary>
    public static ApplianceProcess Start(DemoTopology topology, string ns, string name, string profile, int statusPort = DemoProfiles.StatusPort)
    {
        ArgumentNullException.ThrowIfNull(topology);
        string path = Path.Combine(topology.Names.ScratchDirectory, name + ".toml");
        string stateDirectory = StateDirectoryOf(topology, name);
        File.WriteAllText(path, WithStateDirectory(profile, stateDirectory));
        var (program, arguments) = SelfCommand();
        // As systemd would start it: SIGHUP (profile reload) at its default disposition even when this process was
        // started with it ignored (nohup), since .NET never delivers a signal a process started ignoring.
        var process = topology.Start(ns, "env", ["--default-signal=HUP", program, .. arguments, "run", "--profile", path]);
        return new ApplianceProcess(name, ns, path, stateDirectory, process, statusPort);
    }

    /// <summary>
    /// Starts <c>shisa run</c> on the profile file at <paramref name="profilePath"/> in <paramref name="ns"/> with
    /// <paramref name="environment"/> (<c>NAME=value</c> words for <c>env</c>, e.g. a PATH without <c>ip</c>); the
    /// profile names <paramref name="stateDirectory"/>.
    /// </summary>
    public static ApplianceProcess StartInNamespace(string ns, string name, string profilePath, string stateDirectory, int statusPort, params string[] environment)
    {
        var (program, arguments) = SelfCommand();
        var process = NamespaceProcess.Start(ns, "env", [.. environment, "--default-signal=HUP", program, .. arguments, "run", "--profile", profilePath]);
        return new ApplianceProcess(name, ns, profilePath, stateDirectory, process, statusPort);
    }

    /// <summary>
    /// Replaces the profile file with <paramref name="profile"/>, given the same state directory as at the start (a
    /// different one would be a [node] change, which a reload refuses); for SIGHUP tests.
    /// </summary>
    public void RewriteProfile(string profile) => File.WriteAllText(ProfilePath, WithStateDirectory(profile, StateDirectory));

    /// <summary>The state directory <see cref="Start"/> gives the instance <paramref name="name"/> of <paramref name="topology"/>.</summary>
    public static string StateDirectoryOf(DemoTopology topology, string name)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return Path.Combine(topology.Names.ScratchDirectory, name + ".state");
    }

    /// <summary>
    /// <paramref name="profile"/> with <c>state_directory = "<paramref name="directory"/>"</c> as the first key of its
    /// <c>[node]</c> table; unchanged when it already names one or has no <c>[node]</c> line.
    /// </summary>
    public static string WithStateDirectory(string profile, string directory)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(directory);
        var lines = profile.Split('\n');
        if (lines.Any(l => l.TrimStart().StartsWith("state_directory", StringComparison.Ordinal)))
        {
            return profile;
        }

        int node = Array.FindIndex(lines, l => l.Trim() == "[node]");
        if (node < 0)
        {
            return profile;
        }

        string quoted = directory.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        return string.Join('\n', [.. lines[..(node + 1)], $"state_directory = \"{quoted}\"", .. lines[(node + 1)..]]);
    }

    /// <summary>GET /api/status, or null while it does not answer.</summary>
    public async Task<JsonDocument?> TryStatusAsync(CancellationToken cancellationToken)
    {
        try
        {
            string text = await _http.GetStringAsync(new Uri("api/status", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            return JsonDocument.Parse(text);
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or JsonException
            || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>
    /// Polls the status (every <paramref name="interval"/>, 50 ms unless given) until <paramref name="condition"/>
    /// holds and returns it; null on timeout. Throws <see cref="DemoException"/> when the process exits meanwhile.
    /// </summary>
    public async Task<JsonDocument?> WaitForStatusAsync(Func<JsonElement, bool> condition, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Process.HasExited)
            {
                throw new DemoException($"shisa in {Namespace} ({Name}) exited with code {Process.ExitCode}", Output);
            }

            using (var status = await TryStatusAsync(cancellationToken).ConfigureAwait(false))
            {
                if (status is not null && condition(status.RootElement))
                {
                    return JsonDocument.Parse(status.RootElement.GetRawText());
                }
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>SIGTERM (a mobile node then deregisters) and wait; returns the exit code, or null when it did not stop in time.</summary>
    public int? Stop(TimeSpan timeout)
    {
        Process.Signal("TERM");
        return Process.WaitForExit(timeout) ? Process.ExitCode : null;
    }

    /// <summary>kill -9: no cleanup of any kind runs (what a power cut does to a board).</summary>
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

/// <summary>A step of the demo (or the benchmark's set-up) that did not happen; <see cref="Detail"/> holds what the process said.</summary>
public sealed class DemoException : Exception
{
    public DemoException(string message, string detail)
        : base(message)
    {
        Detail = detail;
    }

    public DemoException()
        : this(string.Empty, string.Empty)
    {
    }

    public DemoException(string message)
        : this(message, string.Empty)
    {
    }

    public DemoException(string message, Exception innerException)
        : base(message, innerException)
    {
        Detail = string.Empty;
    }

    public string Detail { get; }
}
