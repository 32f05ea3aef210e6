using System.Globalization;
using System.Text;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Web;

/// <summary>
/// Prometheus text exposition format 0.0.4 of a status snapshot. The flat counters of the engine and the modules
/// (<c>ha_binding_updates_status_0</c>, <c>dataplane_drop_bad_checksum</c> ...) are mapped into labelled families
/// (<c>shisa_binding_update_results_total{role="home_agent",status="0"}</c>, <c>shisa_drops_total{source="dataplane",reason="bad_checksum"}</c>)
/// by <see cref="Rules"/>; any other counter becomes <c>shisa_NAME_total</c>. Every family has HELP and TYPE lines.
/// </summary>
internal static class MetricsWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private enum Match
    {
        /// <summary>The counter's whole name.</summary>
        Exact,

        /// <summary>The name's prefix; the rest is a status number (0..255), the <c>status</c> label.</summary>
        Status,

        /// <summary>The name's prefix; the rest is the value of the rule's variable label.</summary>
        Suffix,
    }

    private enum Kind
    {
        Counter,
        Gauge,
    }

    /// <summary>How module counters named like <paramref name="Name"/> become one Prometheus metric family.</summary>
    /// <param name="Name">The counter's name, or the prefix of the names it matches.</param>
    /// <param name="Match">How <paramref name="Name"/> is compared.</param>
    /// <param name="Family">The metric family written.</param>
    /// <param name="Kind">The family's type (counter or gauge).</param>
    /// <param name="Help">The family's HELP text.</param>
    /// <param name="Labels">Fixed labels, then (for Status and Suffix) the variable label's name last.</param>
    private sealed record Rule(string Name, Match Match, string Family, Kind Kind, string Help, params string[] Labels);

    private const string BuResults = "shisa_binding_update_results_total";
    private const string BuResultsHelp = "Binding Updates processed, by the status of the answer (0 accepted, 128 and up refused).";
    private const string AcksSent = "shisa_binding_acks_sent_total";
    private const string AcksSentHelp = "Binding Acknowledgements sent, by status.";
    private const string AcksReceived = "shisa_binding_acks_received_total";
    private const string AcksReceivedHelp = "Binding Acknowledgements received for our own Binding Updates, by status.";
    private const string Drops = "shisa_drops_total";
    private const string DropsHelp = "Packets dropped without an answer, by where and why.";
    private const string TunnelPackets = "shisa_tunnel_packets_total";
    private const string TunnelBytes = "shisa_tunnel_bytes_total";
    private const string KernelRepairs = "shisa_kernel_repairs_total";
    private const string KernelRepairsHelp = "Kernel state the reconcile repaired: leftovers of ours removed, wanted state found missing re-added.";

    // Ordered: the first rule that matches a counter's name takes it.
    private static readonly Rule[] Rules =
    [
        new("ha_binding_updates_received", Match.Exact, "shisa_binding_updates_received_total", Kind.Counter, "Binding Updates received.", "role=home_agent"),
        new("mn_binding_updates_sent", Match.Exact, "shisa_binding_updates_sent_total", Kind.Counter, "Binding Updates sent, retransmissions included.", "role=mobile_node"),
        new("ha_binding_updates_status_", Match.Status, BuResults, Kind.Counter, BuResultsHelp, "role=home_agent", "status"),
        new("cn_bu_accepted", Match.Exact, BuResults, Kind.Counter, BuResultsHelp, "role=correspondent", "status=0"),
        new("cn_bu_deleted", Match.Exact, BuResults, Kind.Counter, BuResultsHelp, "role=correspondent", "status=0"),
        new("cn_bu_refused_", Match.Status, BuResults, Kind.Counter, BuResultsHelp, "role=correspondent", "status"),
        new("ha_binding_acks_sent_status_", Match.Status, AcksSent, Kind.Counter, AcksSentHelp, "role=home_agent", "status"),
        new("mn_binding_acks_received_status_", Match.Status, AcksReceived, Kind.Counter, AcksReceivedHelp, "role=mobile_node", "status"),
        new("mr_refused_", Match.Status, "shisa_mobile_router_refusals_total", Kind.Counter, "Mobile router registrations refused by the home agent, by status (RFC 3963 6.2).", "status"),
        new("dataplane_encapsulated_packets", Match.Exact, TunnelPackets, Kind.Counter, "Packets through the IPv6-in-IPv6 tunnels; out = encapsulated, in = decapsulated.", "direction=out"),
        new("dataplane_decapsulated_packets", Match.Exact, TunnelPackets, Kind.Counter, "Packets through the IPv6-in-IPv6 tunnels; out = encapsulated, in = decapsulated.", "direction=in"),
        new("dataplane_encapsulated_bytes", Match.Exact, TunnelBytes, Kind.Counter, "Bytes through the IPv6-in-IPv6 tunnels (inner packets); out = encapsulated, in = decapsulated.", "direction=out"),
        new("dataplane_decapsulated_bytes", Match.Exact, TunnelBytes, Kind.Counter, "Bytes through the IPv6-in-IPv6 tunnels (inner packets); out = encapsulated, in = decapsulated.", "direction=in"),
        new("dataplane_bindings_cache", Match.Exact, "shisa_dataplane_bindings", Kind.Gauge, "Bindings installed in the data plane's tables.", "table=binding_cache"),
        new("dataplane_bindings_update_list", Match.Exact, "shisa_dataplane_bindings", Kind.Gauge, "Bindings installed in the data plane's tables.", "table=binding_update_list"),
        new("dataplane_drop_", Match.Suffix, Drops, Kind.Counter, DropsHelp, "source=dataplane", "reason"),
        new("dataplane_kernel_repaired_removed", Match.Exact, KernelRepairs, Kind.Counter, KernelRepairsHelp, "action=removed_leftover"),
        new("dataplane_kernel_repaired_added", Match.Exact, KernelRepairs, Kind.Counter, KernelRepairsHelp, "action=readded_missing"),
        new("dataplane_kernel_reconciles", Match.Exact, "shisa_kernel_reconciles_total", Kind.Counter, "Times the forwarding-state writer read back the kernel's tagged state and converged it."),
        new("dataplane_kernel_errors", Match.Exact, "shisa_kernel_errors_total", Kind.Counter, "Kernel requests that failed (retried by the next change or reconcile)."),
        new("dataplane_kernel_", Match.Suffix, "shisa_kernel_objects", Kind.Gauge, "Objects the appliance wants installed in the kernel (tagged as its own), by kind.", "kind"),
        new("ha_drops_", Match.Suffix, Drops, Kind.Counter, DropsHelp, "source=home_agent", "reason"),
        new("cn_drop_", Match.Suffix, Drops, Kind.Counter, DropsHelp, "source=correspondent", "reason"),
        new("bus_messages", Match.Exact, "shisa_bus_messages_total", Kind.Counter, "Messages published on the mobility bus."),
        new("bus_dropped_", Match.Suffix, "shisa_bus_dropped_notifications_total", Kind.Counter, "Bus notifications (hints, scans) a slow subscriber lost, by subscriber; state is never dropped.", "subscriber"),
        new("bus_coalesced_", Match.Suffix, "shisa_bus_coalesced_total", Kind.Counter, "Unread bus state messages superseded by a newer one for the same key or a flush, by subscriber.", "subscriber"),
        new("bus_resyncs_", Match.Suffix, "shisa_bus_resyncs_total", Kind.Counter, "Times a subscriber's bus queue was full of state and was rebuilt from the bus's tables, by subscriber.", "subscriber"),
        .. Enum.GetValues<MessageType>().Select(t => new Rule("bus_" + t.ToString().ToLowerInvariant(), Match.Exact, "shisa_bus_published_total", Kind.Counter, "Messages published on the mobility bus, by type.", "type=" + t)),
    ];

    private sealed class Family(string name, Kind kind, string help)
    {
        public string Name { get; } = name;

        public Kind Kind { get; } = kind;

        public string Help { get; } = help;

        /// <summary>Label text (<c>a="1",b="2"</c>, empty for none) to value; counters mapping to one series add up.</summary>
        public SortedDictionary<string, long> Samples { get; } = new(StringComparer.Ordinal);
    }

    public static string Write(StatusSnapshot s)
    {
        var families = new SortedDictionary<string, Family>(StringComparer.Ordinal);
        Add(families, "shisa_uptime_seconds", Kind.Gauge, "Seconds since the appliance started.", "", s.UptimeS);
        Add(families, "shisa_bindings", Kind.Gauge, "Bindings as announced on the bus, by table.", Labels(["table=binding_cache"], null), s.BindingCache.Count);
        Add(families, "shisa_bindings", Kind.Gauge, "Bindings as announced on the bus, by table.", Labels(["table=binding_update_list"], null), s.BindingUpdateList.Count);
        foreach (var e in s.BindingCache.Where(e => e.Traffic is not null))
        {
            // One series per binding (bounded by max_bindings): RFC 5648's bindings of a home address side by side.
            string binding = $"home_address=\"{e.HomeAddress}\",binding_id=\"{e.BindingId}\"";
            const string Help = "Packets tunnelled through a binding cache entry, by direction (out: to its care-of address).";
            Add(families, "shisa_binding_priority", Kind.Gauge, "A binding's rank among its home address's bindings; 1 carries the traffic (RFC 5648).", binding, e.Priority);
            Add(families, "shisa_binding_tunnel_packets_total", Kind.Counter, Help, binding + ",direction=\"out\"", e.Traffic!.PacketsOut);
            Add(families, "shisa_binding_tunnel_packets_total", Kind.Counter, Help, binding + ",direction=\"in\"", e.Traffic.PacketsIn);
            Add(families, "shisa_binding_tunnel_octets_total", Kind.Counter, "Octets tunnelled through a binding cache entry, by direction.", binding + ",direction=\"out\"", e.Traffic.OctetsOut);
            Add(families, "shisa_binding_tunnel_octets_total", Kind.Counter, "Octets tunnelled through a binding cache entry, by direction.", binding + ",direction=\"in\"", e.Traffic.OctetsIn);
        }

        foreach (var (name, value) in s.Counters)
        {
            var (family, kind, help, labels) = Map(name);
            Add(families, family, kind, help, labels, value);
        }

        var b = new StringBuilder();
        foreach (var f in families.Values)
        {
            b.Append("# HELP ").Append(f.Name).Append(' ').Append(EscapeHelp(f.Help)).Append('\n');
            b.Append("# TYPE ").Append(f.Name).Append(' ').Append(f.Kind == Kind.Gauge ? "gauge" : "counter").Append('\n');
            foreach (var (labels, value) in f.Samples)
            {
                Sample(b, f.Name, labels, value.ToString(CultureInfo.InvariantCulture));
            }
        }

        WriteHistogram(b, "shisa_handover_duration_seconds", "Time from a movement report to the Binding Acknowledgement that accepted the new care-of address.", s.HandoverDurations);
        return b.ToString();
    }

    private static void Add(SortedDictionary<string, Family> families, string name, Kind kind, string help, string labels, long value)
    {
        if (!families.TryGetValue(name, out var family))
        {
            families[name] = family = new Family(name, kind, help);
        }

        family.Samples[labels] = family.Samples.GetValueOrDefault(labels) + value;
    }

    private static (string Family, Kind Kind, string Help, string Labels) Map(string name)
    {
        foreach (var rule in Rules)
        {
            switch (rule.Match)
            {
                case Match.Exact when name == rule.Name:
                    return (rule.Family, rule.Kind, rule.Help, Labels(rule.Labels, null));
                case Match.Status when name.StartsWith(rule.Name, StringComparison.Ordinal)
                    && byte.TryParse(name.AsSpan(rule.Name.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var status):
                    return (rule.Family, rule.Kind, rule.Help, Labels(rule.Labels, status.ToString(CultureInfo.InvariantCulture)));
                case Match.Suffix when name.Length > rule.Name.Length && name.StartsWith(rule.Name, StringComparison.Ordinal):
                    return (rule.Family, rule.Kind, rule.Help, Labels(rule.Labels, name[rule.Name.Length..]));
            }
        }

        return ("shisa_" + Sanitize(name) + "_total", Kind.Counter, "Counter " + name + ".", "");
    }

    /// <summary><c>a="1",b="2"</c> from fixed <c>a=1</c> labels and, when <paramref name="variable"/> is given, the last label name with it.</summary>
    private static string Labels(string[] labels, string? variable)
    {
        var b = new StringBuilder();
        foreach (var label in labels)
        {
            int eq = label.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = eq < 0 ? (label, variable ?? "") : (label[..eq], label[(eq + 1)..]);
            if (eq < 0 && variable is null)
            {
                continue;
            }

            if (b.Length > 0)
            {
                b.Append(',');
            }

            b.Append(key).Append("=\"").Append(EscapeLabel(value)).Append('"');
        }

        return b.ToString();
    }

    private static void WriteHistogram(StringBuilder b, string name, string help, DurationHistogram? h)
    {
        h ??= new DurationHistogram([], [], 0, 0);
        b.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        b.Append("# TYPE ").Append(name).Append(" histogram\n");
        for (int i = 0; i < h.UpperBounds.Count; i++)
        {
            Sample(b, name + "_bucket", "le=\"" + Number(h.UpperBounds[i]) + "\"", h.CumulativeCounts[i].ToString(CultureInfo.InvariantCulture));
        }

        Sample(b, name + "_bucket", "le=\"+Inf\"", h.Count.ToString(CultureInfo.InvariantCulture));
        Sample(b, name + "_sum", "", Number(h.SumSeconds));
        Sample(b, name + "_count", "", h.Count.ToString(CultureInfo.InvariantCulture));
    }

    private static void Sample(StringBuilder b, string name, string labels, string value)
    {
        b.Append(name);
        if (labels.Length > 0)
        {
            b.Append('{').Append(labels).Append('}');
        }

        b.Append(' ').Append(value).Append('\n');
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string EscapeHelp(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeLabel(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Metric names allow [a-zA-Z0-9_:] only.</summary>
    internal static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '_')
            {
                chars[i] = '_';
            }
        }

        return new string(chars).ToLowerInvariant();
    }
}
