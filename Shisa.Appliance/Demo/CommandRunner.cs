using System.Diagnostics;

namespace Shisa.Appliance.Demo;

/// <summary>What a configuration command returned.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs a configuration program (<c>ip</c>, <c>nft</c>, <c>sysctl</c>) with an argument list, never through a
/// shell. The demo's topology builder and the tests only: the appliance itself talks to the kernel over netlink.
/// </summary>
public interface ICommandRunner
{
    CommandResult Run(string program, IReadOnlyList<string> arguments, string? standardInput = null);
}

/// <summary>A command that failed: the command line, exit code and the program's own words.</summary>
public sealed class KernelCommandException : Exception
{
    public KernelCommandException(string commandLine, int exitCode, string standardError)
        : base($"'{commandLine}' failed with exit code {exitCode}: {standardError.Trim()}")
    {
        CommandLine = commandLine;
        ExitCode = exitCode;
        StandardError = standardError;
    }

    public KernelCommandException()
        : this(string.Empty, -1, string.Empty)
    {
    }

    public KernelCommandException(string message)
        : base(message)
    {
        CommandLine = string.Empty;
        StandardError = string.Empty;
        ExitCode = -1;
    }

    public KernelCommandException(string message, Exception innerException)
        : base(message, innerException)
    {
        CommandLine = string.Empty;
        StandardError = string.Empty;
        ExitCode = -1;
    }

    public string CommandLine { get; }

    public int ExitCode { get; }

    public string StandardError { get; }
}

/// <summary>
/// Runs programs as child processes, optionally inside a named network namespace (through
/// <c>ip netns exec NAME</c>, which also gives sysctl the namespace's /proc/sys/net).
/// </summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    public ProcessCommandRunner(string? networkNamespace = null, TimeSpan? timeout = null)
    {
        NetworkNamespace = networkNamespace;
        Timeout = timeout ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>The namespace commands run in; null for the process's own.</summary>
    public string? NetworkNamespace { get; }

    public TimeSpan Timeout { get; }

    public CommandResult Run(string program, IReadOnlyList<string> arguments, string? standardInput = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
        };

        if (NetworkNamespace is null)
        {
            start.FileName = program;
        }
        else
        {
            start.FileName = "ip";
            start.ArgumentList.Add("netns");
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(NetworkNamespace);
            start.ArgumentList.Add(program);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new KernelCommandException($"Cannot start '{program}'.");

        // The pipes are read by threads of their own, not by BeginOutputReadLine's thread-pool reads: these commands
        // run while pool threads may be blocked (a signalling send waiting for the bus to be applied), and a
        // starved pool would hold every kernel change back until it grew (seconds on a 2-core board).
        var stdout = PipeReader.Start(process.StandardOutput, program);
        var stderr = PipeReader.Start(process.StandardError, program);
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new KernelCommandException(Describe(start), -1, $"timed out after {Timeout.TotalSeconds} s");
        }

        return new CommandResult(process.ExitCode, stdout.Join(), stderr.Join());
    }

    /// <summary>Reads one pipe to its end on a thread of its own.</summary>
    private sealed class PipeReader
    {
        private readonly Thread _thread;
        private string _text = string.Empty;

        private PipeReader(StreamReader reader, string program)
        {
            _thread = new Thread(() =>
            {
                try
                {
                    _text = reader.ReadToEnd();
                }
                catch (IOException)
                {
                    // The process was killed on a timeout: whatever it wrote is lost with it.
                }
            })
            { IsBackground = true, Name = "shisa pipe " + program };
        }

        public static PipeReader Start(StreamReader reader, string program)
        {
            var pipe = new PipeReader(reader, program);
            pipe._thread.Start();
            return pipe;
        }

        public string Join()
        {
            _thread.Join();
            return _text;
        }
    }

    internal static string Describe(ProcessStartInfo start) => $"{start.FileName} {string.Join(' ', start.ArgumentList)}";
}

/// <summary>Running a command and turning a failure into a <see cref="KernelCommandException"/>.</summary>
public static class CommandRunnerExtensions
{
    public static CommandResult RunChecked(this ICommandRunner runner, string program, IReadOnlyList<string> arguments, string? standardInput = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var result = runner.Run(program, arguments, standardInput);
        if (!result.Succeeded)
        {
            throw new KernelCommandException($"{program} {string.Join(' ', arguments)}", result.ExitCode, result.StandardError);
        }

        return result;
    }
}
