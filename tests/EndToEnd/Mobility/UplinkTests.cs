using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Shisa.EndToEnd.Tests.Topology;
using static Shisa.EndToEnd.Tests.Topology.HandoverRun;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// Several uplinks: mn0 on ar1 (preferred) and mn1 on ar2, both up at once. Both access routers filter sources
/// (BCP 38: a packet from their link whose source is not in their prefix is dropped), and the mobile node's main
/// table prefers mn1 (an operator's default route with a lower metric), so a care-of address's outer packets get
/// through only if they leave through that address's own uplink. Unplugging mn0 moves the traffic to mn1 at once;
/// plugging it back brings it back. The gaps of a 10 ms ping stream cn -> HoA are printed.
/// </summary>
[NonParallelizable]
public partial class UplinkTests
{
    private const string SecondUplink = "mn1";
    private const string SecondPeer = "mnp1";
    private static readonly TimeSpan Resumption = TimeSpan.FromSeconds(10);

    [Test]
    [CancelAfter(120_000)]
    public async Task Preferred_uplink_unplugged_fails_over_to_the_second_and_comes_back_when_plugged_in(CancellationToken cancellationToken)
    {
        using var session = MobilitySession.Create(Profiles.HomeAgent(), MobileNodeWithTwoUplinks());
        var topology = session.Topology;
        AddSecondUplink(topology);
        FilterSources(topology.Ar1, MobilityTopology.BridgeOf(AccessLink.Foreign1), MobilityTopology.Foreign1Prefix);
        FilterSources(topology.Ar2, MobilityTopology.BridgeOf(AccessLink.Foreign2), MobilityTopology.Foreign2Prefix);
        await PreferSecondUplinkInMainTableAsync(topology, cancellationToken);

        await session.StartAppliancesAsync(cancellationToken);
        var first = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        TestContext.Out.WriteLine($"registered through mn0 from {first.Entry.CareOfAddress} although the main table prefers mn1");

        using var inbound = topology.StartPing(topology.Cn, MobilityTopology.HomeAddress);
        Assert.That(await RepliesAfterAsync([inbound], DateTime.UtcNow, 20, Resumption, cancellationToken), Is.True, $"the ping stream does not start\n{session.Diagnostics()}");

        var unpluggedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        Host.Exec(topology.Ar1, "ip", "link", "set", MobilityTopology.MobilePeer, "down");
        var failover = await session.WaitForRegistrationAsync(MobilityTopology.Foreign2Prefix, cancellationToken);
        var failoverBound = clock.Elapsed;
        Assert.That(await RepliesAfterAsync([inbound], unpluggedAt, 20, Resumption, cancellationToken), Is.True, $"traffic did not move to mn1\n{session.Diagnostics()}");

        var pluggedAt = DateTime.UtcNow;
        clock.Restart();
        Host.Exec(topology.Ar1, "ip", "link", "set", MobilityTopology.MobilePeer, "up");
        var back = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        var backBound = clock.Elapsed;
        Assert.That(await RepliesAfterAsync([inbound], pluggedAt, 20, Resumption, cancellationToken), Is.True, $"traffic did not return to mn0\n{session.Diagnostics()}");
        await Task.Delay(500, cancellationToken);

        Assert.That(inbound.Interrupt(TimeSpan.FromSeconds(3)), Is.True, "ping stops on SIGINT");
        var timeline = PingTimeline.Parse(inbound.StandardOutput);
        var unplug = timeline.Window(unpluggedAt, pluggedAt);
        var replug = timeline.Window(pluggedAt, DateTime.UtcNow);
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"unplug mn0: bound from {failover.Entry.CareOfAddress} (mn1) after {Ms(failoverBound)} ms, gap cn->HoA {Ms(unplug.LongestGap)} ms, lost {unplug.Lost}"));
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plug mn0 back: bound from {back.Entry.CareOfAddress} (mn0) after {Ms(backBound)} ms, gap cn->HoA {Ms(replug.LongestGap)} ms, lost {replug.Lost}"));
        TestContext.Out.WriteLine($"source-filter drops: ar1 {Drops(topology.Ar1)}, ar2 {Drops(topology.Ar2)}");
        Assert.That(unplug.Restored && replug.Restored, Is.True, $"unplug {unplug}, replug {replug}");
    }

    [Test]
    [CancelAfter(150_000)]
    public async Task Uplink_plugged_in_after_start_is_picked_up_and_one_removed_and_made_again_too(CancellationToken cancellationToken)
    {
        using var session = await MobilitySession.StartAsync(cancellationToken, mobileNodeProfile: MobileNodeWithTwoUplinks());
        var topology = session.Topology;
        using var inbound = topology.StartPing(topology.Cn, MobilityTopology.HomeAddress);
        Assert.That(await RepliesAfterAsync([inbound], DateTime.UtcNow, 20, Resumption, cancellationToken), Is.True, $"the ping stream does not start\n{session.Diagnostics()}");

        for (int round = 1; round <= 2; round++)
        {
            // mn1 appears (round 2: made again after being removed, with a new index); mn0 is then unplugged, so the
            // traffic can only come in through mn1's port.
            AddSecondUplink(topology);
            await WaitForAddressAsync(topology, SecondUplink, MobilityTopology.Foreign2Prefix, cancellationToken);
            var unpluggedAt = DateTime.UtcNow;
            Host.Exec(topology.Ar1, "ip", "link", "set", MobilityTopology.MobilePeer, "down");
            var moved = await session.WaitForRegistrationAsync(MobilityTopology.Foreign2Prefix, cancellationToken);
            Assert.That(await RepliesAfterAsync([inbound], unpluggedAt, 20, Resumption, cancellationToken), Is.True, $"round {round}: no traffic through the hotplugged mn1\n{session.Diagnostics()}");
            var window = PingTimeline.Parse(inbound.StandardOutput).Window(unpluggedAt, DateTime.UtcNow);
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: mn1 plugged in after start, mn0 unplugged: bound from {moved.Entry.CareOfAddress}, gap cn->HoA {Ms(window.LongestGap)} ms"));

            // mn1 is removed and mn0 plugged back: the traffic returns to mn0.
            var removedAt = DateTime.UtcNow;
            Host.Exec(topology.Ar2, "ip", "link", "del", SecondPeer);
            Host.Exec(topology.Ar1, "ip", "link", "set", MobilityTopology.MobilePeer, "up");
            await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
            Assert.That(await RepliesAfterAsync([inbound], removedAt, 20, Resumption, cancellationToken), Is.True, $"round {round}: no traffic back through mn0\n{session.Diagnostics()}");
        }

        Assert.That(session.Mn.Output, Does.Contain("uplink mn1 appeared"), "the port was opened by hotplug");
    }

    private static async Task WaitForAddressAsync(MobilityTopology topology, string device, IPNetwork prefix, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string needle = prefix.BaseAddress.ToString().TrimEnd(':');
        while (!Host.TryExec(topology.Mn, "ip", "-6", "-o", "addr", "show", "dev", device, "scope", "global").StandardOutput.Contains(needle, StringComparison.Ordinal))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{device} forms no address in {prefix}");
            await Task.Delay(50, cancellationToken);
        }
    }

    internal static string MobileNodeWithTwoUplinks(string authentication = "") => Profiles.MobileNode(authentication: authentication)
        .Replace("interfaces = [\"mn0\"]", "interfaces = [\"mn0\", \"mn1\"]", StringComparison.Ordinal)
        .Replace("[mobile_node]", "[[interface]]\nname = \"mn1\"\nlink = \"foreign\"\n\n[mobile_node]", StringComparison.Ordinal);

    /// <summary>mn1 in the mn's namespace, its peer plugged into ar2's access link.</summary>
    internal static void AddSecondUplink(MobilityTopology topology)
    {
        Host.Exec(topology.Ar2, "ip", "link", "add", SecondPeer, "type", "veth", "peer", "name", SecondUplink, "netns", topology.Mn);
        Host.Sysctl(topology.Mn, $"net.ipv6.conf.{SecondUplink}.accept_ra=2");
        Host.Exec(topology.Mn, "ip", "link", "set", SecondUplink, "up");
        Host.Exec(topology.Ar2, "ip", "link", "set", SecondPeer, "master", MobilityTopology.BridgeOf(AccessLink.Foreign2));
        Host.Exec(topology.Ar2, "ip", "link", "set", SecondPeer, "up");
    }

    /// <summary>BCP 38 on an access router: what its access link sends with a source outside its prefix is dropped.</summary>
    private static void FilterSources(string ns, string bridge, IPNetwork prefix) =>
        Host.Exec(ns, "nft", $"table ip6 bcp38 {{ chain forward {{ type filter hook forward priority 0; iifname \"{bridge}\" ip6 saddr != {prefix} counter drop; }}; }}");

    private static string Drops(string ns) =>
        CounterPattern().Match(Host.TryExec(ns, "nft", "list", "table", "ip6", "bcp38").StandardOutput) is { Success: true } m ? m.Groups[1].Value : "?";

    /// <summary>Once mn1 has heard ar2, a default route through it with a lower metric than any RA's: the main table's choice is mn1.</summary>
    private static async Task PreferSecondUplinkInMainTableAsync(MobilityTopology topology, CancellationToken cancellationToken)
    {
        string router = LinkLocalPattern().Match(Host.Exec(topology.Ar2, "ip", "-6", "-o", "addr", "show", "dev", MobilityTopology.BridgeOf(AccessLink.Foreign2), "scope", "link").StandardOutput).Groups[1].Value;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!Host.TryExec(topology.Mn, "ip", "-6", "route", "show", "default", "dev", SecondUplink).StandardOutput.Contains("via", StringComparison.Ordinal))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "mn1 hears no router advertisement from ar2");
            await Task.Delay(100, cancellationToken);
        }

        Host.Exec(topology.Mn, "ip", "-6", "route", "add", "default", "via", router, "dev", SecondUplink, "metric", "100");
    }

    [GeneratedRegex(@"inet6 (fe80::[0-9a-f:]+)/64")]
    private static partial Regex LinkLocalPattern();

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex CounterPattern();
}
