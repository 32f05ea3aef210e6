using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Shisa.Appliance.Demo;

/// <summary>What <c>shisa demo</c> does beyond the default run.</summary>
public sealed record DemoOptions
{
    /// <summary>After the moves, keep everything running (status pages up) until SIGINT/SIGTERM.</summary>
    public bool Hold { get; init; }

    /// <summary>How long a registration, re-registration or deregistration may take before the demo gives up.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The ping stream's interval during the moves.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromMilliseconds(10);
}

/// <summary>One move of the mobile node and what the ping stream saw of it.</summary>
/// <remarks><paramref name="Registered"/>: from the move to the new binding (or, home, to the binding's removal) at both ends; null when that never came.</remarks>
public sealed record HandoverResult(AccessLink From, AccessLink To, TimeSpan? Registered, PingWindow Ping);

/// <summary>
/// <c>shisa demo</c> (DESIGN 6): builds a throwaway DESIGN 9 topology, runs a home agent (ha), a correspondent
/// node (cn) and a mobile node (mn) as <c>shisa run</c> child processes on generated profiles, waits for the home
/// registration, pings between the home address and cn, moves the mobile node ar1 -> ar2 -> home under a ping
/// stream and prints each step with its time, the handover gaps and losses; then (or on SIGINT/SIGTERM, or an
/// error) stops the instances and removes every namespace.
/// </summary>
public sealed partial class DemoRunner
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitCannotRun = 2;
    public const int ExitInterrupted = 130;

    private static readonly string[] RequiredPrograms = ["ip", "radvd", "ping", "nft"];

    private readonly DemoOptions _options;
    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly long _started;

    private DemoRunner(DemoOptions options, TextWriter output, TimeProvider time)
    {
        _options = options;
        _output = output;
        _time = time;
        _started = time.GetTimestamp();
    }

    /// <summary>Runs the demo; returns the process exit code.</summary>
    public static async Task<int> RunAsync(DemoOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!Environment.IsPrivilegedProcess)
        {
            error.WriteLine("shisa demo: needs root (it creates network namespaces, veths and bridges); run it with sudo");
            return ExitCannotRun;
        }

        string[] missing = [.. RequiredPrograms.Where(p => !OnPath(p))];
        if (missing.Length > 0)
        {
            error.WriteLine($"shisa demo: {string.Join(", ", missing)} not found on PATH (Debian: apt-get install iproute2 radvd iputils-ping nftables)");
            return ExitCannotRun;
        }

        var runner = new DemoRunner(options, output, TimeProvider.System);
        return await runner.RunAsync(error, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> RunAsync(TextWriter error, CancellationToken cancellationToken)
    {
        _output.WriteLine("shisa demo: Mobile IPv6 in throwaway network namespaces (DESIGN 9); Ctrl-C tears everything down");
        DemoTopology? topology = null;
        List<ApplianceProcess> instances = [];
        bool holding = false;
        try
        {
            topology = DemoTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1, ForgetLinkOnMove = true });
            Step($"topology {topology.Names.Stem}: namespaces cn core ha ar1 ar2 mn mnn, mn0 plugged into ar1 ({DemoTopology.Foreign1Prefix})");
            await RunScenarioAsync(topology, instances, cancellationToken).ConfigureAwait(false);
            if (_options.Hold)
            {
                holding = true;
                PrintStatusPages(instances);
                Step("holding: everything keeps running; Ctrl-C (or SIGTERM) tears it down");
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }

            return ExitOk;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Step(holding ? "stop requested" : "interrupted");
            return holding ? ExitOk : ExitInterrupted;
        }
        catch (DemoException failure)
        {
            error.WriteLine($"shisa demo: {failure.Message}");
            foreach (var instance in instances)
            {
                error.WriteLine($"--- the last lines of shisa in {instance.Namespace} ({instance.Name}):");
                error.WriteLine(Tail(instance.Output, 30));
            }

            return ExitFailed;
        }
        catch (Exception failure) when (failure is KernelCommandException or IOException or InvalidOperationException)
        {
            error.WriteLine($"shisa demo: {failure.Message}");
            return ExitFailed;
        }
        finally
        {
            TearDown(topology, instances);
        }
    }

    private async Task RunScenarioAsync(DemoTopology topology, List<ApplianceProcess> instances, CancellationToken cancellationToken)
    {
        var ha = Track(instances, ApplianceProcess.Start(topology, topology.Ha, "ha", DemoProfiles.HomeAgent()));
        var cn = Track(instances, ApplianceProcess.Start(topology, topology.Cn, "cn", DemoProfiles.Correspondent()));
        await Require(ha, _ => true, "the home agent's status page", cancellationToken).ConfigureAwait(false);
        Step($"ha: home agent {DemoTopology.HomeAgentAddress} on {DemoTopology.HomeBridge} (home link {DemoTopology.HomePrefix}) and ha-up, pid {ha.Process.ProcessId}");
        await Require(cn, _ => true, "the correspondent node's status page", cancellationToken).ConfigureAwait(false);
        Step($"cn: correspondent node {DemoTopology.CorrespondentAddress}, pid {cn.Process.ProcessId}");

        long mnStarted = _time.GetTimestamp();
        var mn = Track(instances, ApplianceProcess.Start(topology, topology.Mn, "mn", DemoProfiles.MobileNode()));
        Step($"mn: mobile node, home address {DemoTopology.HomeAddress}, home agent {DemoTopology.HomeAgentAddress}, pid {mn.Process.ProcessId}");
        var careOf = await RegisteredAsync(ha, mn, DemoTopology.Foreign1Prefix, cancellationToken).ConfigureAwait(false);
        Step($"registered: home address {DemoTopology.HomeAddress} -> care-of address {careOf} at the home agent, {Milliseconds(_time.GetElapsedTime(mnStarted))} after mn started");
        PrintStatusPages(instances);

        PingOnce(topology.Mn, DemoTopology.CorrespondentAddress, DemoTopology.HomeAddress, "home address -> cn");
        PingOnce(topology.Cn, DemoTopology.HomeAddress, null, "cn -> home address");

        var stream = topology.StartPing(topology.Cn, DemoTopology.HomeAddress, _options.PingInterval.TotalSeconds);
        Step($"ping stream cn -> {DemoTopology.HomeAddress} every {Milliseconds(_options.PingInterval)}");
        await AnsweredAfterAsync(stream, _time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);

        List<(AccessLink From, AccessLink To, DateTime AtUtc, TimeSpan? Registered)> moves = [];
        foreach (var to in (AccessLink[])[AccessLink.Foreign2, AccessLink.Home])
        {
            var from = topology.CurrentLink;
            var atUtc = _time.GetUtcNow().UtcDateTime;
            long at = _time.GetTimestamp();
            TimeSpan? registered = null;
            topology.MoveTo(to);
            Step($"move: mn0 unplugged from {LinkName(from)} (its addresses and routes from there forgotten), plugged into {LinkName(to)} ({DemoTopology.PrefixOf(to)})");
            if (to == AccessLink.Home)
            {
                if (await HomeAsync(ha, mn, cancellationToken).ConfigureAwait(false))
                {
                    registered = _time.GetElapsedTime(at);
                    Step($"home: the mobile node deregistered and the home agent dropped its binding, {Milliseconds(_time.GetElapsedTime(at))} after the move");
                }
                else
                {
                    Step("home: the mobile node is home, but the home agent still caches its binding (no deregistration arrived, RFC 6275 11.5.4); "
                        + "traffic to the home address follows the old care-of address until the binding's lifetime runs out");
                }
            }
            else
            {
                careOf = await RegisteredAsync(ha, mn, DemoTopology.PrefixOf(to), cancellationToken).ConfigureAwait(false);
                registered = _time.GetElapsedTime(at);
                Step($"re-registered: care-of address {careOf}, binding acknowledged and cached at the home agent {Milliseconds(_time.GetElapsedTime(at))} after the move");
            }

            // Once the first tunnelled packet came through (the ping stream's next echo), or what there is after 2 s.
            using (var status = await mn.WaitForStatusAsync(s => BreakdownSince(s, atUtc) is { } b && b.TryGetProperty("first_packet_ms", out var f) && f.ValueKind == JsonValueKind.Number,
                TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false) ?? await mn.WaitForStatusAsync(s => BreakdownSince(s, atUtc) is not null, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false))
            {
                Step(status is not null ? $"breakdown: {FormatBreakdown(BreakdownSince(status.RootElement, atUtc)!.Value)}" : "breakdown: none (the detector saw no step of this move)");
            }

            if (!await AnsweredAfterAsync(stream, _time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false))
            {
                Step("the ping stream got no answer within 5 s");
            }

            moves.Add((from, to, atUtc, registered));
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }

        stream.Interrupt(TimeSpan.FromSeconds(3));
        var timeline = PingTimeline.Parse(stream.StandardOutput);
        Step($"ping stream stopped: {timeline.Transmitted?.ToString(CultureInfo.InvariantCulture) ?? "?"} sent, {timeline.Replies.Count} answered");
        var end = _time.GetUtcNow().UtcDateTime;
        List<HandoverResult> results = [];
        for (int i = 0; i < moves.Count; i++)
        {
            var window = timeline.Window(moves[i].AtUtc, i + 1 < moves.Count ? moves[i + 1].AtUtc : end);
            results.Add(new HandoverResult(moves[i].From, moves[i].To, moves[i].Registered, window));
        }

        _output.Write(FormatHandovers(results, _options.PingInterval));
    }

    /// <summary>The handover table: one line per move with registration time, ping gap and echoes lost.</summary>
    public static string FormatHandovers(IReadOnlyList<HandoverResult> results, TimeSpan pingInterval)
    {
        ArgumentNullException.ThrowIfNull(results);
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"handover      registered    ping gap  lost (one echo every {Milliseconds(pingInterval)})\n");
        foreach (var r in results)
        {
            string move = $"{LinkName(r.From)} -> {LinkName(r.To)}";
            string gap = r.Ping.Restored ? Milliseconds(r.Ping.LongestGap) : "no answer";
            string registered = r.Registered is { } took ? Milliseconds(took) : "-";
            text.Append(CultureInfo.InvariantCulture, $"{move,-13} {registered,10}  {gap,10}  {r.Ping.Lost}\n");
        }

        return text.ToString();
    }

    /// <summary>The breakdown (/api/status) of the latest handover reported at or after <paramref name="sinceUtc"/>.</summary>
    public static JsonElement? BreakdownSince(JsonElement mobileNodeStatus, DateTime sinceUtc)
    {
        foreach (var h in Entries(mobileNodeStatus, "handovers")) // newest first
        {
            if (h.TryGetProperty("when", out var when) && when.TryGetDateTimeOffset(out var at) && at.UtcDateTime >= sinceUtc
                && h.TryGetProperty("breakdown", out var b) && b.ValueKind == JsonValueKind.Object)
            {
                return b.Clone();
            }
        }

        return null;
    }

    /// <summary>One move step by step: link-up -> RS/NS -> RA/NA -> care-of address -> BU -> BA, our own share apart.</summary>
    public static string FormatBreakdown(JsonElement breakdown)
    {
        string At(string name) => breakdown.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? string.Create(CultureInfo.InvariantCulture, $"+{v.GetInt64()} ms") : "-";
        string answeredBy = breakdown.TryGetProperty("answered_by", out var by) && by.ValueKind == JsonValueKind.String ? by.GetString()! : "RA/NA";
        string startedBy = breakdown.TryGetProperty("started_by", out var started) && started.ValueKind == JsonValueKind.String ? started.GetString()! : "?";
        return $"{startedBy} -> RS/NS sent {At("solicited_ms")} -> {answeredBy} {At("answered_ms")} -> care-of address {At("care_of_ms")} "
            + $"-> BU {At("binding_update_ms")} -> BA {At("binding_ack_ms")} -> first packet through {At("first_packet_ms")}; inside the appliance {At("our_share_ms")[1..]}";
    }

    private static string LinkName(AccessLink link) => link switch
    {
        AccessLink.Home => "home",
        AccessLink.Foreign1 => "ar1",
        AccessLink.Foreign2 => "ar2",
        _ => link.ToString(),
    };

    private static string Milliseconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0} ms");

    private static ApplianceProcess Track(List<ApplianceProcess> instances, ApplianceProcess instance)
    {
        instances.Add(instance);
        return instance;
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/sbin")
            .Any(directory => File.Exists(Path.Combine(directory, program)));

    private static string Tail(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    private static IEnumerable<JsonElement> Entries(JsonElement status, string table) =>
        status.TryGetProperty(table, out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : [];

    private static IPAddress? CareOf(JsonElement entry) =>
        entry.TryGetProperty("care_of_address", out var c) && IPAddress.TryParse(c.GetString(), out var address) ? address : null;

    private static bool IsHomeAddress(JsonElement entry) =>
        entry.TryGetProperty("home_address", out var h) && IPAddress.TryParse(h.GetString(), out var address) && address.Equals(DemoTopology.HomeAddress);

    /// <summary>The mobile node's Bound entry with a care-of address in <paramref name="prefix"/>.</summary>
    public static IPAddress? BoundCareOf(JsonElement mobileNodeStatus, IPNetwork prefix) =>
        Entries(mobileNodeStatus, "binding_update_list")
            .Where(e => e.TryGetProperty("state", out var s) && s.GetString() == "Bound")
            .Select(CareOf)
            .FirstOrDefault(c => c is not null && prefix.Contains(c));

    /// <summary>The home agent's cached care-of address of the demo's home address, when one is in <paramref name="prefix"/>.</summary>
    public static IPAddress? CachedCareOf(JsonElement homeAgentStatus, IPNetwork prefix) =>
        Entries(homeAgentStatus, "binding_cache")
            .Where(IsHomeAddress)
            .Select(CareOf)
            .FirstOrDefault(c => c is not null && prefix.Contains(c));

    /// <summary>Waits for a Bound entry at the mobile node and the binding at the home agent, both from <paramref name="prefix"/>.</summary>
    public async Task<IPAddress> RegisteredAsync(ApplianceProcess ha, ApplianceProcess mn, IPNetwork prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ha);
        ArgumentNullException.ThrowIfNull(mn);
        using var bound = await Require(mn, s => BoundCareOf(s, prefix) is not null, $"a bound home registration from {prefix}", cancellationToken).ConfigureAwait(false);
        using var cached = await Require(ha, s => CachedCareOf(s, prefix) is not null, $"the home agent's binding for a care-of address in {prefix}", cancellationToken).ConfigureAwait(false);
        return BoundCareOf(bound.RootElement, prefix)!;
    }

    /// <summary>Waits for the mobile node to be home; true when the home agent dropped the binding too (within 5 s of that).</summary>
    private async Task<bool> HomeAsync(ApplianceProcess ha, ApplianceProcess mn, CancellationToken cancellationToken)
    {
        using var home = await Require(mn, s => !Entries(s, "binding_update_list").Any(), "the mobile node at home (an empty binding update list)", cancellationToken).ConfigureAwait(false);
        using var dropped = await ha.WaitForStatusAsync(s => !Entries(s, "binding_cache").Any(IsHomeAddress), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        return dropped is not null;
    }

    private async Task<JsonDocument> Require(ApplianceProcess instance, Func<JsonElement, bool> condition, string what, CancellationToken cancellationToken)
    {
        var status = await instance.WaitForStatusAsync(condition, _options.StepTimeout, cancellationToken).ConfigureAwait(false);
        if (status is null)
        {
            var last = await instance.TryStatusAsync(cancellationToken).ConfigureAwait(false);
            throw new DemoException(
                $"no {what} in {instance.Namespace} within {_options.StepTimeout.TotalSeconds:0} s; its last status: {last?.RootElement.GetRawText() ?? "(none)"}",
                instance.Output);
        }

        return status;
    }

    /// <summary>Waits (up to 5 s) for an echo answered after <paramref name="afterUtc"/>.</summary>
    private static async Task<bool> AnsweredAfterAsync(NamespaceProcess ping, DateTime afterUtc, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (PingTimeline.Parse(ping.StandardOutput).Replies.Any(r => r.ReceivedUtc > afterUtc))
            {
                return true;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    private void PingOnce(string ns, IPAddress destination, IPAddress? source, string what)
    {
        List<string> arguments = ["-6", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "1"];
        if (source is not null)
        {
            arguments.AddRange(["-I", source.ToString()]);
        }

        arguments.Add(destination.ToString());
        var result = NamespaceCommands.TryExec(ns, "ping", [.. arguments]);
        var summary = PingSummary().Match(result.StandardOutput);
        var rtt = PingRtt().Match(result.StandardOutput);
        string answered = summary.Success ? $"{summary.Groups["rx"].Value}/{summary.Groups["tx"].Value} answered" : "no summary";
        Step($"ping {what}: {answered}{(rtt.Success ? $", rtt avg {rtt.Groups["avg"].Value} ms" : string.Empty)}");
    }

    private void PrintStatusPages(IEnumerable<ApplianceProcess> instances)
    {
        string self = ApplianceProcess.SelfCommandLine();
        _output.WriteLine("status pages (each namespace has its own 127.0.0.1; from another terminal, as root):");
        foreach (var instance in instances)
        {
            _output.WriteLine($"  {instance.Name,-3} ip netns exec {instance.Namespace} curl -s {instance.StatusUrl}api/status");
            _output.WriteLine($"      ip netns exec {instance.Namespace} {self} status --url {instance.StatusUrl}");
        }
    }

    private void TearDown(DemoTopology? topology, List<ApplianceProcess> instances)
    {
        if (topology is null)
        {
            return;
        }

        Step("tearing down: stopping shisa in mn, cn, ha (SIGTERM), then removing the namespaces");
        // The mobile node first, so it can still deregister while the home agent runs.
        foreach (var instance in Enumerable.Reverse(instances))
        {
            instance.Dispose();
        }

        string stem = topology.Names.Stem;
        topology.Dispose();
        var left = RunNames.ExistingNamespaces().Where(n => n.StartsWith(stem, StringComparison.Ordinal)).ToList();
        Step(left.Count == 0 ? $"torn down: no namespace of {stem} left" : $"namespaces left behind: {string.Join(' ', left)}");
    }

    private void Step(string text)
    {
        var now = _time.GetLocalNow();
        double elapsed = _time.GetElapsedTime(_started).TotalSeconds;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{now:HH:mm:ss.fff} +{elapsed,7:0.000}s] {text}"));
        _output.Flush();
    }

    [GeneratedRegex(@"(?<tx>\d+) packets transmitted, (?<rx>\d+) (packets )?received")]
    private static partial Regex PingSummary();

    [GeneratedRegex(@"= [\d.]+/(?<avg>[\d.]+)/[\d.]+/[\d.]+ ms")]
    private static partial Regex PingRtt();
}
