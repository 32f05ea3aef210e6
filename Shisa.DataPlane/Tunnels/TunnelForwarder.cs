using System.Buffers.Binary;
using System.Net;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Neighbors;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;

namespace Shisa.DataPlane.Tunnels;

/// <summary>
/// The forwarding path, one batch at a time (the engine's threads call it in their loops; tests call it on
/// memory batches): received frames are sorted by <see cref="PacketClassifier"/> into signalling for the modules,
/// neighbor messages for duplicate address detection, and decapsulated packets for the TUN; packets the kernel
/// routed into the TUN are encapsulated into a send batch. Nothing is allocated per data packet: batches are
/// the caller's and reused, lookups use <see cref="UInt128"/> keys. Signalling is copied (it outlives the batch).
/// Route optimization (RFC 6275 9.3, 11.3) takes the same two paths: packets with a type 2 routing header or Home
/// Address option are rewritten into the TUN batch, the TUN's packets of a bound correspondent into the send batch;
/// and a few hints go to the bus (RrHint, BeHint), rate-limited per peer so a flood allocates nothing.
/// </summary>
public sealed class TunnelForwarder
{
    private const int EthernetHeaderLength = 14;
    private const ushort EtherTypeIpv6 = 0x86DD;

    private readonly PacketClassifier _classifier;
    private readonly DataPlaneCounters _counters;
    private readonly SignallingHub _hub;
    private readonly TimeProvider _time;
    private readonly DuplicateAddressDetector? _dad;
    private readonly ProxyNeighborResponder? _proxy;
    private readonly Action<MobilityMessage>? _publish;
    private readonly Dsmip.UdpTunnel? _udp;

    /// <summary>Seconds between two RrHints about one correspondent.</summary>
    public static readonly TimeSpan RrHintInterval = TimeSpan.FromSeconds(2);

    /// <summary>Seconds between two BeHints about one source (RFC 6275 9.3.3: Binding Errors are rate-limited).</summary>
    public static readonly TimeSpan BeHintInterval = TimeSpan.FromSeconds(1);

    /// <summary>Time between two Packet Too Big messages to one source (RFC 4443 2.4 f: ICMPv6 errors are rate-limited).</summary>
    public static readonly TimeSpan PacketTooBigInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Peers the hint limiters remember at most.</summary>
    public const int HintPeers = 1024;

    /// <param name="classifier">Classifies each received frame once.</param>
    /// <param name="counters">The data plane's counters, incremented per packet.</param>
    /// <param name="hub">Where received signalling is offered to the modules.</param>
    /// <param name="time">The clock of the hint limiters and of delivered signalling.</param>
    /// <param name="dad">The engine's Duplicate Address Detection, fed the Neighbor Advertisements it waits for; null: none.</param>
    /// <param name="publish">Where the hints go (the mobility bus); null: none are published.</param>
    /// <param name="proxy">The home agent's answers to Neighbor Solicitations for bound home addresses; null: none.</param>
    /// <param name="udp">RFC 5555's UDP tunnel, for bindings with an IPv4 care-of address; null: none.</param>
    public TunnelForwarder(
        PacketClassifier classifier,
        DataPlaneCounters counters,
        SignallingHub hub,
        TimeProvider time,
        DuplicateAddressDetector? dad = null,
        Action<MobilityMessage>? publish = null,
        ProxyNeighborResponder? proxy = null,
        Dsmip.UdpTunnel? udp = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(time);
        _classifier = classifier;
        _counters = counters;
        _hub = hub;
        _time = time;
        _dad = dad;
        _proxy = proxy;
        _publish = publish;
        _udp = udp;
        RrHints = new HintRateLimiter(time, RrHintInterval, HintPeers);
        BeHints = new HintRateLimiter(time, BeHintInterval, HintPeers);
        PacketTooBigs = new HintRateLimiter(time, PacketTooBigInterval, HintPeers);
    }

    public DataPlaneCounters Counters => _counters;

    /// <summary>The RrHint limiter (its counters go to the status page).</summary>
    public HintRateLimiter RrHints { get; }

    /// <summary>The BeHint limiter.</summary>
    public HintRateLimiter BeHints { get; }

    /// <summary>The limiter of the Packet Too Big messages the tunnel entry point sends (per source).</summary>
    public HintRateLimiter PacketTooBigs { get; }

    /// <summary>
    /// Handles the frames <paramref name="received"/> on <paramref name="port"/>; decapsulated inner packets are
    /// appended to <paramref name="toTun"/> (the caller writes that batch into the TUN and clears it).
    /// </summary>
    public void ProcessReceived(IPacketPort port, PacketBatch received, PacketBatch toTun)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(received);
        ArgumentNullException.ThrowIfNull(toTun);
        int linkHeader = port.FrameKind == PortFrameKind.Ethernet ? EthernetHeaderLength : 0;
        for (int i = 0; i < received.Count; i++)
        {
            ReadOnlySpan<byte> frame = received[i];
            if (frame.Length < linkHeader + Ipv6Header.Length
                || (linkHeader > 0 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypeIpv6))
            {
                continue; // not IPv6 (the filter should not let it through)
            }

            if ((received.Info(i).Flags & FrameFlags.Truncated) != 0)
            {
                _counters.Drop(DropReason.Truncated);
                continue;
            }

            HandlePacket(port, frame[..linkHeader], frame[linkHeader..], toTun);
        }
    }

    /// <summary>
    /// Encapsulates the packets read from the TUN (<paramref name="fromTun"/>) into <paramref name="toTunnel"/>,
    /// which the caller sends and clears, or rewrites them for route optimization. Returns how many were added.
    /// </summary>
    public int ProcessFromTun(PacketBatch fromTun, PacketBatch toTunnel)
    {
        ArgumentNullException.ThrowIfNull(fromTun);
        ArgumentNullException.ThrowIfNull(toTunnel);
        int added = 0;
        for (int i = 0; i < fromTun.Count; i++)
        {
            if (_udp is not null && _classifier.TryFindIpv4Tunnel(fromTun[i], out var ipv4Binding))
            {
                // RFC 5555 4.1: an IPv4 care-of address; the UDP tunnel sends it itself (counted there).
                _udp.TrySendData(fromTun[i], ipv4Binding);
                continue;
            }

            var slot = toTunnel.GetNextSlot();
            if (slot.IsEmpty)
            {
                _counters.Drop(DropReason.BatchFull);
                continue;
            }

            var optimized = _classifier.TryRouteOptimize(fromTun[i], slot, out int length);
            if (optimized is OutboundRouteOptimization.HomeAddressOption or OutboundRouteOptimization.RoutingHeader)
            {
                toTunnel.Commit(length);
                _counters.RouteOptimized(optimized);
                added++;
                continue;
            }

            if (optimized == OutboundRouteOptimization.Failed)
            {
                _counters.Drop(DropReason.RouteOptimizationFailed);
                continue;
            }

            if (_classifier.TryEncapsulate(fromTun[i], slot, out int written, out var reason))
            {
                toTunnel.Commit(written);
                _counters.Encapsulation(written);
                added++;
            }
            else
            {
                _counters.Drop(reason);
                if (reason == DropReason.ExceedsTunnelMtu
                    && PacketTooBigs.TryAcquire(AddressKey.From(fromTun[i].Slice(Ipv6Header.SourceOffset, 16)))
                    && _classifier.TryWritePacketTooBig(fromTun[i], slot, out int answer))
                {
                    toTunnel.Commit(answer);
                    added++;
                }
            }
        }

        return added;
    }

    private void HandlePacket(IPacketPort port, ReadOnlySpan<byte> linkHeader, ReadOnlySpan<byte> packet, PacketBatch toTun)
    {
        var verdict = _classifier.ClassifyInbound(packet);
        switch (verdict.Action)
        {
            case InboundAction.Ignore:
                return;

            case InboundAction.Drop:
                _counters.Drop(verdict.Reason);
                return;

            case InboundAction.Signalling:
                Deliver(port, packet.Slice(verdict.InnerOffset, verdict.InnerLength), verdict.Kind, null, null);
                return;

            case InboundAction.TunnelledSignalling:
                Deliver(
                    port,
                    packet.Slice(verdict.InnerOffset, verdict.InnerLength),
                    verdict.Kind,
                    new IPAddress(packet.Slice(Ipv6Header.SourceOffset, 16)),
                    new IPAddress(packet.Slice(Ipv6Header.DestinationOffset, 16)));
                return;

            case InboundAction.Neighbor:
                _counters.NeighborMessage();
                if (_dad is not null && NeighborPackets.TryRead(packet, out byte type, out var target, out bool fromUnspecified))
                {
                    _dad.OnNeighborMessage(port.Name, type, target, fromUnspecified);
                }

                _proxy?.TryAnswer(port, linkHeader, packet);

                return;

            case InboundAction.Decapsulate:
                var inner = packet.Slice(verdict.InnerOffset, verdict.InnerLength);
                if (toTun.TryAdd(inner))
                {
                    _counters.Decapsulation(verdict.InnerLength);
                    if (_counters.AwaitingFirstDecapsulation)
                    {
                        _counters.FirstDecapsulation(_time.GetUtcNow());
                    }
                    if (_publish is not null && _classifier.ShouldHintReturnRoutability(inner, out var peer) && RrHints.TryAcquire(peer))
                    {
                        _publish(new RrHint(
                            new IPAddress(inner.Slice(Ipv6Header.DestinationOffset, 16)),
                            AddressKey.ToAddress(peer)));
                        _counters.RrHint();
                    }
                }
                else
                {
                    _counters.Drop(DropReason.BatchFull);
                }

                return;

            case InboundAction.RouteOptimizedToHomeAddress or InboundAction.RouteOptimizedFromHomeAddress:
                AcceptRouteOptimized(verdict.Action, packet, toTun);
                return;

            case InboundAction.BindingError:
                _counters.Drop(verdict.Reason);
                if (_publish is not null && Ipv6Packet.TryParse(packet, out var offending)
                    && BeHints.TryAcquire(AddressKey.From(offending.Header.Source)))
                {
                    _publish(new BeHint(
                        BindingErrorStatus.UnknownBindingForHomeAddressOption,
                        new IPAddress(offending.Header.Source),
                        new IPAddress(offending.Header.Destination),
                        new IPAddress(offending.HomeAddress)));
                    _counters.BeHint();
                }

                return;
        }
    }

    /// <summary>RFC 6275 9.3.1 (correspondent) and 11.3.3 (mobile node): the rewritten packet into the TUN.</summary>
    private void AcceptRouteOptimized(InboundAction action, ReadOnlySpan<byte> packet, PacketBatch toTun)
    {
        var slot = toTun.GetNextSlot();
        if (slot.IsEmpty)
        {
            _counters.Drop(DropReason.BatchFull);
            return;
        }

        int written = 0;
        bool ok = Ipv6Packet.TryParse(packet, out var parsed) && (action == InboundAction.RouteOptimizedToHomeAddress
            ? RouteOptimizationRewriter.TryProcessType2RoutingHeader(parsed, slot, out written)
            : RouteOptimizationRewriter.TryProcessHomeAddressOption(parsed, slot, out written));
        if (!ok)
        {
            _counters.Drop(DropReason.Malformed);
            return;
        }

        toTun.Commit(written);
        _counters.RouteOptimizedReceived(action);
    }

    private void Deliver(IPacketPort port, ReadOnlySpan<byte> packet, SignallingKinds kind, IPAddress? tunnelSource, IPAddress? tunnelDestination)
    {
        // Copied only when a subscriber admits it: a flood that its admission refuses allocates nothing here.
        var delivery = _hub.Deliver(packet, kind, port.Name, port.InterfaceIndex, _time.GetUtcNow(), tunnelSource, tunnelDestination);
        _counters.Signalling(tunnelSource is not null, delivery.Wanted > 0);
    }
}
