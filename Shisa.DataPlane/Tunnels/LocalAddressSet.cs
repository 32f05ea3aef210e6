using System.Collections.Frozen;
using System.Net;
using Shisa.DataPlane.Bindings;

namespace Shisa.DataPlane.Tunnels;

/// <summary>
/// The addresses this node takes signalling and tunnelled packets for: multicast and link-local destinations
/// (never forwarded), plus unicast addresses from named sources (the profile's, the interfaces', the bus's care-of
/// and home addresses), each source replaced whole. Lookups read one frozen set without locking or allocating;
/// a change rebuilds it (rare: configuration and movement).
/// </summary>
public sealed class LocalAddressSet
{
    private readonly Dictionary<string, HashSet<UInt128>> _sources = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private volatile FrozenSet<UInt128> _all = FrozenSet<UInt128>.Empty;

    public int Count => _all.Count;

    /// <summary>True for a multicast or link-local destination, or one of the node's addresses.</summary>
    public bool IsLocal(ReadOnlySpan<byte> address)
    {
        if (address[0] == 0xFF || (address[0] == 0xFE && (address[1] & 0xC0) == 0x80))
        {
            return true;
        }

        return _all.Contains(AddressKey.From(address));
    }

    public bool Contains(IPAddress address) => _all.Contains(AddressKey.From(address));

    /// <summary>Replaces the addresses that came from <paramref name="source"/>.</summary>
    public void Set(string source, IEnumerable<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        lock (_lock)
        {
            _sources[source] = [.. addresses.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6).Select(AddressKey.From)];
            Rebuild();
        }
    }

    public void Add(string source, IPAddress address)
    {
        lock (_lock)
        {
            if (!_sources.TryGetValue(source, out var set))
            {
                _sources[source] = set = [];
            }

            if (set.Add(AddressKey.From(address)))
            {
                Rebuild();
            }
        }
    }

    public void Remove(string source, IPAddress address)
    {
        lock (_lock)
        {
            if (_sources.TryGetValue(source, out var set) && set.Remove(AddressKey.From(address)))
            {
                Rebuild();
            }
        }
    }

    private void Rebuild() => _all = _sources.Values.SelectMany(s => s).ToFrozenSet();
}
