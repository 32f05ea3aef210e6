using System.Globalization;
using System.Net.Http.Json;
using System.Text;

namespace Shisa.Appliance.Cli;

using Shisa.Appliance.Web;

/// <summary><c>shisa status [--json] [--url URL]</c>: a running instance's bindings, counters and interfaces.</summary>
internal static class StatusCommand
{
    private const int HandoversShown = 10;

    public static async Task<int> RunAsync(Uri baseUrl, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            if (json)
            {
                output.WriteLine(await http.GetStringAsync("api/status", cancellationToken).ConfigureAwait(false));
                return 0;
            }

            var status = await http.GetFromJsonAsync("api/status", StatusJsonContext.Default.StatusSnapshot, cancellationToken).ConfigureAwait(false);
            if (status is null)
            {
                error.WriteLine($"shisa status: {baseUrl} answered with no status");
                return 1;
            }

            output.Write(Render(status));
            return 0;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            error.WriteLine($"shisa status: cannot read {baseUrl}api/status: {ex.Message}");
            return 1;
        }
    }

    /// <summary>RFC 5555: an IPv4 care-of address in dotted form, with the UDP endpoint it is reached at and whether a NAT is between.</summary>
    private static string CareOf(string careOf, string? ipv4, string? udp, bool? nat) =>
        ipv4 is null ? careOf : $"{ipv4}{(udp is null ? "" : $" via udp {udp}")}{(nat == true ? " (NAT)" : "")}";

    internal static string Render(StatusSnapshot s)
    {
        var b = new StringBuilder();
        b.Append("node ").Append(s.Node).Append("  roles ").Append(s.Roles.Count == 0 ? "(none)" : string.Join(",", s.Roles))
            .Append("  up ").Append(s.UptimeS).Append(" s\n\n");

        var interfaces = new TextTable("INTERFACE", "LINK", "UP", "ADDRESSES");
        foreach (var i in s.Interfaces)
        {
            interfaces.Add(i.Name, i.Link, i.Up ? "yes" : "no", string.Join(" ", i.Addresses));
        }

        b.Append(interfaces.Render()).Append('\n');

        var cache = new TextTable("HOME ADDRESS", "CARE-OF ADDRESS", "PEER", "FLAGS", "PREFIXES", "BID", "PRIO", "PKTS OUT/IN", "SEQ", "LIFETIME");
        foreach (var e in s.BindingCache)
        {
            cache.Add(e.HomeAddress, CareOf(e.CareOfAddress, e.Ipv4CareOfAddress, e.UdpEndpoint, e.NatDetected), e.Peer, e.Flags, Prefixes(e.Prefixes), e.BindingId.ToString(), e.Priority.ToString(),
                e.Traffic is { } t ? $"{t.PacketsOut}/{t.PacketsIn}" : "-", e.Sequence.ToString(), $"{e.LifetimeRemainingS} s");
        }

        b.Append("binding cache (").Append(cache.Count).Append(")\n").Append(cache.Render()).Append('\n');

        var list = new TextTable("PEER", "HOME ADDRESS", "CARE-OF ADDRESS", "STATE", "PREFIXES", "BID", "SEQ", "LIFETIME");
        foreach (var e in s.BindingUpdateList)
        {
            list.Add(e.Peer, e.HomeAddress, CareOf(e.CareOfAddress, e.Ipv4CareOfAddress, null, null), e.State, Prefixes(e.Prefixes), e.BindingId.ToString(), e.Sequence.ToString(), $"{e.LifetimeRemainingS} s");
        }

        b.Append("binding update list (").Append(list.Count).Append(")\n").Append(list.Render()).Append('\n');

        // Newest first, as /api/status gives them; a terminal shows the last few, the page keeps the rest.
        var handovers = new TextTable("WHEN (UTC)", "FROM", "TO", "INTERFACE", "TO BA");
        foreach (var h in s.Handovers.Take(HandoversShown))
        {
            handovers.Add(h.When.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture), h.From ?? "(home)", h.To,
                h.Interface ?? "-", $"{h.DurationMs} ms");
        }

        b.Append("handovers (").Append(s.Handovers.Count);
        if (s.Handovers.Count > HandoversShown)
        {
            b.Append(", last ").Append(HandoversShown).Append(" shown");
        }

        b.Append(")\n").Append(handovers.Render()).Append('\n');

        var counters = new TextTable("COUNTER", "VALUE");
        foreach (var (name, value) in s.Counters.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            counters.Add(name, value.ToString());
        }

        b.Append(counters.Render());
        return b.ToString();
    }

    private static string Prefixes(IReadOnlyList<string> prefixes) => prefixes.Count == 0 ? "-" : string.Join(" ", prefixes);
}
