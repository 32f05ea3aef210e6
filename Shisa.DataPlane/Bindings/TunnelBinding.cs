using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.DataPlane.Bindings;

/// <summary>A mobile network prefix as a key and a length (host bits clear).</summary>
public readonly record struct PrefixKey(UInt128 Network, int Length)
{
    public static PrefixKey From(Prefix prefix) => new(AddressKey.Mask(AddressKey.From(prefix.Network), prefix.Length), prefix.Length);

    public bool Contains(UInt128 address) => AddressKey.Mask(address, Length) == Network;

    public Prefix ToPrefix() => new(AddressKey.ToAddress(Network), Length);

    public override string ToString() => $"{AddressKey.ToAddress(Network)}/{Length}";
}

/// <summary>
/// One bidirectional tunnel the data plane forwards through, made from a binding cache entry (home agent:
/// local end = the home agent's address, remote end = the care-of address) or a binding update list entry
/// (mobile node or router: local end = the care-of address, remote end = the home agent). Immutable but for the
/// learned <see cref="PathMtu"/>: an update replaces the object, so a forwarding thread that holds one always sees a
/// consistent entry. A home agent keeps
/// one per mobile node: only integers and one shared empty array when there are no prefixes (about 80 octets).
/// </summary>
public sealed class TunnelBinding
{
    public TunnelBinding(
        IPAddress homeAddress,
        IPAddress localEndpoint,
        IPAddress remoteEndpoint,
        IReadOnlyList<Prefix>? mobileNetworkPrefixes = null,
        bool forwarding = true,
        ushort sequence = 0)
    {
        HomeAddress = AddressKey.From(homeAddress);
        LocalEndpoint = AddressKey.From(localEndpoint);
        RemoteEndpoint = AddressKey.From(remoteEndpoint);
        var prefixes = mobileNetworkPrefixes is { Count: > 0 } ? new PrefixKey[mobileNetworkPrefixes.Count] : [];
        for (int i = 0; i < prefixes.Length; i++)
        {
            prefixes[i] = PrefixKey.From(mobileNetworkPrefixes![i]);
        }

        MobileNetworkPrefixes = prefixes;
        Forwarding = forwarding;
        Sequence = sequence;
    }

    public UInt128 HomeAddress { get; }

    /// <summary>This node's end: the outer source of what it encapsulates.</summary>
    public UInt128 LocalEndpoint { get; }

    /// <summary>The other end: the outer destination of what this node encapsulates, and the only outer source it decapsulates from.</summary>
    public UInt128 RemoteEndpoint { get; }

    public IReadOnlyList<PrefixKey> MobileNetworkPrefixes { get; }

    /// <summary>False while a mobile node's registration is not (or no longer) Bound: nothing is encapsulated.</summary>
    public bool Forwarding { get; }

    public ushort Sequence { get; }

    /// <summary>
    /// The tunnel's path MTU learned from Packet Too Big messages about its packets (RFC 2473 7.1, RFC 8201 4),
    /// at least <see cref="Wire.Ipv6Header.MinimumMtu"/>; 0 while none came (the link's MTU applies, which the TUN's
    /// MTU already accounts for). The one field that changes in place: one int, so a reader sees the old or the new
    /// value. A new binding object (every refresh or handover) starts without it, which is RFC 8201 4's aging.
    /// </summary>
    public int PathMtu => Volatile.Read(ref _pathMtu);

    private int _pathMtu;

    /// <summary>Lowers <see cref="PathMtu"/> to <paramref name="mtu"/> (never below 1280, never raises it). True when it changed.</summary>
    public bool LowerPathMtu(int mtu)
    {
        mtu = Math.Max(mtu, Wire.Ipv6Header.MinimumMtu);
        while (true)
        {
            int current = Volatile.Read(ref _pathMtu);
            if (current != 0 && current <= mtu)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _pathMtu, mtu, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>True when <paramref name="address"/> is the home address or lies in a mobile network prefix.</summary>
    public bool Covers(UInt128 address)
    {
        if (address == HomeAddress)
        {
            return true;
        }

        foreach (var prefix in MobileNetworkPrefixes)
        {
            if (prefix.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The binding of a home agent's binding cache entry: from <see cref="BindingCacheEntry.Peer"/> to the care-of address.</summary>
    public static TunnelBinding FromCache(BindingCacheEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new TunnelBinding(entry.HomeAddress, entry.Peer, entry.CareOfAddress, entry.MobileNetworkPrefixes, true, entry.Sequence);
    }

    /// <summary>The binding of a mobile node's binding update list entry: from the care-of address to the home agent.</summary>
    public static TunnelBinding FromUpdateList(BindingUpdateListEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new TunnelBinding(
            entry.HomeAddress,
            entry.CareOfAddress,
            entry.Peer,
            entry.MobileNetworkPrefixes,
            entry.State == BindingUpdateListState.Bound,
            entry.Sequence);
    }

    public override string ToString() =>
        $"{AddressKey.ToAddress(HomeAddress)} {AddressKey.ToAddress(LocalEndpoint)} <-> {AddressKey.ToAddress(RemoteEndpoint)}"
        + (MobileNetworkPrefixes.Count > 0 ? $" [{string.Join(", ", MobileNetworkPrefixes)}]" : string.Empty)
        + (Forwarding ? string.Empty : " (not forwarding)");
}
