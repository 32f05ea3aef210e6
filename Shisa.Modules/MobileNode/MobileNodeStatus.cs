using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.Modules.MobileNode;

/// <summary>One handover for the status page's timeline: from the movement report to the accepted BA.</summary>
public sealed record HandoverRecord(
    IPAddress? PreviousCareOfAddress,
    IPAddress CareOfAddress,
    string? InterfaceName,
    DateTimeOffset MovedAt,
    DateTimeOffset BoundAt)
{
    public TimeSpan Duration => BoundAt - MovedAt;
}

/// <summary>A home prefix as the home agent last advertised it (RFC 6275 11.4.3).</summary>
public sealed record HomePrefixStatus(Prefix Prefix, uint ValidLifetimeS, uint PreferredLifetimeS, DateTimeOffset LearntAt);

/// <summary>The mobile node's counters.</summary>
public sealed record MobileNodeCounters(
    long BindingUpdatesSent,
    long Retransmissions,
    long SendFailures,
    EquatableArray<KeyValuePair<string, long>> BindingAcknowledgementsByStatus,
    long AcknowledgementsIgnored,
    long AuthenticationFailures,
    long BindingRefreshRequests,
    long Handovers,
    long HaadRequestsSent,
    long PrefixSolicitationsSent,
    long PrefixAdvertisementsReceived)
{
    /// <summary>The counters under mn_* names; BAs by status as <c>mn_binding_acks_received_status_N</c>.</summary>
    public IEnumerable<KeyValuePair<string, long>> ToNamedCounters()
    {
        yield return new("mn_binding_updates_sent", BindingUpdatesSent);
        yield return new("mn_retransmissions", Retransmissions);
        yield return new("mn_send_failures", SendFailures);
        yield return new("mn_acks_ignored", AcknowledgementsIgnored);
        yield return new("mn_authentication_failures", AuthenticationFailures);
        yield return new("mn_binding_refresh_requests", BindingRefreshRequests);
        yield return new("mn_handovers", Handovers);
        yield return new("mn_haad_requests_sent", HaadRequestsSent);
        yield return new("mn_prefix_solicitations_sent", PrefixSolicitationsSent);
        yield return new("mn_prefix_advertisements_received", PrefixAdvertisementsReceived);
        foreach (var (key, value) in BindingAcknowledgementsByStatus)
        {
            // Keys read "0 Accepted", "128 ReasonUnspecified": the number is the status.
            var number = key.AsSpan();
            int space = number.IndexOf(' ');
            if (space > 0)
            {
                number = number[..space];
            }

            if (byte.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status))
            {
                yield return new($"mn_binding_acks_received_status_{status}", value);
            }
        }
    }
}

/// <summary>The mobile node at one instant, for the status page (a snapshot, never the live machine).</summary>
public sealed record MobileNodeStatus(
    string State,
    IPAddress HomeAddress,
    IPAddress? HomeAgent,
    IPAddress? CareOfAddress,
    string? InterfaceName,
    bool AtHome,
    ushort Sequence,
    TimeSpan? LifetimeRemaining,
    MobileNodeCounters Counters,
    EquatableArray<HandoverRecord> Handovers,
    EquatableArray<HomePrefixStatus> HomePrefixes);
