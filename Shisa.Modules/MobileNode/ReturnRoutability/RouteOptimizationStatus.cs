using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.Modules.MobileNode.ReturnRoutability;

/// <summary>One correspondent's binding at one instant.</summary>
/// <param name="Peer">The correspondent's address.</param>
/// <param name="State">The binding machine's state.</param>
/// <param name="CareOfAddress">The care-of address of the binding; null when none.</param>
/// <param name="Sequence">The last Binding Update's sequence number.</param>
/// <param name="Failures">Failed attempts in a row.</param>
/// <param name="HomeTokenAge">How old the home keygen token in hand is; null without one.</param>
/// <param name="CareOfTokenAge">How old the care-of keygen token in hand is; null without one.</param>
/// <param name="LifetimeRemaining">What is left of the published binding; null when none is published.</param>
/// <param name="WaitingForHomeRegistration">True while route optimization waits for the home registration.</param>
public sealed record CorrespondentPeerStatus(
    IPAddress Peer,
    string State,
    IPAddress? CareOfAddress,
    ushort Sequence,
    int Failures,
    TimeSpan? HomeTokenAge,
    TimeSpan? CareOfTokenAge,
    TimeSpan? LifetimeRemaining,
    bool WaitingForHomeRegistration);

/// <summary>A correspondent route optimization was given up with, for good (until the process restarts).</summary>
public sealed record GivenUpCorrespondent(IPAddress Peer, string Reason, DateTimeOffset Since);

/// <summary>What route optimization did, as counters that only grow.</summary>
public sealed record RouteOptimizationCounters(
    long RrHints,
    long RrHintsOptedOut,
    long RrHintsGivenUp,
    long RrHintsNotRegistered,
    long RrHintsNoRoom,
    long HomeTestInitsSent,
    long CareOfTestInitsSent,
    long HomeTestsReceived,
    long CareOfTestsReceived,
    long BindingUpdatesSent,
    long DeregistrationsSent,
    long Retransmissions,
    long Bound,
    long Deregistered,
    long Refused,
    long NotAuthentic,
    long BindingErrorsReceived,
    long RefreshRequestsReceived,
    long ParameterProblemsReceived,
    long Failures,
    long GaveUp,
    long FromUnknownPeers,
    long Ignored,
    long SendFailures)
{
    /// <summary>Stable snake_case names for the status API and /metrics.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ToNamedCounters() =>
    [
        new("ro_rr_hints", RrHints),
        new("ro_rr_hints_opted_out", RrHintsOptedOut),
        new("ro_rr_hints_given_up", RrHintsGivenUp),
        new("ro_rr_hints_not_registered", RrHintsNotRegistered),
        new("ro_rr_hints_no_room", RrHintsNoRoom),
        new("ro_hoti_sent", HomeTestInitsSent),
        new("ro_coti_sent", CareOfTestInitsSent),
        new("ro_hot_received", HomeTestsReceived),
        new("ro_cot_received", CareOfTestsReceived),
        new("ro_bu_sent", BindingUpdatesSent),
        new("ro_dereg_sent", DeregistrationsSent),
        new("ro_retransmissions", Retransmissions),
        new("ro_bound", Bound),
        new("ro_deregistered", Deregistered),
        new("ro_refused", Refused),
        new("ro_ba_not_authentic", NotAuthentic),
        new("ro_be_received", BindingErrorsReceived),
        new("ro_brr_received", RefreshRequestsReceived),
        new("ro_parameter_problems", ParameterProblemsReceived),
        new("ro_failures", Failures),
        new("ro_gave_up", GaveUp),
        new("ro_from_unknown_peers", FromUnknownPeers),
        new("ro_ignored", Ignored),
        new("ro_send_failures", SendFailures),
    ];
}

/// <summary>Route optimization at one instant, for the status page (a snapshot, never the live machines).</summary>
public sealed record RouteOptimizationStatus(
    IPAddress HomeAddress,
    IPAddress? CareOfAddress,
    bool HomeRegistrationBound,
    EquatableArray<CorrespondentPeerStatus> Peers,
    EquatableArray<GivenUpCorrespondent> GivenUp,
    EquatableArray<IPAddress> OptOut,
    RouteOptimizationCounters Counters);
