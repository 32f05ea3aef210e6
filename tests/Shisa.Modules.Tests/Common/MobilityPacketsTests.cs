using System.Net;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;

namespace Shisa.Modules.Tests.Common;

public class MobilityPacketsTests
{
    // mh_bu.json "bu_home_registration_altcoa": CoA -> HA, HAO = HoA, BU A|H seq 1000 lifetime 30, Alternate CoA.
    private const string BuAltCoa = "6000000000383c4020010db800a10000000000fffe00001020010db8000100000000000000000001870201020000c91020010db80001000000000000000001003b0305006d5f03e8c000001e0100031020010db800a10000000000fffe000010";

    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");

    private static SignallingPacket Packet(byte[] bytes) =>
        new(bytes, SignallingKinds.MobilityHeader, "eth0", 2, DateTimeOffset.UnixEpoch);

    [Test]
    public void Reads_a_home_registration_with_its_home_address_option()
    {
        Assert.That(MobilityPackets.TryRead(Packet(Convert.FromHexString(BuAltCoa)), out var received, out var refusal, out _), Is.True, refusal.ToString());
        Assert.That(received!.Message, Is.InstanceOf<BindingUpdate>());
        Assert.That(received.Source, Is.EqualTo(CareOf));
        Assert.That(received.HomeAddress, Is.EqualTo(Home));
        Assert.That(received.Sender, Is.EqualTo(Home));
        Assert.That(received.Destination, Is.EqualTo(HomeAgent));
        Assert.That(((BindingUpdate)received.Message).Sequence, Is.EqualTo(1000));
    }

    [Test]
    public void Writes_the_same_bytes_it_read()
    {
        MobilityPackets.TryRead(Packet(Convert.FromHexString(BuAltCoa)), out var received, out _, out _);
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobilityPackets.TryWrite(received!.Message, new Ipv6Envelope(CareOf, HomeAgent, HomeAddress: Home), buffer, out int n), Is.True);
        Assert.That(Convert.ToHexString(buffer, 0, n).ToLowerInvariant(), Is.EqualTo(BuAltCoa));
    }

    [Test]
    public void Refuses_a_packet_whose_checksum_does_not_cover_the_home_address()
    {
        var bytes = Convert.FromHexString(BuAltCoa);
        bytes[^1] ^= 0x01; // the Alternate CoA's last octet: the MH checksum no longer matches
        Assert.That(MobilityPackets.TryRead(Packet(bytes), out _, out var refusal, out var error), Is.False);
        Assert.That(refusal, Is.EqualTo(ReceiveRefusal.MobilityHeader));
        Assert.That(error, Is.EqualTo(MobilityParseError.BadChecksum));
    }

    [Test]
    public void Sends_through_the_data_plane()
    {
        var sender = new RecordingSender();
        var ba = new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 1000, 30);
        Assert.That(MobilityPackets.Send(sender, ba, new Ipv6Envelope(HomeAgent, CareOf, RoutingHomeAddress: Home)), Is.True);
        Assert.That(sender.Packets, Has.Count.EqualTo(1));
        Assert.That(MobilityPackets.TryRead(Packet(sender.Packets[0]), out var back, out _, out _), Is.True);
        Assert.That(back!.Message, Is.EqualTo(ba));
        Assert.That(back.RoutingHomeAddress, Is.EqualTo(Home));
    }

    private sealed class RecordingSender : Shisa.DataPlane.IPacketSender
    {
        public List<byte[]> Packets { get; } = [];

        public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
        {
            Packets.Add(ipv6Packet.ToArray());
            return true;
        }
    }
}
