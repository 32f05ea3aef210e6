using System.Net;
using Shisa.DataPlane.Neighbors;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Tests.Neighbors;

public class NeighborPacketsTests
{
    private static readonly byte[] Mac = [0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc];
    private static readonly IPAddress Target = IPAddress.Parse("2001:db8:1::1:2345");

    [Test]
    public void A_DAD_probe_goes_from_unspecified_to_the_solicited_node_group()
    {
        var frame = new byte[NeighborPackets.DadSolicitationFrameLength];
        int length = NeighborPackets.WriteDadSolicitation(frame, Mac, Target.GetAddressBytes());
        Assert.That(length, Is.EqualTo(78));
        Assert.That(frame[..6], Is.EqualTo(new byte[] { 0x33, 0x33, 0xff, 0x01, 0x23, 0x45 }));
        Assert.That(frame[6..12], Is.EqualTo(Mac));
        var packet = frame.AsSpan(14);
        Assert.That(Ipv6Header.TryRead(packet, out var header), Is.True);
        Assert.That(header.SourceAddress, Is.EqualTo(IPAddress.IPv6Any));
        Assert.That(header.DestinationAddress, Is.EqualTo(IPAddress.Parse("ff02::1:ff01:2345")));
        Assert.That(header.HopLimit, Is.EqualTo(255));
        Assert.That(Icmpv6Header.TryRead(packet[40..], out var icmp), Is.True);
        Assert.That(icmp.VerifyChecksum(header.Source, header.Destination), Is.True);
        Assert.That(NeighborPackets.TryRead(packet, out byte type, out var target, out bool unspecified), Is.True);
        Assert.That(type, Is.EqualTo(NeighborPackets.NeighborSolicitation));
        Assert.That(new IPAddress(target), Is.EqualTo(Target));
        Assert.That(unspecified, Is.True);
    }

    [Test]
    public void An_unsolicited_advertisement_overrides_and_names_our_link_address()
    {
        var frame = new byte[NeighborPackets.AdvertisementFrameLength];
        var source = IPAddress.Parse("2001:db8:1::1").GetAddressBytes();
        int length = NeighborPackets.WriteUnsolicitedAdvertisement(frame, Mac, source, Target.GetAddressBytes());
        Assert.That(length, Is.EqualTo(86));
        Assert.That(frame[..6], Is.EqualTo(new byte[] { 0x33, 0x33, 0, 0, 0, 1 }));
        var packet = frame.AsSpan(14);
        Assert.That(Ipv6Header.TryRead(packet, out var header), Is.True);
        Assert.That(header.DestinationAddress, Is.EqualTo(IPAddress.Parse("ff02::1")));
        Assert.That(Icmpv6Header.TryRead(packet[40..], out var icmp), Is.True);
        Assert.That(icmp.VerifyChecksum(header.Source, header.Destination), Is.True);
        Assert.That(packet[44], Is.EqualTo(0x20), "O set, R and S clear");
        Assert.That(packet[64..66].ToArray(), Is.EqualTo(new byte[] { 2, 1 }));
        Assert.That(packet[66..72].ToArray(), Is.EqualTo(Mac));
        Assert.That(NeighborPackets.TryRead(packet, out byte type, out _, out bool unspecified), Is.True);
        Assert.That(type, Is.EqualTo(NeighborPackets.NeighborAdvertisement));
        Assert.That(unspecified, Is.False);
    }

    [Test]
    public void Reading_refuses_other_messages_and_a_hop_limit_below_255()
    {
        var frame = new byte[NeighborPackets.DadSolicitationFrameLength];
        NeighborPackets.WriteDadSolicitation(frame, Mac, Target.GetAddressBytes());
        var packet = frame.AsSpan(14).ToArray();
        packet[7] = 254;
        Assert.That(NeighborPackets.TryRead(packet, out _, out _, out _), Is.False);
        Assert.That(NeighborPackets.TryRead(packet.AsSpan(0, 50), out _, out _, out _), Is.False);
    }
}
