using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Shisa.DataPlane.Kernel;

namespace Shisa.Appliance.Demo;

/// <summary>
/// Running configuration commands (ip, sysctl, ping) here or inside a named network namespace, with argument lists,
/// never through a shell. The tests know it as <c>Host</c>.
/// </summary>
public static class NamespaceCommands
{
    private static readonly ProcessCommandRunner Local = new();

    public static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <summary>Runs a program here; throws <see cref="KernelCommandException"/> when it fails.</summary>
    public static CommandResult Run(string program, params string[] arguments) => Local.RunChecked(program, arguments);

    /// <summary>Runs a program here and returns whatever happened.</summary>
    public static CommandResult TryRun(string program, params string[] arguments) => Local.Run(program, arguments);

    /// <summary>Runs a program inside network namespace <paramref name="ns"/>; throws when it fails.</summary>
    public static CommandResult Exec(string ns, string program, params string[] arguments)
        => new ProcessCommandRunner(ns).RunChecked(program, arguments);

    /// <summary>Runs a program inside network namespace <paramref name="ns"/> and returns whatever happened.</summary>
    public static CommandResult TryExec(string ns, string program, params string[] arguments)
        => new ProcessCommandRunner(ns).Run(program, arguments);

    /// <summary>Sets sysctls inside a namespace (several "key=value" at once).</summary>
    public static void Sysctl(string ns, params string[] assignments)
        => Exec(ns, "sysctl", ["-q", "-w", .. assignments]);

    /// <summary>The interface's global IPv6 addresses that are usable (not tentative, or optimistic).</summary>
    public static IReadOnlyList<(IPAddress Address, int PrefixLength)> GlobalAddresses(string ns, string device)
    {
        var result = Run("ip", "-n", ns, "-j", "-6", "addr", "show", "dev", device, "scope", "global");
        List<(IPAddress, int)> addresses = [];
        using var json = JsonDocument.Parse(string.IsNullOrWhiteSpace(result.StandardOutput) ? "[]" : result.StandardOutput);
        foreach (var link in json.RootElement.EnumerateArray())
        {
            if (!link.TryGetProperty("addr_info", out var infos))
            {
                continue;
            }

            foreach (var info in infos.EnumerateArray())
            {
                if (!info.TryGetProperty("local", out var local))
                {
                    continue; // ip -j ends the list with an empty object
                }

                bool tentative = info.TryGetProperty("tentative", out var t) && t.GetBoolean();
                bool optimistic = info.TryGetProperty("optimistic", out var o) && o.GetBoolean();
                bool failed = info.TryGetProperty("dadfailed", out var f) && f.GetBoolean();
                if (failed || (tentative && !optimistic))
                {
                    continue;
                }

                addresses.Add((IPAddress.Parse(local.GetString()!), info.GetProperty("prefixlen").GetInt32()));
            }
        }

        return addresses;
    }

    /// <summary>Waits until the interface has a usable address inside <paramref name="prefix"/>; null on timeout.</summary>
    public static async Task<IPAddress?> WaitForAddressAsync(string ns, string device, IPNetwork prefix, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (var (address, _) in GlobalAddresses(ns, device))
            {
                if (prefix.Contains(address))
                {
                    return address;
                }
            }

            if (clock.Elapsed > timeout)
            {
                return null;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>The MAC address of an interface in a namespace.</summary>
    public static byte[] LinkAddress(string ns, string device)
    {
        var result = Run("ip", "-n", ns, "-j", "link", "show", "dev", device);
        using var json = JsonDocument.Parse(result.StandardOutput);
        string text = json.RootElement[0].GetProperty("address").GetString()!;
        return [.. text.Split(':').Select(part => Convert.ToByte(part, 16))];
    }

    /// <summary>Pings once (or <paramref name="count"/> times) from a namespace; true when any answer came.</summary>
    public static bool Ping(string ns, IPAddress destination, int count = 1, double waitSeconds = 1, IPAddress? source = null)
    {
        List<string> arguments = ["-6", "-n", "-q", "-c", count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", "0.2", "-W", waitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (source is not null)
        {
            arguments.Add("-I");
            arguments.Add(source.ToString());
        }

        arguments.Add(destination.ToString());
        return TryExec(ns, "ping", [.. arguments]).Succeeded;
    }

    /// <summary>Pings until one answer comes or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> PingUntilAsync(string ns, IPAddress destination, TimeSpan timeout, IPAddress? source = null)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            if (Ping(ns, destination, 1, 0.5, source))
            {
                return true;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
        while (clock.Elapsed < timeout);
        return false;
    }
}
