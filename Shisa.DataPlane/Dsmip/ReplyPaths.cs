using System.Numerics;
using Shisa.DataPlane.Bindings;

namespace Shisa.DataPlane.Dsmip;

/// <summary>
/// Where the home agent's answer to a UDP-encapsulated Binding Update goes: the outer IPv4 source and UDP port the
/// Binding Update came from (behind a NAT, the NAT's mapping; RFC 5555 4.2.2 has the home agent keep them), keyed
/// by the inner source (the IPv4-mapped care-of address) and home address, with the Binding Update's sequence
/// number so that only the acknowledgement of that very update makes the path the binding's. A fixed array of
/// slots, overwritten on collision: bounded whatever a flood sends, O(1), and a lost slot only costs a retransmission.
/// </summary>
internal sealed class ReplyPaths
{
    private readonly Entry?[] _slots;
    private readonly int _mask;

    public ReplyPaths(int capacity)
    {
        int size = (int)Math.Min(1 << 16, Math.Max(16, BitOperations.RoundUpToPowerOf2((uint)capacity)));
        _slots = new Entry?[size];
        _mask = size - 1;
    }

    public void Record(UInt128 careOf, UInt128 home, ushort sequence, Ipv4Endpoint from) =>
        Volatile.Write(ref _slots[Index(careOf, home)], new Entry(careOf, home, sequence, from));

    public bool TryGet(UInt128 careOf, UInt128 home, out Ipv4Endpoint endpoint, out ushort sequence)
    {
        var entry = Volatile.Read(ref _slots[Index(careOf, home)]);
        if (entry is not null && entry.CareOf == careOf && entry.Home == home)
        {
            endpoint = entry.From;
            sequence = entry.Sequence;
            return true;
        }

        endpoint = default;
        sequence = 0;
        return false;
    }

    private int Index(UInt128 careOf, UInt128 home) => HashCode.Combine(careOf, home) & _mask;

    private sealed record Entry(UInt128 CareOf, UInt128 Home, ushort Sequence, Ipv4Endpoint From);
}

/// <summary>The UDP endpoint of each binding with an IPv4 care-of address, by home address; bounded like the binding table.</summary>
internal sealed class BindingEndpoints(int capacity, BindingTable? bindings)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<UInt128, Ipv4Endpoint> _byHome = new();

    public int Count => _byHome.Count;

    public bool TryGet(UInt128 home, out Ipv4Endpoint endpoint) => _byHome.TryGetValue(home, out endpoint);

    /// <summary>Sets the endpoint; when full, first forgets those whose binding is gone. False when still full.</summary>
    public bool Set(UInt128 home, Ipv4Endpoint endpoint)
    {
        if (!_byHome.ContainsKey(home) && _byHome.Count >= capacity)
        {
            foreach (var key in _byHome.Keys)
            {
                if (bindings is null || !bindings.TryGetByHomeAddress(key, out _))
                {
                    _byHome.TryRemove(key, out _);
                }
            }

            if (_byHome.Count >= capacity)
            {
                return false;
            }
        }

        _byHome[home] = endpoint;
        return true;
    }

    public void Remove(UInt128 home) => _byHome.TryRemove(home, out _);

    public IReadOnlyList<KeyValuePair<UInt128, Ipv4Endpoint>> Snapshot() => [.. _byHome];
}
