using System.Globalization;
using System.Text;

namespace Shisa.Appliance.Web;

/// <summary>Prometheus text exposition format 0.0.4 of a status snapshot.</summary>
internal static class MetricsWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(StatusSnapshot s)
    {
        var b = new StringBuilder();
        Gauge(b, "shisa_uptime_seconds", "Seconds since the appliance started.", s.UptimeS);
        Gauge(b, "shisa_binding_cache_entries", "Entries in the binding cache.", s.BindingCache.Count);
        Gauge(b, "shisa_binding_update_list_entries", "Entries in the binding update list.", s.BindingUpdateList.Count);
        foreach (var (name, value) in s.Counters.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var metric = "shisa_" + Sanitize(name) + "_total";
            b.Append("# TYPE ").Append(metric).Append(" counter\n");
            b.Append(metric).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return b.ToString();
    }

    private static void Gauge(StringBuilder b, string name, string help, long value)
    {
        b.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        b.Append("# TYPE ").Append(name).Append(" gauge\n");
        b.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

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
