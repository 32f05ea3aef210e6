using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Tunnels;
using static Shisa.DataPlane.Tests.Tunnels.PacketClassifierTests;

namespace Shisa.DataPlane.Tests.Tunnels;

/// <summary>
/// No allocation on the forwarding path (issue 14, DESIGN's embedded-board rule): a million packets encapsulated
/// from the TUN and a million decapsulated from a port allocate nothing on the forwarding thread.
/// </summary>
public class ForwardingAllocationTests
{
    private const int Packets = 1_000_000;
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");

    private static TunnelForwarder HomeAgentForwarder(out DataPlaneCounters counters)
    {
        var local = new LocalAddressSet();
        local.Set("options", [HomeAgent]);
        var table = new BindingTable(16);
        table.Set(new TunnelBinding(HomeAddress, HomeAgent, CareOf), out _);
        counters = new DataPlaneCounters();
        return new TunnelForwarder(new PacketClassifier(local, table, null), counters, new SignallingHub(), new FakeTimeProvider());
    }

    private static PacketBatch Full(byte[] frame)
    {
        var batch = new PacketBatch();
        while (batch.TryAdd(frame))
        {
        }

        return batch;
    }

    [Test]
    public void A_million_packets_encapsulated_from_the_tun_allocate_nothing()
    {
        var forwarder = HomeAgentForwarder(out var counters);
        var fromTun = Full(Packet("ipv6_in_ipv6.json", "tunnel_ha_to_mn")[40..]);
        var toTunnel = new PacketBatch();
        forwarder.ProcessFromTun(fromTun, toTunnel); // JIT and first-use work outside the measurement
        toTunnel.Clear();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int sent = 0; sent < Packets; sent += fromTun.Count)
        {
            forwarder.ProcessFromTun(fromTun, toTunnel);
            toTunnel.Clear();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(counters.Encapsulated, Is.GreaterThanOrEqualTo(Packets), "the packets were encapsulated");
        Assert.That(allocated, Is.Zero, "bytes allocated across a million encapsulations");
    }

    [Test]
    public void A_million_tunnelled_packets_decapsulated_from_a_port_allocate_nothing()
    {
        var forwarder = HomeAgentForwarder(out var counters);
        var packet = Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha");
        var frame = new byte[14 + packet.Length];
        frame[12] = 0x86;
        frame[13] = 0xDD;
        packet.CopyTo(frame, 14);
        var received = Full(frame);
        var (port, _) = MemoryHub.CreatePair();
        var toTun = new PacketBatch();
        forwarder.ProcessReceived(port, received, toTun);
        toTun.Clear();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int done = 0; done < Packets; done += received.Count)
        {
            forwarder.ProcessReceived(port, received, toTun);
            toTun.Clear();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(counters.Decapsulated, Is.GreaterThanOrEqualTo(Packets), "the packets were decapsulated");
        Assert.That(allocated, Is.Zero, "bytes allocated across a million decapsulations");
    }
}
