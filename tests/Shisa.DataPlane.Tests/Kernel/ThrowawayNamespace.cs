using System.Diagnostics;
using System.Globalization;

namespace Shisa.DataPlane.Tests.Kernel;

/// <summary>
/// A network namespace of the test's own (<c>ip netns add</c>) with <c>lo</c> up and a veth pair (<see cref="Device"/> and d1)
/// up in it; deleted on dispose. <c>ip</c>, <c>nft</c> and <c>sysctl</c> are used here only to
/// build the namespace and to cross-check what the product installed.
/// </summary>
internal sealed class ThrowawayNamespace : IDisposable
{
    public const string Device = "d0";

    private ThrowawayNamespace(string name) => Name = name;

    public string Name { get; }

    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public static ThrowawayNamespace Create()
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"shisa-nl-{Environment.ProcessId}-{Random.Shared.Next(100_000)}");
        var created = new ThrowawayNamespace(name);
        Run("ip", "netns", "add", name);
        try
        {
            created.Ip("link", "set", "lo", "up");
            created.Ip("link", "add", Device, "type", "veth", "peer", "name", "d1"); // no dummy module on every kernel
            created.Ip("link", "set", "d1", "up");
            created.Ip("link", "set", Device, "up");
            return created;
        }
        catch
        {
            created.Dispose();
            throw;
        }
    }

    /// <summary><c>ip -n NAME ARGS</c>; its standard output.</summary>
    public string Ip(params string[] arguments) => Run("ip", ["-n", Name, .. arguments]);

    /// <summary><c>ip netns exec NAME PROGRAM ARGS</c>; its standard output.</summary>
    public string Exec(string program, params string[] arguments) => Run("ip", ["netns", "exec", Name, program, .. arguments]);

    public void Dispose() => Run("ip", "netns", "del", Name);

    public static string Run(string program, params string[] arguments) => Run(program, arguments, null);

    public static string Run(string program, string[] arguments, string? input)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: exit {process.ExitCode}: {error.Result}");
        }

        return output;
    }
}
