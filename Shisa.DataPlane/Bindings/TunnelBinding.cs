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
        ushort sequence = 0,
        ushort bindingId = 0,
        TunnelTraffic? traffic = null)
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
        BindingId = bindingId;
        Traffic = traffic ?? new TunnelTraffic();
        Alternates = [];
    }

    private TunnelBinding(TunnelBinding primary, TunnelBinding[] alternates)
    {
        HomeAddress = primary.HomeAddress;
        LocalEndpoint = primary.LocalEndpoint;
        RemoteEndpoint = primary.RemoteEndpoint;
        MobileNetworkPrefixes = primary.MobileNetworkPrefixes;
        Forwarding = primary.Forwarding;
        Sequence = primary.Sequence;
        BindingId = primary.BindingId;
        Traffic = primary.Traffic;
        Alternates = alternates;
    }

    /// <summary>The RFC 5648 binding id of the binding this tunnel was made from; 0 without one.</summary>
    public ushort BindingId { get; }

    /// <summary>What went through this binding's tunnel; the same object across refreshes of the binding.</summary>
    public TunnelTraffic Traffic { get; }

    /// <summary>
    /// The home address's other bindings (RFC 5648), in order of preference, when this is the preferred one: their
    /// tunnels are decapsulated from too; empty without multiple care-of addresses.
    /// </summary>
    public IReadOnlyList<TunnelBinding> Alternates { get; }

    /// <summary>
    /// The preferred binding of a home address that has <paramref name="others"/> too (RFC 5648): encapsulation uses
    /// <paramref name="preferred"/>'s tunnel, decapsulation accepts any of their remote ends (<see cref="ForRemote"/>).
    /// </summary>
    public static TunnelBinding WithAlternates(TunnelBinding preferred, TunnelBinding[] others)
    {
        ArgumentNullException.ThrowIfNull(preferred);
        ArgumentNullException.ThrowIfNull(others);
        return others.Length == 0 && preferred.Alternates.Count == 0 ? preferred : new TunnelBinding(preferred, others);
    }

    /// <summary>The binding among this one and its <see cref="Alternates"/> whose remote end is <paramref name="remote"/>; null when none (no allocation).</summary>
    public TunnelBinding? ForRemote(UInt128 remote)
    {
        if (RemoteEndpoint == remote)
        {
            return this;
        }

        var alternates = Alternates;
        for (int i = 0; i < alternates.Count; i++)
        {
            if (alternates[i].RemoteEndpoint == remote)
            {
                return alternates[i];
            }
        }

        return null;
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
        return new TunnelBinding(entry.HomeAddress, entry.Peer, entry.CareOfAddress, entry.MobileNetworkPrefixes, true, entry.Sequence, entry.BindingId);
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
        + (BindingId != 0 ? $" bid {BindingId}" : string.Empty)
        + (Alternates.Count > 0 ? $" (+{Alternates.Count} alternate)" : string.Empty)
        + (MobileNetworkPrefixes.Count > 0 ? $" [{string.Join(", ", MobileNetworkPrefixes)}]" : string.Empty)
        + (Forwarding ? string.Empty : " (not forwarding)");
}

/// <summary>
/// Packets and octets through one binding's tunnel, counted by the forwarding threads without locks or allocation
/// (one <see cref="Interlocked"/> add per field); read by the status page.
/// </summary>
public sealed class TunnelTraffic
{
    private long _packetsOut;
    private long _octetsOut;
    private long _packetsIn;
    private long _octetsIn;

    /// <summary>Packets encapsulated into the tunnel.</summary>
    public long PacketsOut => Interlocked.Read(ref _packetsOut);

    public long OctetsOut => Interlocked.Read(ref _octetsOut);

    /// <summary>Packets decapsulated from the tunnel.</summary>
    public long PacketsIn => Interlocked.Read(ref _packetsIn);

    public long OctetsIn => Interlocked.Read(ref _octetsIn);

    public void CountOut(int octets)
    {
        Interlocked.Increment(ref _packetsOut);
        Interlocked.Add(ref _octetsOut, octets);
    }

    public void CountIn(int octets)
    {
        Interlocked.Increment(ref _packetsIn);
        Interlocked.Add(ref _octetsIn, octets);
    }
}
