using System.Text.Json.Serialization;

namespace Shisa.Appliance.Web;

// The JSON of GET /api/status (DESIGN 8). Built from snapshots, never from live tables (STYLE: OpenBSD).

public sealed record StatusSnapshot(
    string Node,
    IReadOnlyList<string> Roles,
    long UptimeS,
    IReadOnlyList<InterfaceStatus> Interfaces,
    IReadOnlyList<BindingCacheStatus> BindingCache,
    IReadOnlyList<BindingUpdateListStatus> BindingUpdateList,
    IReadOnlyDictionary<string, long> Counters,
    IReadOnlyList<HandoverStatus> Handovers,
    [property: JsonIgnore] DurationHistogram? HandoverDurations = null);

public sealed record InterfaceStatus(string Name, string Link, bool Up, IReadOnlyList<string> Addresses);

public sealed record BindingCacheStatus(
    string HomeAddress,
    string CareOfAddress,
    string Peer,
    string Flags,
    IReadOnlyList<string> Prefixes,
    int BindingId,
    int Sequence,
    long LifetimeRemainingS)
{
    /// <summary>RFC 5648: the binding's rank among its home address's bindings, 1 for the one that carries the traffic (the lowest binding id).</summary>
    public int Priority { get; init; } = 1;

    /// <summary>Packets the data plane tunnelled to this binding's care-of address, and from it; null where the data plane has no tunnel for it.</summary>
    public TunnelTrafficStatus? Traffic { get; init; }
}

/// <summary>One binding's tunnel counters (<see cref="Shisa.DataPlane.Bindings.TunnelTraffic"/>).</summary>
public sealed record TunnelTrafficStatus(long PacketsOut, long OctetsOut, long PacketsIn, long OctetsIn);

public sealed record BindingUpdateListStatus(
    string Peer,
    string HomeAddress,
    string CareOfAddress,
    string State,
    int Sequence,
    long LifetimeRemainingS,
    IReadOnlyList<string> Prefixes)
{
    /// <summary>RFC 5648: the entry's binding id (its uplink's priority); 0 without multiple care-of addresses.</summary>
    public int BindingId { get; init; }
}

/// <summary>
/// One handover for the timeline, newest first in <see cref="StatusSnapshot.Handovers"/>: <c>when</c> the move was
/// reported, <c>from</c> the previous care-of address (null for the first one away from home) <c>to</c> the new
/// one, and <c>duration_ms</c> until the Binding Acknowledgement accepted it.
/// </summary>
public sealed record HandoverStatus(DateTimeOffset When, string? From, string To, string? Interface, long DurationMs)
{
    /// <summary>How the move went step by step, when the movement detector saw it; null otherwise.</summary>
    public HandoverBreakdown? Breakdown { get; init; }
}

/// <summary>
/// One move step by step, each in milliseconds since it started (<see cref="StartedBy"/>: "link-up", "router lost"
/// with the carrier up, or "report" when the detector knew nothing earlier): the first RS/NS sent, the first RA/NA back (<see cref="AnsweredBy"/>), the address reported
/// (<see cref="CareOfMs"/>), the mobile node taking the report up and sending its Binding Update (the same step,
/// unless it must find its home agent first), its acknowledgement (<see cref="BindingAckMs"/>, the total).
/// <see cref="OurShareMs"/> is the time spent inside the appliance: link-up to the first solicitation, plus the
/// address report to the Binding Update; the rest is the router, the kernel's address configuration and the path
/// to the home agent. <see cref="FirstPacketMs"/>: the first tunnelled packet decapsulated after the Binding
/// Acknowledgement (null until one came, or for an older move).
/// </summary>
public sealed record HandoverBreakdown(
    string StartedBy,
    long? SolicitedMs,
    long? AnsweredMs,
    string? AnsweredBy,
    long CareOfMs,
    long BindingUpdateMs,
    long BindingAckMs,
    long OurShareMs,
    long? FirstPacketMs = null);

/// <summary>
/// A Prometheus histogram at one instant: <see cref="CumulativeCounts"/>[i] observations were at most
/// <see cref="UpperBounds"/>[i] seconds; <see cref="Count"/> is the +Inf bucket. Shown on /metrics only.
/// </summary>
public sealed record DurationHistogram(IReadOnlyList<double> UpperBounds, IReadOnlyList<long> CumulativeCounts, double SumSeconds, long Count);

/// <summary>One bus message as the event feed and <c>shisa monitor</c> show it.</summary>
public sealed record BusEvent(long Sequence, DateTimeOffset Time, string Type, string Summary);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = false,
    DictionaryKeyPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(StatusSnapshot))]
[JsonSerializable(typeof(BusEvent))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
