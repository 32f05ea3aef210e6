using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Neighbors;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Tunnels;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Tests.Neighbors;

/// <summary>
/// The home agent's own proxy Neighbor Discovery (RFC 6275 10.4.1, RFC 4861 7.2.4 and 7.2.8) on a memory link:
/// a neighbour's solicitation for a bound home address draws an advertisement with the home agent's link-layer
/// address; nothing else does.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public class ProxyNeighborResponderTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress Neighbor = IPAddress.Parse("2001:db8:1::50");
    private static readonly byte[] NeighborMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x50];

    private readonly MemoryHub _link = new();
    private readonly MemoryPort _home;
    private readonly MemoryPort _neighbor;
    private readonly BindingTable _cache = new(16);
    private readonly ProxyNeighborResponder _responder;

    public ProxyNeighborResponderTests()
    {
        _home = _link.CreatePort("home0");
        _neighbor = _link.CreatePort("nb0");
        _cache.Set(new TunnelBinding(HomeAddress, HomeAgent, IPAddress.Parse("2001:db8:a1::10")), out _);
        _responder = new ProxyNeighborResponder(_cache, "home0", HomeAgent);
    }

    [Test]
    public void A_multicast_solicitation_for_a_bound_home_address_gets_a_solicited_advertisement_with_override_clear()
    {
        var frame = Solicitation(HomeAddress, Neighbor, SolicitedNode(HomeAddress), withSourceLinkLayer: true);

        Assert.That(_responder.TryAnswer(_home, frame.AsSpan(0, 14), frame.AsSpan(14)), Is.True);

        var answer = ReceiveOne(_neighbor);
        Assert.That(answer[..6], Is.EqualTo(NeighborMac), "to the solicitation's Source Link-Layer Address");
        Assert.That(answer[6..12], Is.EqualTo(_home.LinkAddress.GetAddressBytes()));
        var packet = answer.AsSpan(14);
        Assert.That(Ipv6Header.TryRead(packet, out var header), Is.True);
        Assert.That(header.SourceAddress, Is.EqualTo(HomeAgent));
        Assert.That(header.DestinationAddress, Is.EqualTo(Neighbor));
        Assert.That(header.HopLimit, Is.EqualTo(255));
        Assert.That(Icmpv6Header.TryRead(packet[40..], out var icmp), Is.True);
        Assert.That(icmp.VerifyChecksum(header.Source, header.Destination), Is.True);
        Assert.That(packet[40], Is.EqualTo(NeighborPackets.NeighborAdvertisement));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(packet[44..]), Is.EqualTo(NeighborPackets.SolicitedFlag), "S set; O clear (RFC 4861 7.2.8); R clear");
        Assert.That(new IPAddress(packet.Slice(48, 16)), Is.EqualTo(HomeAddress));
        Assert.That(packet[64..66].ToArray(), Is.EqualTo(new byte[] { NeighborPackets.TargetLinkLayerAddressOption, 1 }));
        Assert.That(packet[66..72].ToArray(), Is.EqualTo(_home.LinkAddress.GetAddressBytes()), "the home agent's own link-layer address");
        Assert.That(_responder.Answered, Is.EqualTo(1));
    }

    [Test]
    public void A_unicast_solicitation_without_a_source_link_layer_option_is_answered_to_the_frames_source()
    {
        var frame = Solicitation(HomeAddress, Neighbor, HomeAddress, withSourceLinkLayer: false);

        Assert.That(_responder.TryAnswer(_home, frame.AsSpan(0, 14), frame.AsSpan(14)), Is.True);

        Assert.That(ReceiveOne(_neighbor)[..6], Is.EqualTo(NeighborMac));
    }

    [Test]
    public void Another_nodes_duplicate_address_detection_for_a_bound_home_address_is_answered_to_all_nodes()
    {
        var frame = Solicitation(HomeAddress, IPAddress.IPv6Any, SolicitedNode(HomeAddress), withSourceLinkLayer: false);

        Assert.That(_responder.TryAnswer(_home, frame.AsSpan(0, 14), frame.AsSpan(14)), Is.True);

        var answer = ReceiveOne(_neighbor);
        Assert.That(answer[..6], Is.EqualTo(new byte[] { 0x33, 0x33, 0, 0, 0, 1 }));
        Assert.That(new IPAddress(answer.AsSpan(14 + 24, 16)), Is.EqualTo(IPAddress.Parse("ff02::1")));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(14 + 44)), Is.Zero, "S clear (RFC 4861 7.2.4)");
    }

    [Test]
    public void A_solicitation_for_an_address_without_a_binding_is_not_answered()
    {
        var other = IPAddress.Parse("2001:db8:1::101");
        var frame = Solicitation(other, Neighbor, SolicitedNode(other), withSourceLinkLayer: true);

        Assert.That(_responder.TryAnswer(_home, frame.AsSpan(0, 14), frame.AsSpan(14)), Is.False);
        Assert.That(_neighbor.Pending, Is.Zero);
    }

    [Test]
    public void A_removed_binding_is_no_longer_defended()
    {
        _cache.Remove(AddressKey.From(HomeAddress), out _);
        var frame = Solicitation(HomeAddress, Neighbor, SolicitedNode(HomeAddress), withSourceLinkLayer: true);

        Assert.That(_responder.TryAnswer(_home, frame.AsSpan(0, 14), frame.AsSpan(14)), Is.False);
        Assert.That(_neighbor.Pending, Is.Zero);
    }

    [Test]
    public void A_solicitation_heard_on_another_link_is_not_ours()
    {
        var frame = Solicitation(HomeAddress, Neighbor, SolicitedNode(HomeAddress), withSourceLinkLayer: true);

        Assert.That(_responder.TryAnswer(_neighbor, frame.AsSpan(0, 14), frame.AsSpan(14)), Is.False);
        Assert.That(_home.Pending, Is.Zero);
    }

    [TestCase("checksum")]
    [TestCase("hop limit")]
    [TestCase("code")]
    [TestCase("zero-length option")]
    [TestCase("DAD with a link-layer option")]
    public void An_invalid_solicitation_is_counted_and_not_answered(string fault)
    {
        var frame = fault == "DAD with a link-layer option"
            ? Solicitation(HomeAddress, IPAddress.IPv6Any, SolicitedNode(HomeAddress), withSourceLinkLayer: true)
            : Solicitation(HomeAddress, Neighbor, SolicitedNode(HomeAddress), withSourceLinkLayer: true);
        switch (fault)
        {
            case "checksum": frame[14 + 42] ^= 0xFF; break;
            case "hop limit": frame[14 + 7] = 254; break;
            case "code": frame[14 + 41] = 1; break;
            case "zero-length option": frame[14 + 40 + 24 + 1] = 0; break;
        }

        Assert.That(_responder.TryAnswer(_home, frame.AsSpan(0, 14), frame.AsSpan(14)), Is.False);
        Assert.That(_neighbor.Pending, Is.Zero);
        Assert.That(_responder.Ignored, Is.EqualTo(1));
    }

    [Test]
    public void The_forwarder_hands_a_unicast_solicitation_for_a_home_address_to_the_responder()
    {
        var local = new LocalAddressSet();
        local.Set("options", [HomeAgent]);
        var forwarder = new TunnelForwarder(new PacketClassifier(local, _cache, null), new DataPlaneCounters(), new SignallingHub(), new FakeTimeProvider(), proxy: _responder);
        var frame = Solicitation(HomeAddress, Neighbor, HomeAddress, withSourceLinkLayer: true);
        var received = new PacketBatch(4, 256);
        frame.CopyTo(received.GetNextSlot());
        received.Commit(frame.Length);

        forwarder.ProcessReceived(_home, received, new PacketBatch(4, 256));

        Assert.That(_responder.Answered, Is.EqualTo(1), "a home address is not local, but its solicitation is the proxy's");
        Assert.That(ReceiveOne(_neighbor)[..6], Is.EqualTo(NeighborMac));
    }

    private static IPAddress SolicitedNode(IPAddress target)
    {
        var group = new byte[16];
        NeighborPackets.WriteSolicitedNodeAddress(target.GetAddressBytes(), group);
        return new IPAddress(group);
    }

    /// <summary>An Ethernet frame from the neighbour carrying a Neighbor Solicitation for <paramref name="target"/>.</summary>
    private byte[] Solicitation(IPAddress target, IPAddress source, IPAddress destination, bool withSourceLinkLayer)
    {
        int messageLength = NeighborPackets.MessageLength + (withSourceLinkLayer ? 8 : 0);
        var frame = new byte[14 + 40 + messageLength];
        var destinationBytes = destination.GetAddressBytes();
        if (destinationBytes[0] == 0xFF)
        {
            NeighborPackets.WriteMulticastMac(destinationBytes, frame);
        }
        else
        {
            _home.LinkAddress.GetAddressBytes().CopyTo(frame, 0);
        }

        NeighborMac.CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        var sourceBytes = source.GetAddressBytes();
        Ipv6Header.TryWrite(frame.AsSpan(14), 0, 0, messageLength, IpProtocol.Icmpv6, 255, sourceBytes, destinationBytes, out _);
        var message = frame.AsSpan(14 + 40);
        Icmpv6Header.WriteHeader(message, NeighborPackets.NeighborSolicitation, 0);
        target.GetAddressBytes().CopyTo(message[NeighborPackets.TargetOffset..]);
        if (withSourceLinkLayer)
        {
            message[24] = NeighborPackets.SourceLinkLayerAddressOption;
            message[25] = 1;
            NeighborMac.CopyTo(message[26..]);
        }

        Icmpv6Header.FillChecksum(message, sourceBytes, destinationBytes);
        return frame;
    }

    private static byte[] ReceiveOne(MemoryPort port)
    {
        var batch = new PacketBatch(4, 256);
        Assert.That(port.Receive(batch, 0), Is.EqualTo(1), "one advertisement");
        return batch[0].ToArray();
    }
}
