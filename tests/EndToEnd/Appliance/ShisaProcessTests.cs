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
        using var process = Start("run", "--profile", Path.Combine(Repo(), "config", "default.toml"));
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:8780/"), Timeout = TimeSpan.FromSeconds(2) };

        JsonDocument? status = null;
        var deadline = Stopwatch.StartNew();
        while (status is null && deadline.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
        {
            try
            {
                status = JsonDocument.Parse(await http.GetStringAsync("api/status", cancellationToken));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

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
}
