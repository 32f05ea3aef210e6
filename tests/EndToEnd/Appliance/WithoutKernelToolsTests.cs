using System.Globalization;
using System.Text.RegularExpressions;
using Shisa.Appliance.Demo;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Appliance;

/// <summary>
/// Issue 10: the appliance talks to the kernel over netlink and /proc/sys only. Every bundled profile runs with a
/// PATH that has no <c>ip</c>, <c>nft</c> or <c>sysctl</c>, in a namespace that has the interfaces it names,
/// serves its status and stops cleanly on SIGTERM, leaving no table of ours behind.
/// </summary>
[NonParallelizable]
public partial class WithoutKernelToolsTests
{
    public static IEnumerable<string> BundledProfiles() =>
        Directory.GetFiles(Path.Combine(RepoRoot(), "config"), "*.toml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    [TestCaseSource(nameof(BundledProfiles))]
    [CancelAfter(60_000)]
    public async Task Bundled_profile_runs_with_no_ip_nft_or_sysctl_on_the_path(string profileName, CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, Is.True, "needs root (network namespaces)");
        string text = File.ReadAllText(Path.Combine(RepoRoot(), "config", profileName));
        string ns = $"shisa-tools-{Environment.ProcessId}";
        string state = Directory.CreateTempSubdirectory("shisa-tools-").FullName;
        Host.Run("ip", "netns", "add", ns);
        try
        {
            Host.Exec(ns, "ip", "link", "set", "lo", "up");
            foreach (string device in InterfaceNames().Matches(text).Select(m => m.Groups[1].Value).Where(d => d != "lo").Distinct())
            {
                // A veth pair (this kernel has no dummy driver); the peer stays unused.
                Host.Exec(ns, "ip", "link", "add", device, "type", "veth", "peer", "name", device + "-p");
                Host.Exec(ns, "ip", "link", "set", device, "up");
                Host.Exec(ns, "ip", "link", "set", device + "-p", "up");
            }

            // The bundled profile as it is, with a state directory of the test's own (a board uses /var/lib/shisa).
            string profile = Path.Combine(state, profileName);
            File.WriteAllText(profile, NodeSection().Replace(StateDirectory().Replace(text, string.Empty), $"[node]\nstate_directory = \"{state}\"", 1));
            int port = int.Parse(ListenPort().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);

            using var shisa = ApplianceProcess.StartInNamespace(ns, profileName, profile, state, port, "PATH=/var/empty");
            using var status = await shisa.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(30), cancellationToken);
            Assert.That(status, Is.Not.Null, $"no status page\n{shisa.Output}");
            Assert.That(shisa.Output, Does.Not.Contain("Exception").And.Not.Contain("No such file"), shisa.Output);
            Assert.That(shisa.Stop(TimeSpan.FromSeconds(10)), Is.EqualTo(0), shisa.Output);
            Assert.That(Host.Exec(ns, "nft", "list", "tables").StandardOutput, Does.Not.Contain("shisa"), "the table is removed on stop");
        }
        finally
        {
            Host.TryRun("ip", "netns", "del", ns);
            Directory.Delete(state, recursive: true);
        }
    }

    private static string RepoRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Shisa.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("Shisa.sln not found above the test directory");
    }

    [GeneratedRegex(@"\[\[interface\]\]\s*\n\s*name\s*=\s*""([^""]+)""")]
    private static partial Regex InterfaceNames();

    [GeneratedRegex(@"^\[node\]", RegexOptions.Multiline)]
    private static partial Regex NodeSection();

    [GeneratedRegex(@"^state_directory\s*=.*$", RegexOptions.Multiline)]
    private static partial Regex StateDirectory();

    [GeneratedRegex(@"listen\s*=\s*""[^:""]+:(\d+)""")]
    private static partial Regex ListenPort();
}
