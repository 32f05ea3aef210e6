using System.Text.Json;
using Shisa.Appliance.Demo;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Appliance;

/// <summary>
/// One <c>shisa run</c> process inside a namespace of the test topology (the demo's <see cref="ApplianceProcess"/>),
/// with the test's way of waiting: a status that never comes, or a process that exits, fails the test with what
/// the process printed.
/// </summary>
public sealed class ApplianceInstance : IDisposable
{
    private readonly ApplianceProcess _process;

    private ApplianceInstance(ApplianceProcess process) => _process = process;

    public string Namespace => _process.Namespace;

    public string ProfilePath => _process.ProfilePath;

    /// <summary>Replaces the profile file, keeping the state directory the instance started with (<see cref="ApplianceProcess.RewriteProfile"/>).</summary>
    public void RewriteProfile(string profile) => _process.RewriteProfile(profile);

    public NamespaceProcess Process => _process.Process;

    public int StatusPort => _process.StatusPort;

    /// <summary>Everything the process printed so far.</summary>
    public string Output => _process.Output;

    /// <summary>Writes <paramref name="profile"/> (TOML) to the scratch folder and starts shisa on it in <paramref name="ns"/>.</summary>
    public static ApplianceInstance Start(MobilityTopology topology, string ns, string name, string profile, int statusPort) =>
        new(ApplianceProcess.Start(topology, ns, name, profile, statusPort));

    /// <summary>GET /api/status, or null while it does not answer.</summary>
    public Task<JsonDocument?> TryStatusAsync(CancellationToken cancellationToken) => _process.TryStatusAsync(cancellationToken);

    /// <summary>
    /// Polls the status until <paramref name="condition"/> holds; fails with the process output otherwise. A shorter
    /// <paramref name="interval"/> than the default 50 ms suits timing a handover.
    /// </summary>
    public async Task<JsonDocument> WaitForStatusAsync(Func<JsonElement, bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken, TimeSpan? interval = null)
    {
        try
        {
            if (await _process.WaitForStatusAsync(condition, timeout, cancellationToken, interval) is { } status)
            {
                return status;
            }
        }
        catch (DemoException exited)
        {
            Assert.Fail($"{exited.Message} while waiting for {what}:\n{Output}");
        }

        using var last = await TryStatusAsync(cancellationToken);
        Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what} in {Namespace}; last status: {last?.RootElement}\n{Output}");
        throw new InvalidOperationException();
    }

    /// <summary>SIGTERM and wait; returns the exit code, or null when it did not stop in time.</summary>
    public int? Stop(TimeSpan timeout) => _process.Stop(timeout);

    /// <summary>kill -9: no cleanup of any kind runs.</summary>
    public void Kill() => _process.Kill();

    public void Dispose() => _process.Dispose();
}
