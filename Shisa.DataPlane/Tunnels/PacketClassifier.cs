using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Neighbors;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Tunnels;

/// <summary>What the data plane does with a packet received on a physical interface.</summary>
public enum InboundAction : byte
{
    /// <summary>Not ours to handle (the kernel deals with it).</summary>
    Ignore,

    /// <summary>Signalling for this node: copy it to the modules.</summary>
    Signalling,

    /// <summary>A tunnelled signalling packet (e.g. a HoT the home agent tunnelled): copy the inner packet to the modules.</summary>
    TunnelledSignalling,

    /// <summary>A Neighbor Solicitation or Advertisement (for duplicate address detection).</summary>
    Neighbor,

    /// <summary>A tunnelled data packet from the binding's other end: write the inner packet into the TUN.</summary>
    Decapsulate,

    /// <summary>Dropped; see the reason.</summary>
    Drop,

    /// <summary>
    /// Mobile node: route-optimized traffic from a correspondent, to a care-of address with a type 2 routing header
    /// naming our home address (RFC 6275 11.3.3): process the header and write the packet into the TUN.
    /// </summary>
    RouteOptimizedToHomeAddress,

    /// <summary>
    /// Correspondent: a packet with a Home Address option whose binding names its source as the care-of address (RFC
    /// 6275 9.3.1): swap the addresses back and write the packet into the TUN.
    /// </summary>
    RouteOptimizedFromHomeAddress,

    /// <summary>
    /// Correspondent: a Home Address option without a binding for it: dropped, and a Binding Error with status 1 is
    /// asked for (RFC 6275 9.3.1, 9.3.3).
    /// </summary>
    BindingError,
}

/// <summary>What <see cref="PacketClassifier.TryRouteOptimize"/> did with a packet read from the TUN.</summary>
public enum OutboundRouteOptimization : byte
{
    /// <summary>No route optimization binding applies: the packet takes the tunnel (or is dropped) as before.</summary>
    None,

    /// <summary>Mobile node: sent from the care-of address with a Home Address option (RFC 6275 11.3.1).</summary>
    HomeAddressOption,

    /// <summary>Correspondent: sent to the care-of address with a type 2 routing header (RFC 6275 9.3.2).</summary>
    RoutingHeader,

    /// <summary>A binding applies but the packet could not be rewritten (it does not parse, or does not fit): dropped.</summary>
    Failed,
}

/// <summary>The verdict on one received packet; offsets are relative to the packet given.</summary>
public readonly record struct InboundVerdict(InboundAction Action, SignallingKinds Kind, int InnerOffset, int InnerLength, DropReason Reason)
{
    public static InboundVerdict Ignore => default;

    public static InboundVerdict Dropped(DropReason reason) => new(InboundAction.Drop, SignallingKinds.None, 0, 0, reason);
}

/// <summary>
/// The forwarding decisions, as pure functions of packet bytes and the binding tables, so they can be tested on
/// byte arrays (smoltcp's style: time and devices passed in). Allocation-free.
/// <list type="bullet">
/// <item>Inbound (<see cref="ClassifyInbound"/>): signalling for us goes to the modules; IPv6-in-IPv6 for us is
/// decapsulated and accepted only from the binding's other end: on a home agent the outer source must be the
/// care-of address registered for the inner source (its home address or a mobile network prefix, RFC 6275
/// 10.4.5, RFC 3963 6.4), on a mobile node it must be the home agent of the entry for the inner destination
/// (RFC 6275 11.3.3).</item>
/// <item>Outbound (<see cref="TryEncapsulate"/>): what the kernel routed into the TUN goes through the tunnel
/// of the binding for its destination (home agent) or source (mobile node, only while Bound).</item>
/// </list>
/// </summary>
public sealed class PacketClassifier
{
    private readonly LocalAddressSet _local;
    private readonly BindingTable? _cache;
    private readonly BindingTable? _updateList;
    private readonly CorrespondentBindingTable? _correspondentList;
    private readonly CorrespondentBindingTable? _correspondentCache;

    /// <param name="local">This node's addresses.</param>
    /// <param name="bindingCache">The home agent's tunnels (null when not a home agent).</param>
    /// <param name="bindingUpdateList">The mobile node's or router's tunnels (null when neither).</param>
    /// <param name="correspondentList">Mobile node: its route optimization bindings with correspondents (null: none).</param>
    /// <param name="correspondentCache">Correspondent: the bindings mobile nodes made with it (null when not a correspondent).</param>
    public PacketClassifier(
        LocalAddressSet local,
        BindingTable? bindingCache,
        BindingTable? bindingUpdateList,
        CorrespondentBindingTable? correspondentList = null,
        CorrespondentBindingTable? correspondentCache = null)
    {
        ArgumentNullException.ThrowIfNull(local);
        _local = local;
        _cache = bindingCache;
        _updateList = bindingUpdateList;
        _correspondentList = correspondentList;
        _correspondentCache = correspondentCache;
    }

    /// <summary>Classifies an IPv6 packet (no link-layer header) received on a physical interface.</summary>
    public InboundVerdict ClassifyInbound(ReadOnlySpan<byte> packet)
    {
        if (!Ipv6Packet.TryParse(packet, out var parsed))
        {
            return InboundVerdict.Dropped(DropReason.Malformed);
        }

        if (!_local.IsLocal(parsed.Header.Destination))
        {
            // A unicast solicitation for a home address the home agent defends (RFC 6275 10.4.1, a neighbour's
            // unreachability detection) is the proxy's; anything else passing through is the kernel's to forward.
            return IsNeighborMessage(parsed) && parsed.UpperLayer[0] == NeighborPackets.NeighborSolicitation
                ? new InboundVerdict(InboundAction.Neighbor, SignallingKinds.None, 0, parsed.Bytes.Length, default)
                : InboundVerdict.Ignore;
        }

        switch (parsed.UpperLayerProtocol)
        {
            case IpProtocol.Mobility:
                return new InboundVerdict(InboundAction.Signalling, SignallingKinds.MobilityHeader, 0, parsed.Bytes.Length, default);

            case IpProtocol.Icmpv6:
                if (parsed.UpperLayer.Length > 0 && parsed.UpperLayer[0] == Icmpv6Type.PacketTooBig)
                {
                    LearnTunnelMtu(parsed.UpperLayer);
                }

                var kind = IcmpKind(parsed.UpperLayer);
                if (kind != SignallingKinds.None)
                {
                    return new InboundVerdict(InboundAction.Signalling, kind, 0, parsed.Bytes.Length, default);
                }

                if (IsNeighborMessage(parsed))
                {
                    return new InboundVerdict(InboundAction.Neighbor, SignallingKinds.None, 0, parsed.Bytes.Length, default);
                }

                return ClassifyRouteOptimized(parsed);

            case IpProtocol.Ipv6:
                return ClassifyTunnelled(parsed);

            default:
                return ClassifyRouteOptimized(parsed);
        }
    }

    private static bool IsNeighborMessage(in Ipv6Packet parsed) =>
        parsed.UpperLayerProtocol == IpProtocol.Icmpv6 && parsed.ExtensionHeaderCount == 0
        && parsed.UpperLayer.Length >= NeighborPackets.MessageLength
        && parsed.UpperLayer[0] is NeighborPackets.NeighborSolicitation or NeighborPackets.NeighborAdvertisement;

    /// <summary>
    /// The outbound side of route optimization, for a packet read from the TUN: a mobile node's packet from its home
    /// address to a correspondent it is bound with leaves from the care-of address with a Home Address option (but
    /// never a Mobility Header message: the HoTI must take the tunnel, RFC 6275 5.2.5); a correspondent's packet to a
    /// home address bound with it leaves to the care-of address with a type 2 routing header. Written into
    /// <paramref name="destination"/> (24 octets more); <see cref="OutboundRouteOptimization.None"/> when no binding applies.
    /// </summary>
    public OutboundRouteOptimization TryRouteOptimize(ReadOnlySpan<byte> packet, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (packet.Length < Ipv6Header.Length || (packet[0] >> 4) != Ipv6Header.Version6)
        {
            return OutboundRouteOptimization.None;
        }

        var source = AddressKey.From(packet.Slice(Ipv6Header.SourceOffset, 16));
        var target = AddressKey.From(packet.Slice(Ipv6Header.DestinationOffset, 16));
        if (_correspondentList is { Count: > 0 } list && list.TryFind(target, source, out var bound))
        {
            if (!Ipv6Packet.TryParse(packet, out var parsed) || parsed.UpperLayerProtocol == IpProtocol.Mobility)
            {
                return OutboundRouteOptimization.None;
            }

            return HomeAddressOption.TryInsert(packet, bound.CareOfAddressBytes, destination, out bytesWritten)
                ? OutboundRouteOptimization.HomeAddressOption
                : OutboundRouteOptimization.None; // the tunnel still works
        }

        if (_correspondentCache is { Count: > 0 } cache && cache.TryFind(source, target, out var binding))
        {
            return RouteOptimizationRewriter.TryInsertType2RoutingHeader(packet, binding.CareOfAddressBytes, destination, out bytesWritten)
                ? OutboundRouteOptimization.RoutingHeader
                : OutboundRouteOptimization.Failed;
        }

        return OutboundRouteOptimization.None;
    }

    /// <summary>
    /// Mobile node: true when <paramref name="inner"/>, just decapsulated, is a correspondent's packet to one of our home
    /// addresses with no route optimization binding yet (SHISA's RR hint): the peer is its source. Not for the home
    /// agent's own packets, nor for a mobile network's nodes (they have no binding of their own to make).
    /// </summary>
    public bool ShouldHintReturnRoutability(ReadOnlySpan<byte> inner, out UInt128 peer)
    {
        peer = default;
        if (_updateList is null || _correspondentList is null || inner.Length < Ipv6Header.Length)
        {
            return false;
        }

        var source = inner.Slice(Ipv6Header.SourceOffset, 16);
        var home = AddressKey.From(inner.Slice(Ipv6Header.DestinationOffset, 16));
        peer = AddressKey.From(source);
        return _updateList.TryGetByHomeAddress(home, out var registration)
            && registration.RemoteEndpoint != peer
            && Ipv6Address.IsRoutableUnicast(source)
            && !_correspondentList.TryFind(peer, home, out _);
    }

    /// <summary>
    /// Encapsulates <paramref name="packet"/>, read from the TUN, into <paramref name="destination"/> (40 octets
    /// more) for the tunnel its binding names. False, with the reason, when it must be dropped.
    /// </summary>
    public bool TryEncapsulate(ReadOnlySpan<byte> packet, Span<byte> destination, out int bytesWritten, out DropReason reason)
    {
        bytesWritten = 0;
        if (packet.Length < Ipv6Header.Length || (packet[0] >> 4) != Ipv6Header.Version6)
        {
            reason = DropReason.Malformed;
            return false;
        }

        if (!TryFindOutbound(packet, out var binding, out bool mobile))
        {
            // A mobile node's or router's TUN takes what its source rules send it; one whose source no binding
            // covers came from the mobile network through the ingress rule (MobileNodeBindings).
            reason = _updateList is not null && _cache is null ? DropReason.SourceNotRegistered : DropReason.NoBinding;
            return false;
        }

        if (mobile && !binding.Forwarding)
        {
            reason = DropReason.NotBound;
            return false;
        }

        if (ExceedsPathMtu(binding, packet.Length))
        {
            reason = DropReason.ExceedsTunnelMtu;
            return false;
        }

        if (packet.Length + Ipv6Tunnel.Overhead > destination.Length)
        {
            reason = DropReason.TooBig;
            return false;
        }

        // RFC 2473 6.5: the tunnel's traffic class; copying the inner one keeps DSCP marking across the tunnel.
        byte trafficClass = (byte)(((packet[0] & 0x0F) << 4) | (packet[1] >> 4));
        Span<byte> entryPoint = stackalloc byte[AddressKey.Length];
        Span<byte> exitPoint = stackalloc byte[AddressKey.Length];
        AddressKey.Write(binding.LocalEndpoint, entryPoint);
        AddressKey.Write(binding.RemoteEndpoint, exitPoint);
        if (!Ipv6Tunnel.TryEncapsulate(packet, entryPoint, exitPoint, destination, out bytesWritten, trafficClass: trafficClass))
        {
            reason = DropReason.TooBig;
            return false;
        }

        binding.Traffic.CountOut(packet.Length);
        reason = default;
        return true;
    }

    /// <summary>
    /// RFC 5555: the binding a packet read from the TUN goes through when its care-of address is IPv4 (IPv4-mapped in
    /// the tables), for the UDP tunnel instead of <see cref="TryEncapsulate"/>; false for every other packet.
    /// </summary>
    public bool TryFindIpv4Tunnel(ReadOnlySpan<byte> packet, [NotNullWhen(true)] out TunnelBinding? binding)
    {
        binding = null;
        if (packet.Length < Ipv6Header.Length || (packet[0] >> 4) != Ipv6Header.Version6 || !TryFindOutbound(packet, out var found, out bool mobile))
        {
            return false;
        }

        if (!Dsmip.Ipv4Endpoint.IsMapped(mobile ? found.LocalEndpoint : found.RemoteEndpoint) || (mobile && !found.Forwarding))
        {
            return false;
        }

        binding = found;
        return true;
    }

    /// <summary>
    /// The tunnel a packet read from the TUN goes through: the mobile node's or router's for its source
    /// (<paramref name="mobile"/>), else the home agent's for its destination. <paramref name="packet"/> has at least
    /// an IPv6 header.
    /// </summary>
    private bool TryFindOutbound(ReadOnlySpan<byte> packet, [NotNullWhen(true)] out TunnelBinding? binding, out bool mobile)
    {
        binding = null;
        mobile = _updateList is not null && _updateList.TryFind(AddressKey.From(packet.Slice(Ipv6Header.SourceOffset, 16)), out binding);
        if (mobile)
        {
            return binding is not null;
        }

        return _cache is not null && _cache.TryFind(AddressKey.From(packet.Slice(Ipv6Header.DestinationOffset, 16)), out binding);
    }

    /// <summary>
    /// The MTU a Packet Too Big reports for a tunnel whose path MTU is <paramref name="pathMtu"/>: the path MTU less
    /// the tunnel header (RFC 2473 7.1), never below the IPv6 minimum (RFC 8200 5). Below 1320 a packet of up to
    /// 1280 octets would need its tunnel packet fragmented (RFC 2473 7.1 b), which the data plane does not do: it
    /// goes out as it is and the kernel refuses it (counted as a send failure).
    /// </summary>
    public static int ReportedMtu(int pathMtu) => Math.Max(Ipv6Header.MinimumMtu, pathMtu - Ipv6Tunnel.Overhead);

    private static bool ExceedsPathMtu(TunnelBinding binding, int packetLength)
    {
        int pathMtu = binding.PathMtu;
        return pathMtu != 0 && packetLength > ReportedMtu(pathMtu);
    }

    /// <summary>
    /// Writes the ICMPv6 Packet Too Big (RFC 4443 3.2) that answers <paramref name="packet"/>, which TryEncapsulate
    /// refused with <see cref="DropReason.ExceedsTunnelMtu"/>: from the tunnel's local end (this node's address), to
    /// the packet's source, the MTU <see cref="ReportedMtu"/>, and as much of the packet as fits in the minimum MTU
    /// (RFC 4443 2.4 c). False when no answer is due: the binding's MTU no longer refuses it, the source is not a
    /// routable unicast address (2.4 e.3, e.6), or the packet is itself an ICMPv6 error message (2.4 e.1). The
    /// caller rate-limits (2.4 f).
    /// </summary>
    public bool TryWritePacketTooBig(ReadOnlySpan<byte> packet, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (packet.Length < Ipv6Header.Length || (packet[0] >> 4) != Ipv6Header.Version6
            || !TryFindOutbound(packet, out var binding, out _) || !ExceedsPathMtu(binding, packet.Length))
        {
            return false;
        }

        var source = packet.Slice(Ipv6Header.SourceOffset, 16);
        bool isIcmpError = packet[Ipv6Header.NextHeaderOffset] == IpProtocol.Icmpv6 && packet.Length > Ipv6Header.Length && packet[Ipv6Header.Length] < 128;
        if (!Ipv6Address.IsRoutableUnicast(source) || isIcmpError)
        {
            return false;
        }

        Span<byte> local = stackalloc byte[16];
        AddressKey.Write(binding.LocalEndpoint, local);
        return Icmpv6PacketBuilder.TryWritePacketTooBig(destination, packet, local, (uint)ReportedMtu(binding.PathMtu), Ipv6Tunnel.DefaultHopLimit, out bytesWritten);
    }

    /// <summary>
    /// A Packet Too Big about one of this node's tunnel packets (the quoted packet: outer header from a binding's
    /// local end to its remote end, next header 41, and the inner header that names the binding) lowers that
    /// binding's path MTU (RFC 2473 7.1: the tunnel's MTU is the path MTU to the exit point; RFC 8201 4). A forged
    /// one can lower it no further than 1280. The message still goes to the kernel, which keeps its own path MTU.
    /// </summary>
    private void LearnTunnelMtu(ReadOnlySpan<byte> icmp)
    {
        const int QuotedOffset = 8;
        if (icmp.Length < QuotedOffset + Ipv6Header.Length + Ipv6Header.Length)
        {
            return;
        }

        var quoted = icmp[QuotedOffset..];
        if (quoted[Ipv6Header.NextHeaderOffset] != IpProtocol.Ipv6
            || !TryFindOutbound(quoted[Ipv6Header.Length..], out var binding, out _)
            || AddressKey.From(quoted.Slice(Ipv6Header.SourceOffset, 16)) != binding.LocalEndpoint
            || AddressKey.From(quoted.Slice(Ipv6Header.DestinationOffset, 16)) != binding.RemoteEndpoint)
        {
            return;
        }

        binding.LowerPathMtu((int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(icmp[4..]), int.MaxValue));
    }

    /// <summary>The signalling kind of an ICMPv6 message, None for the ones the modules do not take.</summary>
    public static SignallingKinds IcmpKind(ReadOnlySpan<byte> icmp)
    {
        if (icmp.Length < Icmpv6Header.Length)
        {
            return SignallingKinds.None;
        }

        return icmp[0] switch
        {
            Icmpv6Type.HomeAgentAddressDiscoveryRequest or Icmpv6Type.HomeAgentAddressDiscoveryReply => SignallingKinds.HomeAgentDiscovery,
            Icmpv6Type.MobilePrefixSolicitation or Icmpv6Type.MobilePrefixAdvertisement => SignallingKinds.MobilePrefix,
            Icmpv6Type.ParameterProblem => SignallingKinds.ParameterProblem,
            RouterAdvertisement => SignallingKinds.RouterAdvertisement,
            _ => SignallingKinds.None,
        };
    }

    private const byte RouterAdvertisement = 134;

    private static bool HasRouteOptimization(in Ipv6Packet packet) => packet.HasHomeAddress || packet.HasType2RoutingHeader;

    /// <summary>A data packet for us: route-optimized (RFC 6275 9.3.1, 11.3.3), else the kernel's.</summary>
    private InboundVerdict ClassifyRouteOptimized(in Ipv6Packet packet)
    {
        if (packet.HasType2RoutingHeader)
        {
            // 11.3.3: the routing header's address must be one of our home addresses.
            return _updateList is not null && _updateList.TryGetByHomeAddress(AddressKey.From(packet.RoutingHomeAddress), out _)
                ? new InboundVerdict(InboundAction.RouteOptimizedToHomeAddress, SignallingKinds.None, 0, packet.Bytes.Length, default)
                : InboundVerdict.Dropped(DropReason.RouteOptimization);
        }

        if (packet.HasHomeAddress)
        {
            if (_correspondentCache is null)
            {
                return InboundVerdict.Dropped(DropReason.RouteOptimization);
            }

            // 9.3.1: accepted only with a binding of that home address to this very care-of address.
            return _correspondentCache.TryFind(AddressKey.From(packet.Header.Destination), AddressKey.From(packet.HomeAddress), out var binding)
                && binding.CareOfAddress == AddressKey.From(packet.Header.Source)
                ? new InboundVerdict(InboundAction.RouteOptimizedFromHomeAddress, SignallingKinds.None, 0, packet.Bytes.Length, default)
                : new InboundVerdict(InboundAction.BindingError, SignallingKinds.None, 0, packet.Bytes.Length, DropReason.HomeAddressWithoutBinding);
        }

        return InboundVerdict.Ignore;
    }

    private InboundVerdict ClassifyTunnelled(in Ipv6Packet outer)
    {
        if (outer.IsFragment)
        {
            return InboundVerdict.Dropped(DropReason.Fragmented);
        }

        if (!Ipv6Packet.TryParse(outer.UpperLayer, out var inner))
        {
            return InboundVerdict.Dropped(DropReason.Malformed);
        }

        int innerOffset = outer.UpperLayerOffset;
        int innerLength = inner.Bytes.Length;
        var innerDestination = inner.Header.Destination;
        if (_local.IsLocal(innerDestination))
        {
            var kind = inner.UpperLayerProtocol switch
            {
                IpProtocol.Mobility => SignallingKinds.MobilityHeader,
                IpProtocol.Icmpv6 => IcmpKind(inner.UpperLayer),
                _ => SignallingKinds.None,
            };
            if (kind != SignallingKinds.None)
            {
                return new InboundVerdict(InboundAction.TunnelledSignalling, kind, innerOffset, innerLength, default);
            }
        }

        var outerSource = AddressKey.From(outer.Header.Source);
        TunnelBinding? binding;
        if (_updateList is not null && _updateList.TryFind(AddressKey.From(innerDestination), out binding))
        {
            // Mobile node: to our home address (or mobile network), from our home agent only.
        }
        else if (_cache is not null && _cache.TryFind(AddressKey.From(inner.Header.Source), out binding))
        {
            // Home agent: from a registered home address (or mobile network), through its care-of address only.
        }
        else
        {
            return InboundVerdict.Dropped(DropReason.NoBinding);
        }

        // RFC 5648: any of the home address's bindings is a tunnel it may come through.
        if (binding.ForRemote(outerSource) is not { } path)
        {
            return InboundVerdict.Dropped(DropReason.WrongTunnelSource);
        }

        path.Traffic.CountIn(innerLength);
        return new InboundVerdict(InboundAction.Decapsulate, SignallingKinds.None, innerOffset, innerLength, default);
    }
}
