using System.Globalization;

namespace Shisa.EndToEnd.Tests.Topology;

/// <summary>
/// Unique names for one run's namespaces and scratch directory: <c>shs-PID-XXXX-ROLE</c>. The creating process
/// id lets a later run remove what a killed run left behind (<see cref="RemoveStale"/>) without touching the
/// namespaces of a run that is still going on.
/// </summary>
public sealed class RunNames
{
    public const string Prefix = "shs-";

    private RunNames(string stem)
    {
        Stem = stem;
        ScratchDirectory = Path.Combine(Path.GetTempPath(), "shisa-e2e-" + stem[Prefix.Length..]);
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

    /// <summary>Deletes namespaces and scratch directories of runs whose process is gone, killing their radvd.</summary>
    public static void RemoveStale()
    {
        foreach (string directory in Directory.EnumerateDirectories(Path.GetTempPath(), "shisa-e2e-*"))
        {
            string owner = Path.GetFileName(directory)["shisa-e2e-".Length..].Split('-')[0];
            if (IsAlive(owner))
            {
                continue;
            }

            foreach (string pidFile in Directory.EnumerateFiles(directory, "*.pid"))
            {
                string pid = File.ReadAllText(pidFile).Trim();
                if (int.TryParse(pid, out _) && File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").Trim() == "radvd")
                {
                    Host.TryRun("kill", pid);
                }
            }

            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        var list = Host.TryRun("ip", "netns", "list");
        foreach (string line in list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0];
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && !IsAlive(name[Prefix.Length..].Split('-')[0]))
            {
                Host.TryRun("ip", "netns", "del", name);
            }
        }
    }

    private static bool IsAlive(string pid) => int.TryParse(pid, out int id) && (id == Environment.ProcessId || Directory.Exists($"/proc/{id}"));
}
