using System.Globalization;

namespace Shisa.Appliance.Demo;

/// <summary>
/// Unique names for one run's namespaces and scratch directory: <c>shs-PID-XXXX-ROLE</c>. The creating process
/// id lets a later run remove what a killed run left behind (<see cref="RemoveStale"/>) without touching the
/// namespaces of a run that is still going on.
/// </summary>
public sealed class RunNames
{
    public const string Prefix = "shs-";

    private const string ScratchPrefix = "shisa-ns-";

    private RunNames(string stem)
    {
        Stem = stem;
        ScratchDirectory = Path.Combine(Path.GetTempPath(), ScratchPrefix + stem[Prefix.Length..]);
    }

    /// <summary>e.g. "shs-1234-a9f3".</summary>
    public string Stem { get; }

    public string ScratchDirectory { get; }

    public static RunNames Create()
    {
        RemoveStale();
        string suffix = Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
        return new RunNames($"{Prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{suffix}");
    }

    /// <summary>The namespace name of a role ("ha", "mn", ...).</summary>
    public string Namespace(string role) => $"{Stem}-{role}";

    /// <summary>Our namespaces that exist now (every run's, live or stale).</summary>
    public static IReadOnlyList<string> ExistingNamespaces()
    {
        var list = NamespaceCommands.TryRun("ip", "netns", "list");
        return [.. list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0])
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal))];
    }

    /// <summary>Deletes namespaces and scratch directories of runs whose process is gone, with what still runs in them.</summary>
    public static void RemoveStale()
    {
        foreach (string directory in Directory.EnumerateDirectories(Path.GetTempPath(), ScratchPrefix + "*"))
        {
            string owner = Path.GetFileName(directory)[ScratchPrefix.Length..].Split('-')[0];
            if (IsAlive(owner))
            {
                continue;
            }

            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        foreach (string name in ExistingNamespaces())
        {
            if (!IsAlive(name[Prefix.Length..].Split('-')[0]))
            {
                DeleteNamespace(name);
            }
        }
    }

    /// <summary>
    /// Deletes a namespace after killing what still runs in it (radvd, ping, an appliance a killed run left), so
    /// nothing outlives the namespace and keeps its interfaces alive.
    /// </summary>
    public static void DeleteNamespace(string ns)
    {
        var pids = NamespaceCommands.TryRun("ip", "netns", "pids", ns);
        foreach (string pid in pids.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(pid.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id != Environment.ProcessId)
            {
                NamespaceCommands.TryRun("kill", "-KILL", id.ToString(CultureInfo.InvariantCulture));
            }
        }

        NamespaceCommands.TryRun("ip", "netns", "del", ns);
    }

    private static bool IsAlive(string pid) => int.TryParse(pid, out int id) && (id == Environment.ProcessId || Directory.Exists($"/proc/{id}"));
}
