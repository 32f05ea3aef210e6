using System.Diagnostics;
using System.Text.Json;

namespace Shisa.EndToEnd.Tests.Appliance;

/// <summary>The shisa executable as an operator runs it: the bundled default profile, the status API, SIGTERM.</summary>
[NonParallelizable]
public class ShisaProcessTests
{
    internal static int Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode;
    }

    internal static string Repo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Shisa.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Shisa.sln not found");
    }

    internal static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo() };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "shisa.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info)!;
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Run_on_the_default_profile_serves_status_and_stops_on_sigterm_within_5_s(CancellationToken cancellationToken)
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "signalling sockets need CAP_NET_RAW");
        using var state = new DefaultProfileCopy();
        using var process = Start("run", "--profile", state.ProfilePath);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:8780/"), Timeout = TimeSpan.FromSeconds(2) };

        var status = await WaitForStatusAsync(http, process, cancellationToken);

        Assert.That(status, Is.Not.Null, $"no /api/status; exited {process.HasExited}: {(process.HasExited ? await stderr : "")}");
        Assert.That(status!.RootElement.GetProperty("roles")[0].GetString(), Is.EqualTo("correspondent_node"));

        var stopping = Stopwatch.StartNew();
        Assert.That(Signal(process, "TERM"), Is.EqualTo(0));
        bool exited = process.WaitForExit(5_000);
        stopping.Stop();
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
        }

        Assert.That(exited, Is.True, "stopped within 5 s of SIGTERM");
        Assert.That(process.ExitCode, Is.EqualTo(0), await stderr);
        TestContext.Out.WriteLine($"stopped {stopping.ElapsedMilliseconds} ms after SIGTERM");
        Assert.That(await stdout, Does.Contain("stopping"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Run_on_a_broken_profile_names_line_and_column_and_exits_2(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"shisa-broken-{Guid.NewGuid():N}.toml");
        await File.WriteAllTextAsync(path, "[node]\nname = \"x\"\nroles = [\"correspondent_node\"]\n[correspondent_node]\nroute_optimisation = true\n", cancellationToken);
        try
        {
            using var process = Start("run", "--profile", path);
            var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            Assert.That(process.ExitCode, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain($"{path}:5:1:"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_second_run_on_the_same_state_directory_names_the_first_ones_pid_exits_1_and_the_first_keeps_running(CancellationToken cancellationToken)
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "signalling sockets need CAP_NET_RAW");
        using var state = new DefaultProfileCopy();
        using var first = Start("run", "--profile", state.ProfilePath);
        var firstStderr = first.StandardError.ReadToEndAsync(cancellationToken);
        _ = first.StandardOutput.ReadToEndAsync(cancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:8780/"), Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var running = await WaitForStatusAsync(http, first, cancellationToken);
            Assert.That(running, Is.Not.Null, $"the first instance serves no /api/status: {(first.HasExited ? await firstStderr : "")}");

            using var second = Start("run", "--profile", state.ProfilePath);
            var secondStderr = second.StandardError.ReadToEndAsync(cancellationToken);
            var secondStdout = second.StandardOutput.ReadToEndAsync(cancellationToken);
            await second.WaitForExitAsync(cancellationToken);
            string refusal = await secondStderr;
            string output = await secondStdout;

            Assert.Multiple(() =>
            {
                Assert.That(second.ExitCode, Is.EqualTo(1));
                Assert.That(refusal, Is.EqualTo($"shisa: another instance (pid {first.Id}) is running with state directory {state.StateDirectory}\n"));
                Assert.That(output, Does.Not.Contain("nftables"), "the refused instance touched nothing");
                Assert.That(first.HasExited, Is.False);
            });
            using var stillRunning = JsonDocument.Parse(await http.GetStringAsync("api/status", cancellationToken));
            Assert.That(stillRunning.RootElement.GetProperty("roles")[0].GetString(), Is.EqualTo("correspondent_node"));
        }
        finally
        {
            Signal(first, "TERM");
            if (!first.WaitForExit(5_000))
            {
                first.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<JsonDocument?> WaitForStatusAsync(HttpClient http, Process process, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
        {
            try
            {
                return JsonDocument.Parse(await http.GetStringAsync("api/status", cancellationToken));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        return null;
    }

    /// <summary>
    /// config/default.toml as it is, but with a state directory of its own in a scratch folder, so the test neither
    /// meets an instance running on /var/lib/shisa nor leaves a journal there.
    /// </summary>
    private sealed class DefaultProfileCopy : IDisposable
    {
        private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("shisa-default-");

        public DefaultProfileCopy()
        {
            StateDirectory = Path.Combine(_scratch.FullName, "state");
            ProfilePath = Path.Combine(_scratch.FullName, "default.toml");
            string profile = File.ReadAllText(Path.Combine(Repo(), "config", "default.toml"));
            File.WriteAllText(ProfilePath, Shisa.Appliance.Demo.ApplianceProcess.WithStateDirectory(profile, StateDirectory));
        }

        public string StateDirectory { get; }

        public string ProfilePath { get; }

        public void Dispose() => _scratch.Delete(recursive: true);
    }
}
