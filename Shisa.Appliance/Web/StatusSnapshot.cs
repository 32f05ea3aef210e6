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
    IReadOnlyDictionary<string, long> Counters);

public sealed record InterfaceStatus(string Name, string Link, bool Up, IReadOnlyList<string> Addresses);

public sealed record BindingCacheStatus(
    string HomeAddress,
    string CareOfAddress,
    string Peer,
    string Flags,
    IReadOnlyList<string> Prefixes,
    int BindingId,
    int Sequence,
    long LifetimeRemainingS);

public sealed record BindingUpdateListStatus(
    string Peer,
    string HomeAddress,
    string CareOfAddress,
    string State,
    int Sequence,
    long LifetimeRemainingS,
    IReadOnlyList<string> Prefixes);

/// <summary>One bus message as the event feed and <c>shisa monitor</c> show it.</summary>
public sealed record BusEvent(long Sequence, DateTimeOffset Time, string Type, string Summary);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = false,
    DictionaryKeyPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(StatusSnapshot))]
[JsonSerializable(typeof(BusEvent))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
