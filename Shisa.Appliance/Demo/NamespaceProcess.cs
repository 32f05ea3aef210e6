using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Shisa.Appliance.Demo;

/// <summary>One line a <see cref="NamespaceProcess"/> printed, with when the test saw it.</summary>
public readonly record struct OutputLine(DateTime ReceivedUtc, bool IsError, string Text);

/// <summary>
/// A long-running program started inside a network namespace (<c>ip netns exec NS program ...</c>, which execs
/// the program, so the pid is the program's). Output lines are collected as they come (the last
/// <see cref="MaxLines"/>). Disposing kills it.
/// </summary>
public sealed class NamespaceProcess : IDisposable
{
    /// <summary>Lines kept per process; older ones are dropped (a long <c>--hold</c> must not grow memory without bound).</summary>
    public const int MaxLines = 50_000;

    private readonly Process _process;
    private readonly ConcurrentQueue<OutputLine> _lines = new();

    private NamespaceProcess(string ns, Process process, string commandLine)
    {
        Namespace = ns;
        _process = process;
        CommandLine = commandLine;
    }

    public string Namespace { get; }

    public string CommandLine { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<OutputLine> Lines => [.. _lines];

    public IEnumerable<string> StandardOutput => _lines.Where(l => !l.IsError).Select(l => l.Text);

    public static NamespaceProcess Start(string ns, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in (string[])["netns", "exec", ns, program, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var result = new NamespaceProcess(ns, process, $"ip netns exec {ns} {program} {string.Join(' ', arguments)}");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                result.Add(new OutputLine(DateTime.UtcNow, false, e.Data));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                result.Add(new OutputLine(DateTime.UtcNow, true, e.Data));
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>The exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Sends a signal by name (TERM, KILL, HUP ...) to the process.</summary>
    public bool Signal(string signal) =>
        _process.HasExited || NamespaceCommands.TryRun("kill", "-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)).Succeeded;

    /// <summary>Sends SIGINT (ping then prints its summary) and waits for the exit.</summary>
    public bool Interrupt(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }

        NamespaceCommands.TryRun("kill", "-INT", _process.Id.ToString(CultureInfo.InvariantCulture));
        return WaitForExit(timeout);
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit(); // flush the output readers
        return true;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(2000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }

        _process.Dispose();
    }

    public override string ToString() => CommandLine;

    private void Add(OutputLine line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > MaxLines && _lines.TryDequeue(out _))
        {
        }
    }
}
