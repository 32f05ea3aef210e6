using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Shisa.Appliance.Hosting;
using Shisa.Appliance.Web;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Tests.Web;

public partial class MetricsWriterTests
{
    /// <summary>A sample line of the 0.0.4 text format: name, optional {label="value",...}, a value.</summary>
    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)\})? (?<value>-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""^# (HELP (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) .+|TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<type>counter|gauge|histogram|summary|untyped))$""")]
    private static partial Regex CommentLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();

    private sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>Parses the exposition, failing on any line that is neither a HELP/TYPE comment nor a sample of a typed family.</summary>
    private static (List<Sample> Samples, Dictionary<string, string> Types) Parse(string text)
    {
        Assert.That(text, Does.EndWith("\n"));
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith('#'))
            {
                var comment = CommentLine().Match(line);
                Assert.That(comment.Success, Is.True, $"bad comment line: {line}");
                var name = comment.Groups["name"].Value;
                if (comment.Groups["type"].Success)
                {
                    Assert.That(helps, Does.Contain(name), $"TYPE before HELP for {name}");
                    Assert.That(types.TryAdd(name, comment.Groups["type"].Value), Is.True, $"two TYPE lines for {name}");
                }
                else
                {
                    Assert.That(helps.Add(name), Is.True, $"two HELP lines for {name}");
                }

                continue;
            }

            var m = SampleLine().Match(line);
            Assert.That(m.Success, Is.True, $"bad sample line: {line}");
            var sampleName = m.Groups["name"].Value;
            var family = types.ContainsKey(sampleName) ? sampleName : Regex.Replace(sampleName, "_(bucket|sum|count)$", "");
            Assert.That(types.ContainsKey(family), Is.True, $"sample {sampleName} before its TYPE");
            Assert.That(series.Add(line[..line.LastIndexOf(' ')]), Is.True, $"duplicate series: {line}");
            var labels = Label().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["key"].Value, l => l.Groups["value"].Value);
            var value = m.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(sampleName, labels, value));
        }

        return (samples, types);
    }

    private static StatusSnapshot Snapshot(IReadOnlyDictionary<string, long> counters, DurationHistogram? histogram) =>
        new("mn1", ["mobile_node"], 5, [], [], [], counters, [], histogram);

    private static readonly Dictionary<string, long> ModuleCounters = new()
    {
        ["ha_binding_updates_received"] = 9,
        ["ha_binding_updates_status_0"] = 7,
        ["ha_binding_updates_status_129"] = 2,
        ["ha_binding_acks_sent_status_0"] = 7,
        ["ha_binding_acks_sent_status_129"] = 2,
        ["ha_drops_bad_checksum"] = 3,
        ["ha_dad_requested"] = 7,
        ["cn_bu_accepted"] = 4,
        ["cn_bu_deleted"] = 1,
        ["cn_bu_refused_136"] = 2,
        ["cn_drop_bad_authenticator"] = 1,
        ["mn_binding_updates_sent"] = 11,
        ["mn_binding_acks_received_status_0"] = 10,
        ["mr_refused_140"] = 1,
        ["dataplane_encapsulated_packets"] = 100,
        ["dataplane_encapsulated_bytes"] = 12_000,
        ["dataplane_decapsulated_packets"] = 90,
        ["dataplane_decapsulated_bytes"] = 10_800,
        ["dataplane_drop_bad_checksum"] = 5,
        ["dataplane_drop_spoofed_tunnel_source"] = 1,
        ["dataplane_bindings_cache"] = 1,
        ["bus_messages"] = 12,
        ["bus_bindingcacheadd"] = 3,
        ["bus_dropped_status"] = 0,
        ["bus_coalesced_status"] = 4,
        ["bus_resyncs_status"] = 1,
        ["bus_socket.clients_connected"] = 1,
        ["odd name-with.dots"] = 2,
    };

    private static double Value(List<Sample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.Single(s => s.Name == name && s.Labels.Count == labels.Length && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).Value;

    [Test]
    public void Every_line_is_a_comment_or_a_sample_of_a_typed_family()
    {
        var log = new HandoverLog();
        var source = new FakeHandovers();
        log.Add(source);
        source.Moved(TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30));
        log.Collect();

        var (samples, types) = Parse(MetricsWriter.Write(Snapshot(ModuleCounters, log.Histogram())));

        Assert.That(types["shisa_binding_update_results_total"], Is.EqualTo("counter"));
        Assert.That(types["shisa_bindings"], Is.EqualTo("gauge"));
        Assert.That(types["shisa_handover_duration_seconds"], Is.EqualTo("histogram"));
        Assert.That(types.Keys, Has.All.StartWith("shisa_"));
    }

    [Test]
    public void Counters_whose_names_carry_a_status_or_reason_become_labelled_families()
    {
        var (samples, _) = Parse(MetricsWriter.Write(Snapshot(ModuleCounters, null)));
        Assert.Multiple(() =>
        {
            Assert.That(Value(samples, "shisa_binding_updates_received_total", ("role", "home_agent")), Is.EqualTo(9));
            Assert.That(Value(samples, "shisa_binding_updates_sent_total", ("role", "mobile_node")), Is.EqualTo(11));
            Assert.That(Value(samples, "shisa_binding_update_results_total", ("role", "home_agent"), ("status", "0")), Is.EqualTo(7));
            Assert.That(Value(samples, "shisa_binding_update_results_total", ("role", "home_agent"), ("status", "129")), Is.EqualTo(2));
            // Accepted registrations and deregistrations are both answered with status 0.
            Assert.That(Value(samples, "shisa_binding_update_results_total", ("role", "correspondent"), ("status", "0")), Is.EqualTo(5));
            Assert.That(Value(samples, "shisa_binding_update_results_total", ("role", "correspondent"), ("status", "136")), Is.EqualTo(2));
            Assert.That(Value(samples, "shisa_binding_acks_sent_total", ("role", "home_agent"), ("status", "129")), Is.EqualTo(2));
            Assert.That(Value(samples, "shisa_binding_acks_received_total", ("role", "mobile_node"), ("status", "0")), Is.EqualTo(10));
            Assert.That(Value(samples, "shisa_mobile_router_refusals_total", ("status", "140")), Is.EqualTo(1));
            Assert.That(Value(samples, "shisa_drops_total", ("source", "dataplane"), ("reason", "bad_checksum")), Is.EqualTo(5));
            Assert.That(Value(samples, "shisa_drops_total", ("source", "home_agent"), ("reason", "bad_checksum")), Is.EqualTo(3));
            Assert.That(Value(samples, "shisa_drops_total", ("source", "correspondent"), ("reason", "bad_authenticator")), Is.EqualTo(1));
            Assert.That(Value(samples, "shisa_tunnel_packets_total", ("direction", "out")), Is.EqualTo(100));
            Assert.That(Value(samples, "shisa_tunnel_packets_total", ("direction", "in")), Is.EqualTo(90));
            Assert.That(Value(samples, "shisa_tunnel_bytes_total", ("direction", "out")), Is.EqualTo(12_000));
            Assert.That(Value(samples, "shisa_tunnel_bytes_total", ("direction", "in")), Is.EqualTo(10_800));
            Assert.That(Value(samples, "shisa_dataplane_bindings", ("table", "binding_cache")), Is.EqualTo(1));
            Assert.That(Value(samples, "shisa_bus_published_total", ("type", "BindingCacheAdd")), Is.EqualTo(3));
            Assert.That(Value(samples, "shisa_bus_dropped_notifications_total", ("subscriber", "status")), Is.EqualTo(0));
            Assert.That(Value(samples, "shisa_bus_coalesced_total", ("subscriber", "status")), Is.EqualTo(4));
            Assert.That(Value(samples, "shisa_bus_resyncs_total", ("subscriber", "status")), Is.EqualTo(1));
            Assert.That(Value(samples, "shisa_bus_messages_total"), Is.EqualTo(12));
            Assert.That(Value(samples, "shisa_ha_dad_requested_total"), Is.EqualTo(7));
            Assert.That(Value(samples, "shisa_bus_socket_clients_connected_total"), Is.EqualTo(1));
            Assert.That(Value(samples, "shisa_odd_name_with_dots_total"), Is.EqualTo(2));
        });
    }

    [Test]
    public void Kernel_repairs_are_counters_by_action_and_wanted_kernel_objects_gauges_by_kind()
    {
        var counters = new Dictionary<string, long>
        {
            ["dataplane_kernel_repaired_removed"] = 3,
            ["dataplane_kernel_repaired_added"] = 2,
            ["dataplane_kernel_reconciles"] = 7,
            ["dataplane_kernel_errors"] = 1,
            ["dataplane_kernel_routes"] = 40,
        };
        var (samples, types) = Parse(MetricsWriter.Write(Snapshot(counters, null)));
        Assert.Multiple(() =>
        {
            Assert.That(Value(samples, "shisa_kernel_repairs_total", ("action", "removed_leftover")), Is.EqualTo(3));
            Assert.That(Value(samples, "shisa_kernel_repairs_total", ("action", "readded_missing")), Is.EqualTo(2));
            Assert.That(Value(samples, "shisa_kernel_reconciles_total"), Is.EqualTo(7));
            Assert.That(Value(samples, "shisa_kernel_errors_total"), Is.EqualTo(1));
            Assert.That(Value(samples, "shisa_kernel_objects", ("kind", "routes")), Is.EqualTo(40));
            Assert.That(types["shisa_kernel_objects"], Is.EqualTo("gauge"));
            Assert.That(types["shisa_kernel_repairs_total"], Is.EqualTo("counter"));
        });
    }

    [Test]
    public void Each_binding_of_a_home_address_has_its_priority_and_tunnel_counters_by_binding_id()
    {
        BindingCacheStatus Binding(int id, int priority, long out_) =>
            new("2001:db8:1::100", $"2001:db8:a{id}::10", "2001:db8:1::1", "AH", [], id, 7, 60)
            {
                Priority = priority,
                Traffic = new TunnelTrafficStatus(out_, out_ * 100, 3, 300),
            };
        var snapshot = new StatusSnapshot("ha", ["home_agent"], 5, [], [Binding(1, 1, 40), Binding(2, 2, 0)], [], new Dictionary<string, long>(), []);

        var (samples, types) = Parse(MetricsWriter.Write(snapshot));

        Assert.That(types["shisa_binding_tunnel_packets_total"], Is.EqualTo("counter"));
        Assert.That(samples.Where(x => x.Name == "shisa_binding_tunnel_packets_total" && x.Labels["direction"] == "out").Select(x => (x.Labels["binding_id"], x.Value)),
            Is.EquivalentTo(new[] { ("1", 40.0), ("2", 0.0) }));
        Assert.That(samples.Single(x => x.Name == "shisa_binding_priority" && x.Labels["binding_id"] == "2").Value, Is.EqualTo(2));
        Assert.That(samples.Where(x => x.Name == "shisa_binding_tunnel_octets_total").Select(x => x.Labels["home_address"]).Distinct(), Is.EqualTo(new[] { "2001:db8:1::100" }));
    }

    [Test]
    public void Handover_histogram_buckets_are_cumulative_and_inf_equals_count()
    {
        var log = new HandoverLog();
        var source = new FakeHandovers();
        log.Add(source);
        source.Moved(TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(3));
        log.Collect();
        source.Moved(TimeSpan.FromSeconds(30));
        log.Collect();
        log.Collect(); // nothing new: counted once

        var (samples, _) = Parse(MetricsWriter.Write(Snapshot(new Dictionary<string, long>(), log.Histogram())));
        var buckets = samples.Where(s => s.Name == "shisa_handover_duration_seconds_bucket").ToList();
        var bounds = buckets.Select(b => b.Labels["le"]).ToList();
        Assert.That(bounds, Is.EqualTo(new[] { "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf" }));
        var counts = buckets.Select(b => b.Value).ToList();
        Assert.That(counts, Is.Ordered.Ascending, "cumulative");
        Assert.That(counts, Is.EqualTo(new double[] { 1, 2, 2, 3, 3, 3, 4, 4, 5 }));
        Assert.That(counts[^1], Is.EqualTo(Value(samples, "shisa_handover_duration_seconds_count")));
        Assert.That(Value(samples, "shisa_handover_duration_seconds_sum"), Is.EqualTo(33.44).Within(1e-9));
    }

    [Test]
    public void An_empty_histogram_still_has_its_inf_bucket_sum_and_count()
    {
        var (samples, _) = Parse(MetricsWriter.Write(Snapshot(new Dictionary<string, long>(), null)));
        Assert.That(Value(samples, "shisa_handover_duration_seconds_bucket", ("le", "+Inf")), Is.Zero);
        Assert.That(Value(samples, "shisa_handover_duration_seconds_count"), Is.Zero);
        Assert.That(Value(samples, "shisa_handover_duration_seconds_sum"), Is.Zero);
    }

    [Test]
    public void Handover_log_keeps_a_bounded_newest_first_timeline_and_survives_a_rolled_window()
    {
        var log = new HandoverLog(capacity: 3);
        var source = new FakeHandovers(window: 2);
        log.Add(source);
        source.Moved(TimeSpan.FromMilliseconds(100));
        log.Collect();
        // Three more while nobody looked: the window of 2 lost the first of them, the log counts the two it sees.
        source.Moved(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(400));
        log.Collect();

        var recent = log.Recent();
        Assert.That(recent.Select(h => h.DurationMs), Is.EqualTo(new long[] { 400, 300, 100 }));
        Assert.That(recent[0].From, Is.EqualTo(recent[1].To));
        Assert.That(log.Histogram().Count, Is.EqualTo(3));
    }

    /// <summary>A mobile node's handover window: each move goes from the last care-of address to a new one.</summary>
    private sealed class FakeHandovers(int window = 32) : IHandoverSource
    {
        private readonly List<Handover> _handovers = [];
        private DateTimeOffset _now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
        private int _next = 1;

        public void Moved(params TimeSpan[] durations)
        {
            foreach (var duration in durations)
            {
                var from = _handovers.Count == 0 ? null : _handovers[^1].To;
                var to = IPAddress.Parse($"2001:db8:{_next++:x}::10");
                _handovers.Add(new Handover(from, to, "eth1", _now, _now + duration));
                _now += TimeSpan.FromMinutes(1);
                if (_handovers.Count > window)
                {
                    _handovers.RemoveAt(0);
                }
            }
        }

        public IReadOnlyList<Handover> GetHandovers() => [.. _handovers];
    }
}
