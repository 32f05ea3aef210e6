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
    long PrefixAdvertisementsReceived);

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
