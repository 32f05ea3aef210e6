using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Tunnels;
using Shisa.DataPlane.Wire;

namespace Shisa.DataPlane.Tests.Tunnels;

/// <summary>
/// The tunnel's MTU (RFC 2473 7.1): a Packet Too Big about a tunnel packet lowers the binding's path MTU, and a
/// packet that no longer fits is answered with a Packet Too Big (RFC 4443 3.2) from the tunnel entry point.
/// </summary>
public class TunnelMtuTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    private static readonly IPAddress Correspondent = IPAddress.Parse("2001:db8:c::2");
    private static readonly IPAddress Router = IPAddress.Parse("2001:db8:f0:a1::2");

    private sealed record Side(TunnelForwarder Forwarder, PacketClassifier Classifier, BindingTable Table, FakeTimeProvider Time, DataPlaneCounters Counters)
    {
        public TunnelBinding Binding => Table.TryFind(AddressKey.From(HomeAddress), out var binding) ? binding : throw new InvalidOperationException("no binding");
    }

    private static Side HomeAgentSide()
    {
        var local = new LocalAddressSet();
        local.Set("options", [HomeAgent]);
        var table = new BindingTable(16);
        table.Set(new TunnelBinding(HomeAddress, HomeAgent, CareOf), out _);
        var classifier = new PacketClassifier(local, table, null);
        var time = new FakeTimeProvider();
        var counters = new DataPlaneCounters();
        return new Side(new TunnelForwarder(classifier, counters, new SignallingHub(), time), classifier, table, time, counters);
    }

    /// <summary>An IPv6 packet of <paramref name="length"/> octets (UDP, or an upper layer given by <paramref name="nextHeader"/> whose first octet is <paramref name="firstOctet"/>).</summary>
    private static byte[] Packet(IPAddress source, IPAddress destination, int length, byte nextHeader = IpProtocol.Udp, byte firstOctet = 0)
    {
        var packet = new byte[length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(length - 40));
        packet[6] = nextHeader;
        packet[7] = 64;
        source.TryWriteBytes(packet.AsSpan(8, 16), out _);
        destination.TryWriteBytes(packet.AsSpan(24, 16), out _);
        packet[40] = firstOctet;
        return packet;
    }

    /// <summary>A Packet Too Big from <paramref name="from"/> to the home agent quoting the first 1232 octets of <paramref name="invoking"/>.</summary>
    private static byte[] PacketTooBig(IPAddress from, uint mtu, byte[] invoking)
    {
        int quoted = Math.Min(invoking.Length, 1232);
        var packet = Packet(from, HomeAgent, 48 + quoted, IpProtocol.Icmpv6, 2);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(44), mtu);
        invoking.AsSpan(0, quoted).CopyTo(packet.AsSpan(48));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(42), InternetChecksum.Compute(packet.AsSpan(8, 16), packet.AsSpan(24, 16), IpProtocol.Icmpv6, packet.AsSpan(40)));
        return packet;
    }

    private static byte[] Tunnelled(byte[] inner, IPAddress outerSource, IPAddress outerDestination)
    {
        var outer = new byte[inner.Length + 40];
        Span<byte> source = stackalloc byte[16];
        Span<byte> destination = stackalloc byte[16];
        outerSource.TryWriteBytes(source, out _);
        outerDestination.TryWriteBytes(destination, out _);
        Assert.That(Ipv6Tunnel.TryEncapsulate(inner, source, destination, outer, out _), Is.True);
        return outer;
    }

    [Test]
    public void A_packet_too_big_about_a_tunnel_packet_lowers_that_bindings_path_mtu_never_below_1280()
    {
        var side = HomeAgentSide();
        var tunnelPacket = Tunnelled(Packet(Correspondent, HomeAddress, 1460), HomeAgent, CareOf);
        Assert.That(side.Binding.PathMtu, Is.Zero, "no Packet Too Big yet: the link's MTU applies");

        var verdict = side.Classifier.ClassifyInbound(PacketTooBig(Router, 1400, tunnelPacket));
        Assert.That(verdict.Action, Is.EqualTo(InboundAction.Ignore), "the kernel still takes the message");
        Assert.That(side.Binding.PathMtu, Is.EqualTo(1400));

        side.Classifier.ClassifyInbound(PacketTooBig(Router, 1450, tunnelPacket));
        Assert.That(side.Binding.PathMtu, Is.EqualTo(1400), "a larger MTU does not raise it");
        side.Classifier.ClassifyInbound(PacketTooBig(Router, 600, tunnelPacket));
        Assert.That(side.Binding.PathMtu, Is.EqualTo(1280), "bounded by the IPv6 minimum MTU");
    }

    [Test]
    public void A_packet_too_big_about_someone_elses_packet_changes_nothing()
    {
        var side = HomeAgentSide();
        var inner = Packet(Correspondent, HomeAddress, 1460);
        side.Classifier.ClassifyInbound(PacketTooBig(Router, 1300, Tunnelled(inner, Correspondent, CareOf)));
        side.Classifier.ClassifyInbound(PacketTooBig(Router, 1300, Tunnelled(inner, HomeAgent, Router)));
        side.Classifier.ClassifyInbound(PacketTooBig(Router, 1300, inner));
        Assert.That(side.Binding.PathMtu, Is.Zero);
    }

    [Test]
    public void A_packet_beyond_the_learned_tunnel_mtu_is_answered_with_a_rate_limited_packet_too_big_from_the_home_agent()
    {
        var side = HomeAgentSide();
        side.Binding.LowerPathMtu(1400);
        var fromTun = new PacketBatch();
        fromTun.TryAdd(Packet(Correspondent, HomeAddress, 1361)); // 1361 + 40 > 1400
        fromTun.TryAdd(Packet(Correspondent, HomeAddress, 1360)); // fits
        var toTunnel = new PacketBatch();

        Assert.That(side.Forwarder.ProcessFromTun(fromTun, toTunnel), Is.EqualTo(2));

        Assert.That(side.Counters.Drops(DropReason.ExceedsTunnelMtu), Is.EqualTo(1));
        Assert.That(side.Counters.Snapshot()["dataplane_drop_exceeds_tunnel_mtu"], Is.EqualTo(1));
        Assert.That(Ipv6Packet.TryParse(toTunnel[0], out var answer), Is.True);
        Assert.That((answer.Header.SourceAddress, answer.Header.DestinationAddress), Is.EqualTo((HomeAgent, Correspondent)));
        Assert.That(answer.UpperLayerProtocol, Is.EqualTo(IpProtocol.Icmpv6));
        var icmp = answer.UpperLayer;
        Assert.That((icmp[0], icmp[1]), Is.EqualTo(((byte)2, (byte)0)));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(icmp[4..]), Is.EqualTo(1360), "the tunnel MTU less the tunnel header");
        Assert.That(toTunnel[0].Length, Is.EqualTo(1280), "as much of the invoking packet as fits in the minimum MTU");
        Assert.That(icmp[8..].ToArray(), Is.EqualTo(fromTun[0][..1232].ToArray()));
        Assert.That(InternetChecksum.Compute(toTunnel[0].Slice(8, 16), toTunnel[0].Slice(24, 16), IpProtocol.Icmpv6, icmp), Is.Zero, "valid checksum");
        Assert.That(toTunnel[1][6], Is.EqualTo(IpProtocol.Ipv6), "the packet that fits is tunnelled");

        fromTun.RemoveAt(1);
        toTunnel.Clear();
        Assert.That(side.Forwarder.ProcessFromTun(fromTun, toTunnel), Is.Zero, "within the interval: dropped, not answered");
        Assert.That(side.Forwarder.PacketTooBigs.Suppressed, Is.EqualTo(1));
        side.Time.Advance(TunnelForwarder.PacketTooBigInterval);
        Assert.That(side.Forwarder.ProcessFromTun(fromTun, toTunnel), Is.EqualTo(1));
        Assert.That(side.Counters.Drops(DropReason.ExceedsTunnelMtu), Is.EqualTo(3));
    }

    [Test]
    public void No_packet_too_big_answers_an_icmp_error_or_an_unspecified_source()
    {
        var side = HomeAgentSide();
        side.Binding.LowerPathMtu(1280);
        var fromTun = new PacketBatch();
        fromTun.TryAdd(Packet(Correspondent, HomeAddress, 1300, IpProtocol.Icmpv6, 1)); // destination unreachable
        fromTun.TryAdd(Packet(IPAddress.IPv6Any, HomeAddress, 1300));
        var toTunnel = new PacketBatch();

        Assert.That(side.Forwarder.ProcessFromTun(fromTun, toTunnel), Is.Zero);
        Assert.That(side.Counters.Drops(DropReason.ExceedsTunnelMtu), Is.EqualTo(2));
    }

    [Test]
    public void A_new_binding_for_the_home_address_starts_without_the_learned_mtu()
    {
        var side = HomeAgentSide();
        side.Binding.LowerPathMtu(1300);
        side.Table.Set(new TunnelBinding(HomeAddress, HomeAgent, CareOf, sequence: 2), out _);
        Assert.That(side.Binding.PathMtu, Is.Zero);
    }
}
