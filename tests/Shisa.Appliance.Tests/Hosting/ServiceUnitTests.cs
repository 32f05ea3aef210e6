using System.Diagnostics;

namespace Shisa.Appliance.Tests.Hosting;

public class ServiceUnitTests
{
    private static string Unit()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "packaging", "shisa.service");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException("packaging/shisa.service not found");
    }

    [Test]
    public void Unit_is_a_notify_service_with_a_watchdog_and_only_the_network_capabilities()
    {
        var lines = File.ReadAllLines(Unit()).Select(l => l.Trim()).ToList();
        Assert.That(lines, Does.Contain("Type=notify"));
        Assert.That(lines, Has.Some.Match("^WatchdogSec=[1-9]"));
        Assert.That(lines, Does.Contain("AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN"));
        Assert.That(lines, Has.Some.Match("^User=").And.None.EqualTo("User=root"));
        Assert.That(lines, Does.Contain("StateDirectory=shisa"), "/var/lib/shisa, [node] state_directory's default: journal and lock");
    }

    [Test]
    public void Unit_passes_systemd_analyze_verify_without_warnings()
    {
        Assume.That(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze is not installed (.ci/run installs systemd)");
        // verify checks that ExecStart's program exists: point it at the shisa this build produced.
        var shisa = Path.Combine(AppContext.BaseDirectory, "shisa");
        Assert.That(File.Exists(shisa), Is.True, "the shisa apphost is copied beside the tests");
        var dir = Directory.CreateTempSubdirectory("shisa-unit-");
        try
        {
            var unit = Path.Combine(dir.FullName, "shisa.service");
            File.WriteAllText(unit, File.ReadAllText(Unit()).Replace("/opt/shisa/shisa", shisa, StringComparison.Ordinal));
            using var process = Process.Start(new ProcessStartInfo("/usr/bin/systemd-analyze", ["verify", unit])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            var stderr = process.StandardError.ReadToEnd();
            var stdout = process.StandardOutput.ReadToEnd();
            Assert.That(process.WaitForExit(30_000), Is.True);
            Assert.That(process.ExitCode, Is.EqualTo(0), stderr + stdout);
            Assert.That((stderr + stdout).Trim(), Is.Empty, "systemd-analyze warned");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
