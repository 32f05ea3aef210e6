using System.Buffers.Binary;
using System.Net;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Dsmip;

/// <summary>
/// RFC 5555's UDP encapsulation (4.1: "vanilla" UDP, the IPv6 packet right after the UDP header) between a mobile node
/// with an IPv4 care-of address and its home agent's IPv4 address, port 4191. The binding tables hold an IPv4
/// care-of address IPv4-mapped (::ffff:a.b.c.d); this class is where such a binding's packets go in and out.
/// <list type="bullet">
/// <item>Received datagrams: Mobility Header messages go to the modules as signalling, with the outer IPv4 source as
/// the tunnel source (the home agent's NAT detection compares it with the IPv4 Care-of Address option); other packets
/// are decapsulated into the TUN when a binding covers them and they came from that binding's endpoint.</item>
/// <item>Signalling sent: a mobile node's from its mapped care-of address goes to the home agent; the home agent's to
/// a mapped address goes back where that Binding Update came from (<see cref="ReplyPaths"/>), and an accepting
/// acknowledgement makes that path the binding's endpoint: the NAT mapping of the latest Binding Update, which also is
/// the keepalive (4.3), so a NAT that rebinds is followed at the next one.</item>
/// <item>Data from the TUN: to the binding's endpoint (home agent) or to the home agent (mobile node).</item>
/// </list>
/// Data packets allocate nothing: endpoints are integers, lookups O(1), the socket reuses its addresses. Only
/// authenticated signalling (an acknowledgement the home agent chose to send) moves an endpoint; data from another
/// endpoint is dropped and counted.
/// </summary>
public sealed class UdpTunnel
{
    /// <summary>The DSMIPv6 UDP port (IANA "dsmipv6", RFC 5555 4.1): the home agent's end.</summary>
    public const int Port = 4191;

    /// <summary>The interface name signalling received through the tunnel is reported on.</summary>
    public const string InterfaceName = "dsmip";

    private const byte BindingUpdateType = (byte)MobilityHeaderType.BindingUpdate;
    private const byte BindingAcknowledgementType = (byte)MobilityHeaderType.BindingAcknowledgement;

    private readonly IDatagramSender _socket;
    private readonly SignallingHub _hub;
    private readonly TimeProvider _time;
    private readonly BindingTable? _cache;
    private readonly BindingTable? _updateList;
    private readonly Ipv4Endpoint? _homeAgent;
    private readonly ReplyPaths _replies;
    private readonly BindingEndpoints _endpoints;

    /// <param name="socket">Where datagrams are sent.</param>
    /// <param name="hub">Where received signalling goes.</param>
    /// <param name="time">The clock of delivered signalling.</param>
    /// <param name="cache">Home agent: its binding cache; null on a mobile node.</param>
    /// <param name="updateList">Mobile node: its binding update list; null on a home agent.</param>
    /// <param name="homeAgent">Mobile node: the home agent's IPv4 address and port 4191.</param>
    /// <param name="capacity">Bound of the endpoint tables (the binding table's).</param>
    public UdpTunnel(IDatagramSender socket, SignallingHub hub, TimeProvider time, BindingTable? cache, BindingTable? updateList, Ipv4Endpoint? homeAgent, int capacity)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(time);
        if ((cache is null) == (homeAgent is null))
        {
            throw new ArgumentException("a home agent's tunnel has a binding cache, a mobile node's the home agent's endpoint");
        }

        _socket = socket;
        _hub = hub;
        _time = time;
        _cache = cache;
        _updateList = updateList;
        _homeAgent = homeAgent;
        _replies = new ReplyPaths(capacity);
        _endpoints = new BindingEndpoints(capacity, cache);
    }

    public UdpTunnelCounters Counters { get; } = new();

    /// <summary>Home agent: each IPv4 binding's current UDP endpoint (the NAT's mapping behind a NAT), by home address.</summary>
    public IReadOnlyList<KeyValuePair<UInt128, Ipv4Endpoint>> Endpoints() => _endpoints.Snapshot();

    private bool IsHomeAgent => _cache is not null;

    /// <summary>
    /// Home agent, at start: the endpoints of the bindings the journal kept (DESIGN 5: a restart never loses a
    /// binding), so data to a restored home address leaves through the tunnel at once and the mobile node's packets
    /// are taken again before its next Binding Update (4.3's keepalive). Only endpoints of IPv4-mapped care-of
    /// bindings are ever journalled; when the table is full the rest are dropped and counted (TableFull).
    /// </summary>
    public void Restore(IReadOnlyDictionary<IPAddress, Ipv4Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (!IsHomeAgent)
        {
            return;
        }

        foreach (var (home, endpoint) in endpoints)
        {
            if (!_endpoints.Set(AddressKey.From(home), endpoint))
            {
                Counters.Drop(UdpTunnelDrop.TableFull);
            }
        }
    }

    /// <summary>
    /// Home agent: the UDP endpoint to journal with a binding cache entry whose care-of address is IPv4-mapped: where
    /// the Binding Update of that very sequence number came from (its acknowledgement makes it the binding's endpoint,
    /// see <see cref="Follow"/>), else the binding's current endpoint (a binding restored or re-announced without a new
    /// Binding Update); null when neither is known or the care-of address is not IPv4-mapped.
    /// </summary>
    public Ipv4Endpoint? EndpointToJournal(BindingCacheEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var careOf = AddressKey.From(entry.CareOfAddress);
        if (!IsHomeAgent || !Ipv4Endpoint.IsMapped(careOf))
        {
            return null;
        }

        var home = AddressKey.From(entry.HomeAddress);
        if (_replies.TryGet(careOf, home, out var path, out ushort sequence) && sequence == entry.Sequence)
        {
            return path;
        }

        return _endpoints.TryGet(home, out var current) ? current : null;
    }

    /// <summary>One received datagram; a decapsulated packet is appended to <paramref name="toTun"/>.</summary>
    public void HandleDatagram(ReadOnlySpan<byte> payload, Ipv4Endpoint from, PacketBatch toTun)
    {
        ArgumentNullException.ThrowIfNull(toTun);
        if (!Ipv6Packet.TryParse(payload, out var packet) || packet.IsFragment)
        {
            Counters.Drop(UdpTunnelDrop.Malformed);
            return;
        }

        if (_homeAgent is { } homeAgent && from != homeAgent)
        {
            Counters.Drop(UdpTunnelDrop.NotFromHomeAgent);
            return;
        }

        if (packet.UpperLayerProtocol == MobilityHeader.NextHeader)
        {
            ReceiveSignalling(packet, from);
            return;
        }

        var inner = packet.Bytes;
        TunnelBinding? binding;
        if (IsHomeAgent)
        {
            // RFC 5555 4.5: the reverse tunnel's inner source is the home address (or in a mobile network prefix).
            if (!_cache!.TryFind(AddressKey.From(inner.Slice(Ipv6Header.SourceOffset, 16)), out binding) || !Ipv4Endpoint.IsMapped(binding.RemoteEndpoint))
            {
                Counters.Drop(UdpTunnelDrop.NoBinding);
                return;
            }

            if (!_endpoints.TryGet(binding.HomeAddress, out var expected) || expected != from)
            {
                Counters.Drop(UdpTunnelDrop.WrongEndpoint);
                return;
            }
        }
        else if (!_updateList!.TryFind(AddressKey.From(inner.Slice(Ipv6Header.DestinationOffset, 16)), out binding)
            || !Ipv4Endpoint.IsMapped(binding.LocalEndpoint))
        {
            Counters.Drop(UdpTunnelDrop.NoBinding);
            return;
        }

        if (toTun.TryAdd(inner))
        {
            Counters.Decapsulation();
            binding.Traffic.CountIn(inner.Length);
        }
        else
        {
            Counters.Drop(UdpTunnelDrop.BatchFull);
        }
    }

    /// <summary>
    /// Sends a signalling packet of this node's modules when it belongs to the UDP tunnel (an IPv4-mapped source on a
    /// mobile node, destination on a home agent). False when it does not: the caller sends it as plain IPv6.
    /// </summary>
    public bool TrySendSignalling(ReadOnlySpan<byte> ipv6Packet, out bool sent)
    {
        sent = false;
        if (ipv6Packet.Length < Ipv6Header.Length)
        {
            return false;
        }

        if (_homeAgent is { } homeAgent)
        {
            if (!Ipv4Endpoint.IsMapped(AddressKey.From(ipv6Packet.Slice(Ipv6Header.SourceOffset, 16))))
            {
                return false;
            }

            sent = Send(ipv6Packet, homeAgent, signalling: true);
            return true;
        }

        var careOf = AddressKey.From(ipv6Packet.Slice(Ipv6Header.DestinationOffset, 16));
        if (!Ipv4Endpoint.IsMapped(careOf))
        {
            return false;
        }

        if (!Ipv6Packet.TryParse(ipv6Packet, out var packet))
        {
            Counters.Drop(UdpTunnelDrop.Malformed);
            return true;
        }

        var home = packet.HasType2RoutingHeader ? AddressKey.From(packet.RoutingHomeAddress) : careOf;
        if (!_replies.TryGet(careOf, home, out var endpoint, out ushort updateSequence))
        {
            Counters.Drop(UdpTunnelDrop.NoReplyPath);
            return true;
        }

        if (packet.UpperLayerProtocol == MobilityHeader.NextHeader)
        {
            Follow(packet.UpperLayer, home, endpoint, updateSequence);
        }

        sent = Send(ipv6Packet, endpoint, signalling: true);
        return true;
    }

    /// <summary>Sends a packet read from the TUN through <paramref name="binding"/>, whose care-of address is IPv4-mapped.</summary>
    public bool TrySendData(ReadOnlySpan<byte> inner, TunnelBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        Ipv4Endpoint endpoint;
        if (_homeAgent is { } homeAgent)
        {
            endpoint = homeAgent;
        }
        else if (!_endpoints.TryGet(binding.HomeAddress, out endpoint))
        {
            Counters.Drop(UdpTunnelDrop.NoReplyPath);
            return false;
        }

        if (!Send(inner, endpoint, signalling: false))
        {
            return false;
        }

        binding.Traffic.CountOut(inner.Length);
        return true;
    }

    private void ReceiveSignalling(Ipv6Packet packet, Ipv4Endpoint from)
    {
        if (IsHomeAgent)
        {
            // Remember where this Binding Update came from: the answer goes back there (RFC 5555 4.2.2).
            var mh = packet.UpperLayer;
            if (mh.Length > MobilityHeaderView.MessageDataOffset + 1 && mh[MobilityHeaderView.TypeOffset] == BindingUpdateType)
            {
                var careOf = AddressKey.From(packet.Header.Source);
                var home = packet.HasHomeAddress ? AddressKey.From(packet.HomeAddress) : careOf;
                _replies.Record(careOf, home, BinaryPrimitives.ReadUInt16BigEndian(mh[MobilityHeaderView.MessageDataOffset..]), from);
            }
        }

        Counters.SignallingIn();
        _hub.Deliver(packet.Bytes, SignallingKinds.MobilityHeader, InterfaceName, 0, _time.GetUtcNow(), from.ToAddress());
    }

    /// <summary>
    /// An accepting Binding Acknowledgement of the recorded Binding Update (same sequence number) makes its path the
    /// binding's endpoint; one with lifetime 0 (deregistration) forgets it.
    /// </summary>
    private void Follow(ReadOnlySpan<byte> mh, UInt128 home, Ipv4Endpoint endpoint, ushort updateSequence)
    {
        const int statusOffset = 6, sequenceOffset = 8, lifetimeOffset = 10;
        if (mh.Length < lifetimeOffset + 2 || mh[MobilityHeaderView.TypeOffset] != BindingAcknowledgementType
            || mh[statusOffset] >= BindingAcknowledgement.FirstRejectionStatus
            || BinaryPrimitives.ReadUInt16BigEndian(mh[sequenceOffset..]) != updateSequence)
        {
            return;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(mh[lifetimeOffset..]) == 0)
        {
            _endpoints.Remove(home);
            return;
        }

        bool known = _endpoints.TryGet(home, out var previous);
        if (known && previous == endpoint)
        {
            return;
        }

        if (!_endpoints.Set(home, endpoint))
        {
            Counters.Drop(UdpTunnelDrop.TableFull);
            return;
        }

        Counters.EndpointChanged();
    }

    private bool Send(ReadOnlySpan<byte> payload, Ipv4Endpoint to, bool signalling)
    {
        if (!_socket.Send(payload, to))
        {
            Counters.Drop(UdpTunnelDrop.SendFailed);
            return false;
        }

        if (signalling)
        {
            Counters.SignallingOut();
        }
        else
        {
            Counters.Encapsulation();
        }

        return true;
    }
}
