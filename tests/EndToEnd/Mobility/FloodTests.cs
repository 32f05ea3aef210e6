using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Shisa.EndToEnd.Tests.Appliance;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// Issue 16, item 1: a listed mobile node registers while the home agent is flooded with forged Binding Updates
/// (home addresses it does not serve, random care-of addresses) as fast as one AF_PACKET sender can push them, no
/// slower than without the flood plus 1 s, and the home agent's memory stays bounded. <c>bench/flood.sh</c> runs
/// this test and prints the achieved rate.
/// </summary>
[NonParallelizable]
public class FloodTests
{
    private static readonly TimeSpan Registration = TimeSpan.FromSeconds(20);
    private const long RssGrowthLimitKb = 64 * 1024;

    /// <summary>
    /// BUs per second the flooder sends: 150 000 (the issue's target is 100 000 arriving), or SHISA_FLOOD_RATE
    /// ("max": as fast as one thread can; what then reaches the appliance is what the kernel's socket queue keeps).
    /// </summary>
    private static double FloodRate =>
        Environment.GetEnvironmentVariable("SHISA_FLOOD_RATE") switch
        {
            null or "" => 150_000,
            "max" => 0,
            var text => double.Parse(text, CultureInfo.InvariantCulture),
        };

    [Test]
    [CancelAfter(240_000)]
    public async Task A_listed_mobile_node_registers_through_a_flood_of_forged_binding_updates_within_its_no_load_time_plus_1_s(CancellationToken cancellationToken)
    {
        using var session = MobilitySession.Create(Profiles.HomeAgent(), Profiles.MobileNode());
        var topology = session.Topology;

        // Without load: home agent up, mobile node started; from its Binding Update to the binding at the home agent (DAD included).
        var noLoad = await RegisterAsync(topology, "ha-quiet", "mn-quiet", flood: false, cancellationToken);
        TestContext.Out.WriteLine($"no load: registered in {noLoad.Time.TotalMilliseconds:F0} ms");

        // Under flood: a fresh home agent and mobile node (state directories of their own), the same way.
        var flooded = await RegisterAsync(topology, "ha-flood", "mn-flood", flood: true, cancellationToken);
        TestContext.Out.WriteLine(
            $"flood: {flooded.Rate:F0} BU/s offered ({flooded.Sent} BUs in {flooded.FloodSeconds:F1} s), {flooded.ClassifiedRate:F0} BU/s reached the home agent's classifier; registered in {flooded.Time.TotalMilliseconds:F0} ms; " +
            $"home agent RSS {flooded.RssBeforeKb} kB -> {flooded.RssAfterKb} kB; counters {flooded.Counters}");

        Assert.That(flooded.Time, Is.LessThanOrEqualTo(noLoad.Time + TimeSpan.FromSeconds(1)), $"no load {noLoad.Time}, flooded {flooded.Time}");
        Assert.That(flooded.RssAfterKb - flooded.RssBeforeKb, Is.LessThan(RssGrowthLimitKb), "home agent RSS growth");
        Assert.That(flooded.Counters, Does.Contain("ha_signalling_rate_limited"), "the flood is counted where it is refused");
    }

    /// <param name="Rate">BUs per second the flooder sent.</param>
    /// <param name="ClassifiedRate">BUs per second the home agent's receive path classified (the rest the kernel dropped before its socket).</param>
    private sealed record Outcome(TimeSpan Time, double Rate, long Sent, double FloodSeconds, double ClassifiedRate, long RssBeforeKb, long RssAfterKb, string Counters);

    private static async Task<Outcome> RegisterAsync(MobilityTopology topology, string haName, string mnName, bool flood, CancellationToken cancellationToken)
    {
        using var ha = ApplianceInstance.Start(topology, topology.Ha, haName, Profiles.HomeAgent(), Profiles.HomeAgentStatusPort);
        await ha.WaitForStatusAsync(_ => true, Registration, "the home agent's status page", cancellationToken);
        long rssBefore = RssKb(ha.Process.ProcessId);
        using var flooder = flood ? BindingUpdateFlooder.Start(topology, FloodRate) : null;
        if (flooder is not null)
        {
            // Let the flood reach its rate (and the home agent's queues fill) before the mobile node starts.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }

        // The registration runs from the mobile node's first Binding Update to the accepting Binding Acknowledgement,
        // both seen on mn0: its own start and movement detection, slowed by the flooder's CPU on a small machine, are
        // not the home agent's doing. DAD of the home address at the home agent is included.
        using var mn0 = LinkCapture.Start(topology.Mn, "mn0");
        var clock = Stopwatch.StartNew();
        using var mn = ApplianceInstance.Start(topology, topology.Mn, mnName, Profiles.MobileNode(), Profiles.MobileNodeStatusPort);
        var update = await mn0.WaitForAsync(p => p.MobilityType == 5, Registration);
        Assert.That(update, Is.Not.Null, $"no Binding Update from the mobile node\n{mn.Output}");
        var started = clock.Elapsed;
        var ack = await mn0.WaitForAsync(p => p.MobilityType == 6 && p.AckStatus == 0, Registration);
        var time = clock.Elapsed - started;
        Assert.That(ack, Is.Not.Null, $"no accepting Binding Acknowledgement ({(flood ? "flooded" : "no load")})\n{ha.Output}");
        flooder?.Stop();
        int updates = mn0.Packets.Count(p => p.MobilityType == 5);
        TestContext.Out.WriteLine($"{mnName}: Binding Update sent {started.TotalMilliseconds:F0} ms after its start, accepted {time.TotalMilliseconds:F0} ms later ({updates} BU(s) sent)");
        using var status = await ha.WaitForStatusAsync(
            s => s.GetProperty("binding_cache").EnumerateArray().Any(e => e.GetProperty("home_address").GetString() == "2001:db8:1::100"),
            Registration, "the binding at the home agent", cancellationToken);
        long classified = status.RootElement.GetProperty("counters").EnumerateObject()
            .Where(p => p.Name is "ha_signalling_priority_admitted" or "ha_signalling_bulk_admitted" or "ha_signalling_rate_limited_prefix" or "ha_signalling_rate_limited_total")
            .Sum(p => p.Value.GetInt64());
        long rssAfter = RssKb(ha.Process.ProcessId);
        string counters = string.Join(", ", status.RootElement.GetProperty("counters").EnumerateObject()
            .Where(p => p.Name.StartsWith("ha_signalling", StringComparison.Ordinal) || p.Name.StartsWith("ha_drops", StringComparison.Ordinal) || p.Name.StartsWith("ha_binding", StringComparison.Ordinal))
            .Select(p => $"{p.Name}={p.Value}"));
        mn.Stop(TimeSpan.FromSeconds(10));
        ha.Stop(TimeSpan.FromSeconds(10));
        double seconds = flooder?.Elapsed.TotalSeconds ?? 0;
        return new Outcome(time, flooder?.Rate ?? 0, flooder?.Sent ?? 0, seconds, seconds > 0 ? classified / seconds : 0, rssBefore, rssAfter, counters);
    }

    private static long RssKb(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no VmRSS for {pid}");
    }
}
