using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Dsmip;

namespace Shisa.DataPlane.State;

/// <summary>
/// The binding state a run starts from: what the journal held that had not expired, each entry's
/// <see cref="BindingCacheEntry.Lifetime"/> (<see cref="BindingUpdateListEntry.Lifetime"/>) being the lifetime that
/// REMAINS at <see cref="RestoredAt"/>, sequence numbers as they were. Each role module takes back its own entries.
/// </summary>
/// <param name="BindingCache">Binding cache entries of the home agent and the correspondent, in journal order.</param>
/// <param name="BindingUpdateList">Binding update list entries of the mobile node or router, in journal order.</param>
/// <param name="RestoredAt">When the remaining lifetimes were computed.</param>
/// <param name="Damage">One line describing a damaged journal tail that was cut off; null when the journal was whole.</param>
public sealed record RestoredState(
    IReadOnlyList<BindingCacheEntry> BindingCache,
    IReadOnlyList<BindingUpdateListEntry> BindingUpdateList,
    DateTimeOffset RestoredAt,
    string? Damage = null)
{
    /// <summary>Nothing to restore (no journal, or a run without a state directory).</summary>
    public static RestoredState Empty { get; } = new([], [], DateTimeOffset.UnixEpoch);

    /// <summary>
    /// RFC 5555: the UDP endpoint (outer IPv4 address and port, a NAT's mapping behind a NAT) of each restored binding
    /// cache entry with an IPv4-mapped care-of address, by home address; the home agent's UDP tunnel starts with them.
    /// </summary>
    public IReadOnlyDictionary<IPAddress, Ipv4Endpoint> UdpEndpoints { get; init; } = new Dictionary<IPAddress, Ipv4Endpoint>();

    public int Count => BindingCache.Count + BindingUpdateList.Count;
}
