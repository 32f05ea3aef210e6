using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Shisa.Appliance.Demo;

namespace Shisa.EndToEnd.Tests.Demo;

/// <summary><c>shisa demo</c> as an operator runs it: a child process that builds, moves, reports and tears down.</summary>
[NonParallelizable]
public partial class ShisaDemoTests
{
    [Test]
    [CancelAfter(180_000)]
    public void Demo_runs_to_completion_prints_the_registration_and_the_handover_and_leaves_no_namespace()
    {
        Assume.That(Host.IsRoot, "shisa demo needs root");
        using var demo = DemoProcess.Start("demo");
        Assert.That(demo.WaitForExit(TimeSpan.FromSeconds(150)), Is.True, $"shisa demo did not finish:\n{demo.Output}");
        TestContext.Out.WriteLine(demo.Output);

        Assert.That(demo.ExitCode, Is.Zero, demo.Output);
        Assert.That(demo.Output, Does.Match(@"registered: home address 2001:db8:1::100 -> care-of address 2001:db8:a1:"));
        Assert.That(demo.Output, Does.Match(@"re-registered: care-of address 2001:db8:a2:"));
        Assert.That(demo.Output, Does.Match(@"\nar1 -> ar2 +\d+ ms +\d+ ms +\d+\n"), "a handover line with the registration time, the ping gap and the loss");
        Assert.That(demo.Output, Does.Match(@"breakdown: link-up -> RS/NS sent \+\d+ ms -> (RA|NA) \+\d+ ms -> care-of address \+\d+ ms -> BU \+\d+ ms -> BA \+\d+ ms -> first packet through \+\d+ ms; inside the appliance \d+ ms"),
            "each move step by step, from the mobile node's status");
        Assert.That(demo.Output, Does.Contain("ip netns exec ").And.Contain("curl -s http://127.0.0.1:8780/api/status"), "where the status pages are");
        AssertTornDown(demo.Output);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Demo_with_hold_keeps_running_until_SIGTERM_then_tears_down_and_exits_0()
    {
        Assume.That(Host.IsRoot, "shisa demo needs root");
        using var demo = DemoProcess.Start("demo", "--hold");
        Assert.That(await demo.WaitForLineAsync("holding:", TimeSpan.FromSeconds(150)), Is.True, $"no hold:\n{demo.Output}");
        string stem = Stem(demo.Output);
        Assert.That(RunNames.ExistingNamespaces(), Has.Some.StartsWith(stem), "the topology is up while holding");

        Host.Run("kill", "-TERM", demo.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(demo.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, $"shisa demo did not stop on SIGTERM:\n{demo.Output}");
        TestContext.Out.WriteLine(demo.Output);
        Assert.That(demo.ExitCode, Is.Zero, demo.Output);
        AssertTornDown(demo.Output);
    }

    [Test]
    public void Handover_table_shows_registration_gap_and_loss_per_move()
    {
        var text = DemoRunner.FormatHandovers(
            [
                new HandoverResult(AccessLink.Foreign1, AccessLink.Foreign2, TimeSpan.FromMilliseconds(131.4), new PingWindow(TimeSpan.FromMilliseconds(160), 12, true)),
                new HandoverResult(AccessLink.Foreign2, AccessLink.Home, null, new PingWindow(TimeSpan.Zero, 0, false)),
            ],
            TimeSpan.FromMilliseconds(10));

        Assert.That(text.Split('\n'), Is.EqualTo(new[]
        {
            "handover      registered    ping gap  lost (one echo every 10 ms)",
            "ar1 -> ar2        131 ms      160 ms  12",
            "ar2 -> home            -   no answer  0",
            string.Empty,
        }));
    }

    private static void AssertTornDown(string output)
    {
        string stem = Stem(output);
        Assert.That(output, Does.Contain($"torn down: no namespace of {stem} left"));
        Assert.That(Host.Run("ip", "netns", "list").StandardOutput, Does.Not.Contain(stem), "ip netns list after the demo");
    }

    private static string Stem(string output)
    {
        var match = TopologyLine().Match(output);
        Assert.That(match.Success, Is.True, $"the demo names its topology:\n{output}");
        return match.Groups["stem"].Value;
    }

    [GeneratedRegex(@"topology (?<stem>shs-\d+-[0-9a-f]{4}):")]
    private static partial Regex TopologyLine();

    /// <summary>shisa (this build's shisa.dll) as a child process of the test, output collected.</summary>
    private sealed class DemoProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private DemoProcess(Process process) => _process = process;

        public int ProcessId => _process.Id;

        public int ExitCode => _process.ExitCode;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static DemoProcess Start(params string[] arguments)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "shisa.dll"));
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            var process = new Process { StartInfo = start };
            var result = new DemoProcess(process);
            process.OutputDataReceived += (_, e) => result.Append(e.Data);
            process.ErrorDataReceived += (_, e) => result.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return result;
        }

        public bool WaitForExit(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                return false;
            }

            _process.WaitForExit();
            return true;
        }

        public async Task<bool> WaitForLineAsync(string text, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout && !_process.HasExited)
            {
                if (Output.Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }

                await Task.Delay(100);
            }

            return Output.Contains(text, StringComparison.Ordinal);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                // Ask first, so the demo still tears its namespaces down.
                Host.TryRun("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (!_process.WaitForExit(30_000))
                {
                    _process.Kill(entireProcessTree: true);
                }
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.Append(line).Append('\n');
            }
        }
    }
}
