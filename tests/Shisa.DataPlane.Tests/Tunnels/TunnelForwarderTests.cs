using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Tunnels;
using static Shisa.DataPlane.Tests.Tunnels.PacketClassifierTests;

namespace Shisa.DataPlane.Tests.Tunnels;

public class TunnelForwarderTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");

    private static byte[] Frame(byte[] packet)
    {
        var frame = new byte[14 + packet.Length];
        frame[0] = 0x02;
        frame[6] = 0x02;
        frame[11] = 0x01;
        frame[12] = 0x86;
        frame[13] = 0xDD;
        packet.CopyTo(frame, 14);
        return frame;
    }

    private static (TunnelForwarder Forwarder, SignallingHub Hub, DataPlaneCounters Counters) HomeAgentForwarder(bool withBinding = true)
    {
        var local = new LocalAddressSet();
        local.Set("options", [HomeAgent]);
        var table = new BindingTable(16);
        if (withBinding)
        {
            table.Set(new TunnelBinding(HomeAddress, HomeAgent, CareOf), out _);
        }

        var hub = new SignallingHub();
        var counters = new DataPlaneCounters();
        return (new TunnelForwarder(new PacketClassifier(local, table, null), counters, hub, new FakeTimeProvider()), hub, counters);
    }

    [Test]
    public void Received_frames_are_sorted_into_signalling_tun_packets_and_drops()
    {
        var (forwarder, hub, counters) = HomeAgentForwarder();
        using var signalling = hub.Subscribe("test", SignallingKinds.MobilityHeader);
        var (port, _) = MemoryHub.CreatePair();
        var received = new PacketBatch();
        received.TryAdd(Frame(Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha")));
        received.TryAdd(Frame(Packet("mh_bu.json", "bu_home_registration")));
        received.TryAdd(Frame(Packet("ipv6_in_ipv6.json", "nemo_reverse_tunnel"))); // no prefix registered
        var toTun = new PacketBatch();

        forwarder.ProcessReceived(port, received, toTun);

        Assert.That(toTun.Count, Is.EqualTo(1));
        Assert.That(toTun[0].ToArray(), Is.EqualTo(Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha")[40..]));
        Assert.That(signalling.Reader.TryRead(out var delivered), Is.True);
        Assert.That(delivered!.Packet.ToArray(), Is.EqualTo(Packet("mh_bu.json", "bu_home_registration")));
        Assert.That(delivered.Kind, Is.EqualTo(SignallingKinds.MobilityHeader));
        Assert.That(delivered.Tunnelled, Is.False);
        Assert.That(counters.Decapsulated, Is.EqualTo(1));
        Assert.That(counters.SignallingDelivered, Is.EqualTo(1));
        Assert.That(counters.Drops(DropReason.NoBinding), Is.EqualTo(1));
        Assert.That(counters.Snapshot()["dataplane_drop_no_binding"], Is.EqualTo(1));
    }

    [Test]
    public void Tunnelled_signalling_carries_the_tunnel_addresses()
    {
        var local = new LocalAddressSet();
        local.Set("interfaces", [CareOf, HomeAddress]);
        var hub = new SignallingHub();
        using var signalling = hub.Subscribe("test", SignallingKinds.MobilityHeader);
        var forwarder = new TunnelForwarder(new PacketClassifier(local, null, new BindingTable(4)), new DataPlaneCounters(), hub, new FakeTimeProvider());
        var received = new PacketBatch();
        var packet = Packet("mh_hot.json", "hot_tunnelled_by_ha");
        received.TryAdd(Frame(packet));
        forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, new PacketBatch());
        Assert.That(signalling.Reader.TryRead(out var delivered), Is.True);
        Assert.That(delivered!.TunnelSource, Is.EqualTo(HomeAgent));
        Assert.That(delivered.TunnelDestination, Is.EqualTo(CareOf));
        Assert.That(delivered.Packet.ToArray(), Is.EqualTo(packet[40..]));
    }

    [Test]
    public void Truncated_frames_are_counted_not_parsed()
    {
        var (forwarder, _, counters) = HomeAgentForwarder();
        var (a, b) = MemoryHub.CreatePair(mtu: 1500);
        var send = new PacketBatch(1, 4096);
        var big = new byte[1514];
        Frame(Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha")).CopyTo(big, 0);
        send.TryAdd(big);
        a.Send(send);
        var received = new PacketBatch(4, 256);
        Assert.That(b.Receive(received, 0), Is.EqualTo(1));
        forwarder.ProcessReceived(b, received, new PacketBatch());
        Assert.That(counters.Drops(DropReason.Truncated), Is.EqualTo(1));
    }

    [Test]
    public void Packets_from_the_tun_are_encapsulated_into_the_send_batch()
    {
        var (forwarder, _, counters) = HomeAgentForwarder();
        var fromTun = new PacketBatch();
        fromTun.TryAdd(Packet("ipv6_in_ipv6.json", "tunnel_ha_to_mn")[40..]);
        fromTun.TryAdd(Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha")[40..]); // to the correspondent: no binding
        var toTunnel = new PacketBatch();
        Assert.That(forwarder.ProcessFromTun(fromTun, toTunnel), Is.EqualTo(1));
        Assert.That(toTunnel[0].ToArray(), Is.EqualTo(Packet("ipv6_in_ipv6.json", "tunnel_ha_to_mn")));
        Assert.That(counters.Encapsulated, Is.EqualTo(1));
        Assert.That(counters.Drops(DropReason.NoBinding), Is.EqualTo(1));
    }

    [Test]
    public void The_forwarding_loop_allocates_nothing_per_packet()
    {
        var (forwarder, _, counters) = HomeAgentForwarder();
        var port = MemoryHub.CreatePair().A;
        var received = new PacketBatch();
        var tunnelled = Frame(Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha"));
        var wrongSource = Frame(Packet("ipv6_in_ipv6.json", "nemo_reverse_tunnel"));
        for (int i = 0; i < received.Capacity; i++)
        {
            received.TryAdd(i % 8 == 7 ? wrongSource : tunnelled);
        }

        var fromTun = new PacketBatch();
        var inner = Packet("ipv6_in_ipv6.json", "tunnel_ha_to_mn")[40..];
        while (fromTun.TryAdd(inner))
        {
        }

        var toTun = new PacketBatch();
        var toTunnel = new PacketBatch();

        long Run(int rounds)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int r = 0; r < rounds; r++)
            {
                forwarder.ProcessReceived(port, received, toTun);
                toTun.Clear();
                forwarder.ProcessFromTun(fromTun, toTunnel);
                toTunnel.Clear();
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Run(10);
        long allocated = Run(1000);
        Assert.That(allocated, Is.Zero, "bytes over 128k packets");
        Assert.That(counters.Decapsulated, Is.EqualTo(1010 * 56));
        Assert.That(counters.Encapsulated, Is.EqualTo(1010 * 64));
    }
}
