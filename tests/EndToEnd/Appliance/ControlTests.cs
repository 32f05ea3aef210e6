using System.Globalization;
using System.Net;
using System.Text.Json;
using Shisa.Appliance.Demo;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;
using Shisa.EndToEnd.Tests.Mobility;
using Shisa.EndToEnd.Tests.RouteOptimization;
using Shisa.EndToEnd.Tests.Topology;
using Shisa.Modules.MobileNode;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.EndToEnd.Tests.Appliance;

/// <summary>
/// Issue 18 over real packets: <c>shisa ctl</c> (the real command, as an operator types it) against a running home
/// agent and mobile node: log levels at run time, a flush of one binding with the kernel following, a refresh on
/// demand, the timers and the daemon-vs-kernel listing, the route optimization policy surviving a restart, and the
/// socket's permissions refusing a user outside the group.
/// </summary>
[NonParallelizable]
public sealed class ControlTests
{
    private static readonly TimeSpan Registration = TimeSpan.FromSeconds(20);
    private static readonly IPAddress Second = IPAddress.Parse("2001:db8:1::101");
    private static readonly IPAddress Third = IPAddress.Parse("2001:db8:1::102");

    /// <summary>A care-of address on ar1's prefix for the injected registrations; answers to it pass ar1's uplink.</summary>
    private static readonly IPAddress Injected = IPAddress.Parse("2001:db8:a1::ff:fe00:20");

    private string _sockets = null!;

    [SetUp]
    public void SetUp()
    {
        // Traversable by everyone: the socket files' own modes decide who may connect.
        _sockets = Path.Combine(Path.GetTempPath(), "shisa-ctl-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_sockets);
        File.SetUnixFileMode(_sockets, (UnixFileMode)0b111_101_101);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_sockets, recursive: true);

    private string Socket(string name) => Path.Combine(_sockets, name + ".sock");

    private static string WithControl(string profile, string socket, string group = "") =>
        profile + $"\n\n[control]\nsocket = \"{socket}\"\n{(group.Length > 0 ? $"group = \"{group}\"\n" : "")}";

    /// <summary><c>shisa ctl --socket SOCKET WORDS</c>, optionally as another user (setpriv words first).</summary>
    private static CommandResult Ctl(string socket, string[] words, params string[] asUser)
    {
        var (program, arguments) = ApplianceProcess.SelfCommand();
        string[] command = [program, .. arguments, "ctl", "--socket", socket, .. words];
        var result = asUser.Length == 0 ? Host.TryRun(command[0], command[1..]) : Host.TryRun("setpriv", [.. asUser, .. command]);
        TestContext.Out.WriteLine($"$ shisa ctl {string.Join(' ', words)} -> {result.ExitCode}\n{result.StandardOutput}{result.StandardError}");
        return result;
    }

    private static string[] Lines(CommandResult result) => result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Test]
    [CancelAfter(240_000)]
    public async Task A_home_agent_and_mobile_node_are_operated_live(CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        string haSocket = Socket("ha");
        string mnSocket = Socket("mn");
        string extra = $"[[home_agent.mobile_node]]\nhome_address = \"{Second}\"\nauthentication = \"none\"\n[[home_agent.mobile_node]]\nhome_address = \"{Third}\"\nauthentication = \"none\"";
        using var session = await MobilitySession.StartAsync(
            cancellationToken,
            WithControl(Profiles.HomeAgent(extraNodes: extra), haSocket, group: "nogroup"),
            WithControl(Profiles.MobileNode(lifetime: 300), mnSocket));
        var topology = session.Topology;
        var (_, original) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);

        // The socket: 0660, root and the configured group; a user outside the group is refused, one in it served.
        Assert.That(File.GetUnixFileMode(haSocket), Is.EqualTo((UnixFileMode)0b110_110_000));
        var outsider = Ctl(haSocket, ["timers"], "--reuid=65534", "--regid=1", "--clear-groups");
        Assert.That(outsider.ExitCode, Is.EqualTo(1));
        Assert.That(outsider.StandardError, Does.Contain("permission denied"));
        Assert.That(Ctl(haSocket, ["timers"], "--reuid=65534", "--regid=65534", "--clear-groups").ExitCode, Is.Zero, "nobody in group nogroup");

        // (a) The home agent's log level raised at run time: a new registration's debug lines show ...
        Assert.That(Ctl(haSocket, ["log", "level", "Shisa.Modules.home_agent", "debug"]).ExitCode, Is.Zero);
        await WaitForOutputAsync(session.Ha, "log level of Shisa.Modules.home_agent set to debug by shisa ctl", cancellationToken);
        using var sender = NetworkNamespace.Invoke(topology.Ar1, () => RawIpv6Sender.Open());
        Register(sender, Second, 1);
        await session.Ha.WaitForStatusAsync(s => Cache(s).Any(e => e.HomeAddress.Equals(Second)), Registration, $"the binding of {Second}", cancellationToken);
        await WaitForOutputAsync(session.Ha, $"Duplicate address detection of {Second}", cancellationToken);

        // ... and lowered back to the profile's: the next one's debug lines do not.
        Assert.That(Lines(Ctl(haSocket, ["log", "reset"])), Is.EqualTo(new[] { "all information" }));
        Register(sender, Third, 1);
        await session.Ha.WaitForStatusAsync(s => Cache(s).Any(e => e.HomeAddress.Equals(Third)), Registration, $"the binding of {Third}", cancellationToken);
        await WaitForOutputAsync(session.Ha, $"Binding {Third} -> {Injected} accepted", cancellationToken);
        Assert.That(session.Ha.Output, Does.Not.Contain($"Duplicate address detection of {Third}"), "no debug line any more");

        // (b) Timers and the kernel view match reality: three bindings, each expiring when the status says, each with its route and proxy entry.
        using var status = await session.Ha.WaitForStatusAsync(_ => true, Registration, "the status", cancellationToken);
        var timers = Lines(Ctl(haSocket, ["--json", "timers"]));
        using (var json = JsonDocument.Parse(timers.Single()))
        {
            var expiries = json.RootElement.GetProperty("results").EnumerateArray()
                .Where(r => r.GetProperty("purpose").GetString()!.StartsWith("binding expiry ", StringComparison.Ordinal))
                .ToDictionary(r => r.GetProperty("purpose").GetString()!["binding expiry ".Length..], r => double.Parse(r.GetProperty("in_s").GetString()!, CultureInfo.InvariantCulture));
            foreach (var entry in Cache(status.RootElement))
            {
                Assert.That(expiries, Does.ContainKey(entry.HomeAddress.ToString()));
                Assert.That(expiries[entry.HomeAddress.ToString()], Is.EqualTo(entry.LifetimeRemaining).Within(3), $"expiry of {entry.HomeAddress}");
            }

            Assert.That(expiries, Has.Count.EqualTo(3));
        }

        var bindings = await WaitForLinesAsync(haSocket, ["bindings"], l => l.Length == 3 && l.All(x => x.StartsWith("ok home_agent", StringComparison.Ordinal)), cancellationToken);
        Assert.That(bindings, Has.Some.StartsWith($"ok home_agent {MobilityTopology.HomeAddress} -> {original.CareOfAddress}"));
        Assert.That(KernelRoutes(topology.Ha), Does.Contain($"{MobilityTopology.HomeAddress} dev shisa0"));

        // (c) One binding flushed: routes gone, traffic to it no longer tunnelled, the others untouched.
        var flushed = Ctl(haSocket, ["flush", MobilityTopology.HomeAddress.ToString()]);
        Assert.That(flushed.ExitCode, Is.Zero);
        Assert.That(Lines(flushed), Is.EqualTo(new[] { $"flushed home_agent {MobilityTopology.HomeAddress} -> {original.CareOfAddress}" }));
        await WaitForLinesAsync(haSocket, ["bindings"], l => l.Length == 2 && l.All(x => x.StartsWith("ok", StringComparison.Ordinal)), cancellationToken);
        Assert.That(KernelRoutes(topology.Ha), Does.Not.Contain($"{MobilityTopology.HomeAddress} dev shisa0"));
        Assert.That(KernelRoutes(topology.Ha), Does.Contain($"{Second} dev shisa0").And.Contain($"{Third} dev shisa0"));
        Assert.That(Host.Exec(topology.Ha, "ip", "-6", "neigh", "show", "proxy").StandardOutput, Is.Empty, "proxy ND is the home agent's own, answered from the binding table the flush changed");
        using (var uplink = LinkCapture.Start(topology.Ha, "ha-up"))
        {
            Host.Ping(topology.Cn, MobilityTopology.HomeAddress, count: 3, waitSeconds: 1);
            Assert.That(uplink.Stop().Where(p => p.NextHeader == 41 && Equals(p.InnerDestination, MobilityTopology.HomeAddress)), Is.Empty, "nothing tunnelled to the flushed home address");
        }

        // (d) A flush of what is not there, or bad usage: one line, exit 2, nothing changed.
        var again = Ctl(haSocket, ["flush", MobilityTopology.HomeAddress.ToString()]);
        Assert.That((again.ExitCode, again.StandardError.Trim()), Is.EqualTo((2, $"shisa ctl: no binding of {MobilityTopology.HomeAddress}")));
        var typo = Ctl(haSocket, ["flush", "2001:db8:1::zz"]);
        Assert.That((typo.ExitCode, typo.StandardError.Trim()), Is.EqualTo((2, "shisa ctl: '2001:db8:1::zz' is not an IPv6 unicast address (or 'all')")));
        Assert.That(Ctl(haSocket, ["reregister"]).StandardError, Does.Contain("does not run mobile_node"));
        Assert.That(Cache((await session.Ha.WaitForStatusAsync(_ => true, Registration, "the status", cancellationToken)).RootElement), Has.Count.EqualTo(2));

        // (e) The mobile node re-registers on demand: a BU on the wire, the binding and the traffic back.
        using (var access = LinkCapture.Start(topology.Ar1, "ar1-up"))
        {
            var reregistered = Ctl(mnSocket, ["reregister"]);
            Assert.That(reregistered.ExitCode, Is.Zero);
            Assert.That(reregistered.StandardOutput, Does.StartWith("binding update ").And.Contain($"sent to {MobilityTopology.HomeAgentAddress} from {original.CareOfAddress}"));
            var update = await access.WaitForAsync(p => p.MobilityType == 5 && p.Source.Equals(original.CareOfAddress), TimeSpan.FromSeconds(5));
            Assert.That(update, Is.Not.Null, "a Binding Update on ar1's uplink");
        }

        await session.Ha.WaitForStatusAsync(s => Cache(s).Any(e => e.HomeAddress.Equals(MobilityTopology.HomeAddress)), Registration, "the binding back", cancellationToken);
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10)), Is.True, "HoA <-> cn after the re-registration");
        var mnBindings = await WaitForLinesAsync(mnSocket, ["bindings"], l => l.Length == 1 && l[0].StartsWith("ok mobile_node", StringComparison.Ordinal), cancellationToken);
        Assert.That(mnBindings[0], Does.Contain($"{MobilityTopology.HomeAddress} -> {original.CareOfAddress} via {MobilityTopology.HomeAgentAddress}"));
        Assert.That(Lines(Ctl(mnSocket, ["timers"])), Has.Some.Match("^mobile_node home registration BOUND in [0-9.]+ s$"));

        // Garbage on the socket is dropped and counted in /metrics; the service goes on answering.
        using (var garbage = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            await garbage.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(haSocket), cancellationToken);
            await garbage.SendAsync("hello, world\n\n"u8.ToArray(), System.Net.Sockets.SocketFlags.None, cancellationToken);
        }

        await session.Ha.WaitForStatusAsync(s => Counter(s, "control.dropped_malformed") >= 1, TimeSpan.FromSeconds(5), "the garbage counted", cancellationToken);
        Assert.That(Ctl(haSocket, ["timers"]).ExitCode, Is.Zero);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_denied_correspondent_gets_no_return_routability_also_after_a_restart_and_the_correspondent_flushes_on_demand(CancellationToken cancellationToken)
    {
        Assume.That(Host.IsRoot, "namespaces need root");
        string mnSocket = Socket("mn");
        string cnSocket = Socket("cn");
        var cn = MobilityTopology.CorrespondentAddress;
        var home = MobilityTopology.HomeAddress;
        string mnProfile = WithControl(RouteOptimizationProfiles.MobileNode(), mnSocket);
        using var topology = MobilityTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1 });
        using var ha = ApplianceInstance.Start(topology, topology.Ha, "ha", Profiles.HomeAgent(), Profiles.HomeAgentStatusPort);
        using var correspondent = ApplianceInstance.Start(topology, topology.Cn, "cn", WithControl(RouteOptimizationProfiles.Correspondent(), cnSocket), Profiles.CorrespondentStatusPort);
        await ha.WaitForStatusAsync(_ => true, Registration, "the home agent's status page", cancellationToken);
        await correspondent.WaitForStatusAsync(_ => true, Registration, "the correspondent's status page", cancellationToken);
        var mn = ApplianceInstance.Start(topology, topology.Mn, "mn", mnProfile, Profiles.MobileNodeStatusPort);
        try
        {
            await mn.WaitForStatusAsync(s => HomeRegistrationTests.Bound(s, MobilityTopology.Foreign1Prefix), Registration, "a bound home registration", cancellationToken);

            // Denied before any traffic; a correspondent with no policy cannot be allowed.
            Assert.That(Lines(Ctl(mnSocket, ["ro", "list"])), Is.EqualTo(new[] { "no correspondent denied: route optimization with every correspondent" }));
            Assert.That(Lines(Ctl(mnSocket, ["ro", "deny", cn.ToString()])), Is.EqualTo(new[] { $"denied route optimization with {cn}" }));
            var unknown = Ctl(mnSocket, ["ro", "allow", "2001:db8:c::99"]);
            Assert.That((unknown.ExitCode, unknown.StandardError.Trim()), Is.EqualTo((2, "shisa ctl: no policy for 2001:db8:c::99: route optimization with it is not denied")));
            await AssertNoReturnRoutabilityAsync(topology, mn, cancellationToken);

            // Still denied after a restart (the state directory keeps it).
            Assert.That(mn.Stop(TimeSpan.FromSeconds(6)), Is.Zero);
            mn.Dispose();
            mn = ApplianceInstance.Start(topology, topology.Mn, "mn", mnProfile, Profiles.MobileNodeStatusPort);
            await mn.WaitForStatusAsync(s => HomeRegistrationTests.Bound(s, MobilityTopology.Foreign1Prefix), Registration, "a bound home registration after the restart", cancellationToken);
            Assert.That(Lines(Ctl(mnSocket, ["ro", "list"])), Is.EqualTo(new[] { $"deny {cn} (operator)" }));
            await AssertNoReturnRoutabilityAsync(topology, mn, cancellationToken);

            // Allowed again: return routability and a binding with cn follow (so the denial above was what stopped it).
            Assert.That(Lines(Ctl(mnSocket, ["ro", "allow", cn.ToString()])), Is.EqualTo(new[] { $"allowed route optimization with {cn}" }));
            using (topology.StartPing(topology.Mn, cn, 0.2, home))
            {
                await mn.WaitForStatusAsync(s => RouteOptimizationTests.BoundWith(s, MobilityTopology.Foreign1Prefix), Registration, "a binding with cn once allowed", cancellationToken);
            }

            var timers = Lines(Ctl(mnSocket, ["timers"]));
            Assert.That(timers, Has.Some.StartWith($"mobile_node route optimization {cn} "));

            // The correspondent's binding flushed by home address (a binding id it does not hold changes nothing).
            await correspondent.WaitForStatusAsync(s => RouteOptimizationTests.Cached(s, MobilityTopology.Foreign1Prefix), Registration, "the binding at cn", cancellationToken);
            var cnBindings = await WaitForLinesAsync(cnSocket, ["bindings"], l => l.Length == 1, cancellationToken);
            Assert.That(cnBindings.Single(), Does.StartWith($"ok correspondent {home} -> ").And.EndWith("(user space only)"));
            var wrongId = Ctl(cnSocket, ["flush", home.ToString(), "binding-id", "5"]);
            Assert.That((wrongId.ExitCode, wrongId.StandardError.Trim()), Is.EqualTo((2, $"shisa ctl: no binding of {home} with binding id 5")));
            var flushed = Ctl(cnSocket, ["flush", home.ToString()]);
            Assert.That(flushed.ExitCode, Is.Zero);
            Assert.That(Lines(flushed).Single(), Does.StartWith($"flushed correspondent_node {home} -> "));
            await correspondent.WaitForStatusAsync(s => Cache(s).Count == 0, TimeSpan.FromSeconds(5), "no binding at cn after the flush", cancellationToken);
        }
        finally
        {
            mn.Dispose();
        }
    }

    /// <summary>Traffic from the home address to cn for a while: hints refused by policy, no HoTI or CoTI on the wire.</summary>
    private static async Task AssertNoReturnRoutabilityAsync(MobilityTopology topology, ApplianceInstance mn, CancellationToken cancellationToken)
    {
        var cn = MobilityTopology.CorrespondentAddress;
        using var capture = LinkCapture.Start(topology.Core, "core-ar1");
        Assert.That(await Host.PingUntilAsync(topology.Mn, cn, Registration, MobilityTopology.HomeAddress), Is.True, "ping from the home address to cn");
        Assert.That(Host.Ping(topology.Mn, cn, 10, 1, MobilityTopology.HomeAddress), Is.True);
        using var status = await mn.WaitForStatusAsync(s => Counter(s, "ro_rr_hints_opted_out") >= 1, Registration, "hints refused by policy", cancellationToken);
        var packets = capture.Stop();
        Assert.That(packets.Where(p => p.MobilityType is 1 or 2 || p.InnerNextHeader == 135), Is.Empty, "no HoTI or CoTI toward the denied correspondent");
        Assert.That(Counter(status.RootElement, "ro_hoti_sent"), Is.Zero);
        Assert.That(Counter(status.RootElement, "ro_coti_sent"), Is.Zero);
    }

    /// <summary>Waits until the instance printed <paramref name="text"/> (its output is read as it comes).</summary>
    private static async Task WaitForOutputAsync(ApplianceInstance instance, string text, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!instance.Output.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken);
        }

        Assert.That(instance.Output, Does.Contain(text));
    }

    private static async Task<string[]> WaitForLinesAsync(string socket, string[] words, Func<string[], bool> condition, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string[] lines;
        while (!condition(lines = Lines(Ctl(socket, words))) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, cancellationToken);
        }

        Assert.That(condition(lines), Is.True, $"shisa ctl {string.Join(' ', words)}:\n{string.Join('\n', lines)}");
        return lines;
    }

    /// <summary>A registration for <paramref name="home"/> from <see cref="Injected"/>, as a mobile node at ar1 would send it.</summary>
    private static void Register(RawIpv6Sender sender, IPAddress home, ushort sequence)
    {
        var request = new BindingUpdateRequest(sequence, WireFlags.A | WireFlags.H, TimeSpan.FromSeconds(120), Injected, MobilityTopology.HomeAgentAddress, home);
        var buffer = new byte[1280];
        Assert.That(MobileNodePackets.TryWriteBindingUpdate(request, null, DateTimeOffset.UtcNow, buffer, out int written), Is.True);
        Assert.That(sender.TrySend(buffer.AsSpan(0, written)), Is.True, $"send failed, errno {sender.LastError}");
    }

    private static string KernelRoutes(string ns) => Host.Exec(ns, "ip", "-6", "route", "show", "proto", "0x53", "table", "all").StandardOutput;

    private static IReadOnlyList<CacheEntry> Cache(JsonElement status) => CacheEntry.From(status);

    private static long Counter(JsonElement status, string name) =>
        status.GetProperty("counters").TryGetProperty(name, out var value) ? value.GetInt64() : 0;
}
