using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Dsmip;

namespace Shisa.DataPlane.State;

/// <summary>
/// The binding entries a journal's records leave alive, each with its absolute expiry: binding cache entries by
/// (peer, home address, binding id), binding update list entries by (peer, home address, binding id). Holds at
/// most one item per entry that exists, however long the journal grew. A binding cache entry keeps the UDP endpoint
/// of its latest record (RFC 5555: an IPv4 care-of address).
/// </summary>
internal sealed class LiveBindingSet
{
    private readonly BindingStateTables<Timed<BindingCacheEntry>, Timed<BindingUpdateListEntry>> _bindings = new();

    /// <summary>Live binding cache entries that carry a UDP endpoint.</summary>
    public int UdpEndpointCount => _bindings.Cache.Values.Count(t => t.UdpEndpoint is not null);

    public int Count => _bindings.Count;

    public void Apply(in JournalRecord record)
    {
        long expiry = record.ExpiryUnixMilliseconds;
        var udp = record.UdpEndpoint;
        _bindings.Apply(record.Message, add => new Timed<BindingCacheEntry>(add.Entry, expiry, udp), add => new Timed<BindingUpdateListEntry>(add.Entry, expiry));
    }

    /// <summary>Forgets the entries whose expiry is at or before <paramref name="nowUnixMilliseconds"/>.</summary>
    public void DropExpired(long nowUnixMilliseconds)
    {
        foreach (var (key, timed) in _bindings.Cache)
        {
            if (timed.ExpiryUnixMilliseconds <= nowUnixMilliseconds)
            {
                _bindings.Cache.Remove(key);
            }
        }

        foreach (var (key, timed) in _bindings.UpdateList)
        {
            if (timed.ExpiryUnixMilliseconds <= nowUnixMilliseconds)
            {
                _bindings.UpdateList.Remove(key);
            }
        }
    }

    /// <summary>One add record per live entry: the journal compacted.</summary>
    public IEnumerable<JournalRecord> Records()
    {
        foreach (var timed in _bindings.Cache.Values)
        {
            yield return new JournalRecord(new BindingCacheAdd(timed.Entry), timed.ExpiryUnixMilliseconds, timed.UdpEndpoint);
        }

        foreach (var timed in _bindings.UpdateList.Values)
        {
            yield return new JournalRecord(new BindingUpdateListAdd(timed.Entry), timed.ExpiryUnixMilliseconds);
        }
    }

    /// <summary>The live entries not expired at <paramref name="now"/>, with their remaining lifetimes.</summary>
    public RestoredState Restore(DateTimeOffset now, string? damage)
    {
        long nowMs = now.ToUnixTimeMilliseconds();
        var cache = new List<BindingCacheEntry>(_bindings.Cache.Count);
        var udpEndpoints = new Dictionary<IPAddress, Ipv4Endpoint>();
        foreach (var timed in _bindings.Cache.Values)
        {
            if (timed.ExpiryUnixMilliseconds > nowMs)
            {
                cache.Add(timed.Entry with { Lifetime = TimeSpan.FromMilliseconds(timed.ExpiryUnixMilliseconds - nowMs) });
                if (timed.UdpEndpoint is { } udp)
                {
                    udpEndpoints[timed.Entry.HomeAddress] = udp;
                }
            }
        }

        var list = new List<BindingUpdateListEntry>(_bindings.UpdateList.Count);
        foreach (var timed in _bindings.UpdateList.Values)
        {
            if (timed.ExpiryUnixMilliseconds > nowMs)
            {
                list.Add(timed.Entry with { Lifetime = TimeSpan.FromMilliseconds(timed.ExpiryUnixMilliseconds - nowMs) });
            }
        }

        return new RestoredState(cache, list, now, damage) { UdpEndpoints = udpEndpoints };
    }

    private readonly record struct Timed<TEntry>(TEntry Entry, long ExpiryUnixMilliseconds, Ipv4Endpoint? UdpEndpoint = null);
}
