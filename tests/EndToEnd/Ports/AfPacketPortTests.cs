using System.Net;
using System.Net.Sockets;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Wire;
using Shisa.EndToEnd.Tests.Topology;
using static Shisa.EndToEnd.Tests.Ports.PortTestHelpers;

namespace Shisa.EndToEnd.Tests.Ports;

[TestFixture]
[NonParallelizable]
public class AfPacketPortTests
{
    private NamespacePair _pair = null!;

    [OneTimeSetUp]
    public void CreateNamespaces()
    {
        Assume.That(Host.IsRoot, Is.True, "needs root (network namespaces)");
        _pair = NamespacePair.Create();
    }

    [OneTimeTearDown]
    public void RemoveNamespaces() => _pair?.Dispose();

    [Test]
    public void Receives_frames_sent_between_namespaces_through_a_pcap_compiled_filter()
    {
        using var port = NetworkNamespace.Invoke(_pair.B, () => AfPacketPort.Open(
            _pair.InterfaceB,
            new AfPacketPortOptions { Filter = ClassicBpfProgram.Compile("icmp6 and ip6[40] == 128") }));
        Assert.That(port.InterfaceIndex, Is.GreaterThan(0));
        Assert.That(port.Mtu, Is.EqualTo(1500));
        Assert.That(port.LinkAddress.GetAddressBytes(), Is.EqualTo(_pair.LinkAddressB));

        Assert.That(Host.Ping(_pair.A, NamespacePair.AddressB, count: 3), Is.True);

        var requests = ReceiveAll(port, TimeSpan.FromMilliseconds(300));
        Assert.That(requests, Has.Count.EqualTo(3), "three echo requests, and nothing the filter excludes (replies, ND)");
        foreach (var request in requests)
        {
            var packet = TestPackets.Ipv6Of(request.Frame);
            Assert.That(TestPackets.IcmpTypeOf(packet), Is.EqualTo(128));
            Assert.That(TestPackets.SourceOf(packet), Is.EqualTo(NamespacePair.AddressA));
            Assert.That(request.Info.PacketType, Is.EqualTo(LinkPacketType.Host));
        }

        Assert.That(port.Counters.Received, Is.EqualTo(3));
    }

    [Test]
    public void Sends_a_batch_that_the_peer_kernel_answers()
    {
        using var port = NetworkNamespace.Invoke(_pair.A, () => AfPacketPort.Open(
            _pair.InterfaceA,
            new AfPacketPortOptions { Filter = ClassicBpfProgram.Ipv6NextHeaders(58) }));
        var batch = new PacketBatch();
        const ushort identifier = 0x5151;
        for (ushort sequence = 1; sequence <= 5; sequence++)
        {
            var slot = batch.GetNextSlot();
            int length = TestPackets.WriteEchoRequest(slot[TestPackets.EthernetHeaderLength..], NamespacePair.AddressA, NamespacePair.AddressB, identifier, sequence);
            batch.Commit(TestPackets.WriteEthernetHeader(slot, _pair.LinkAddressB, port.LinkAddress.GetAddressBytes(), length));
        }

        Assert.That(port.Send(batch), Is.EqualTo(5));
        Assert.That(port.Counters.Sent, Is.EqualTo(5));

        var replies = ReceiveMatching(
            port,
            r => TestPackets.IcmpTypeOf(TestPackets.Ipv6Of(r.Frame)) == 129 && TestPackets.EchoIdentifierOf(TestPackets.Ipv6Of(r.Frame)) == identifier,
            5,
            TimeSpan.FromSeconds(3));
        Assert.That(replies, Has.Count.EqualTo(5), "B's kernel answers every echo request the port sent");
    }

    [Test]
    public void Ignore_outgoing_hides_what_this_host_sends()
    {
        var filter = ClassicBpfProgram.Ipv6NextHeaders(58);
        using var seesAll = NetworkNamespace.Invoke(_pair.A, () => AfPacketPort.Open(_pair.InterfaceA, new AfPacketPortOptions { Filter = filter, IgnoreOutgoing = false }));
        using var ignores = NetworkNamespace.Invoke(_pair.A, () => AfPacketPort.Open(_pair.InterfaceA, new AfPacketPortOptions { Filter = filter, IgnoreOutgoing = true }));

        // The kernel in A sends echo requests; the port itself sends one too.
        Assert.That(Host.Ping(_pair.A, NamespacePair.AddressB, count: 2), Is.True);
        var batch = new PacketBatch();
        var slot = batch.GetNextSlot();
        int length = TestPackets.WriteEchoRequest(slot[TestPackets.EthernetHeaderLength..], NamespacePair.AddressA, NamespacePair.AddressB, 0x7777, 1);
        batch.Commit(TestPackets.WriteEthernetHeader(slot, _pair.LinkAddressB, ignores.LinkAddress.GetAddressBytes(), length));
        Assert.That(ignores.Send(batch), Is.EqualTo(1));

        static bool IsRequest(Received r) => TestPackets.IcmpTypeOf(TestPackets.Ipv6Of(r.Frame)) == 128;
        static bool IsReply(Received r) => TestPackets.IcmpTypeOf(TestPackets.Ipv6Of(r.Frame)) == 129;
        var all = ReceiveAll(seesAll, TimeSpan.FromMilliseconds(500));
        var ignored = ReceiveAll(ignores, TimeSpan.FromMilliseconds(200));

        Assert.That(all.Count(IsRequest), Is.EqualTo(3), "without PACKET_IGNORE_OUTGOING: the kernel's two requests and the port's own");
        Assert.That(all.Where(IsRequest).Select(r => r.Info.PacketType), Is.All.EqualTo(LinkPacketType.Outgoing));
        Assert.That(ignored.Count(IsRequest), Is.Zero, "with PACKET_IGNORE_OUTGOING nothing sent from this host is seen");
        Assert.That(ignored.Count(IsReply), Is.EqualTo(3), "incoming replies are still seen");
    }

    [Test]
    public void Completes_partial_checksums_that_veth_hands_over()
    {
        using var port = NetworkNamespace.Invoke(_pair.B, () => AfPacketPort.Open(
            _pair.InterfaceB,
            new AfPacketPortOptions { Filter = ClassicBpfProgram.Ipv6NextHeaders(17) }));

        // A kernel UDP socket in A: veth leaves its checksum partial (CHECKSUM_PARTIAL) for B's side to see.
        NetworkNamespace.Invoke(_pair.A, () =>
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            socket.SendTo(new byte[100], new IPEndPoint(NamespacePair.AddressB, 9999));
        });

        var frames = ReceiveMatching(port, _ => true, 1, TimeSpan.FromSeconds(2));
        Assert.That(frames, Has.Count.EqualTo(1));
        var packet = TestPackets.Ipv6Of(frames[0].Frame);
        TestContext.Out.WriteLine($"flags: {frames[0].Info.Flags}");
        Assert.That(frames[0].Info.Flags & FrameFlags.ChecksumCompleted, Is.EqualTo(FrameFlags.ChecksumCompleted), "TP_STATUS_CSUMNOTREADY seen and completed");
        ushort verify = InternetChecksum.Compute(packet.Slice(8, 16), packet.Slice(24, 16), 17, packet[40..]);
        Assert.That(verify, Is.Zero, "the completed UDP checksum verifies");
        Assert.That(port.Counters.ChecksumsCompleted, Is.EqualTo(1));
    }

    [Test]
    public void Frames_over_the_MTU_are_counted_not_silently_lost()
    {
        using var port = NetworkNamespace.Invoke(_pair.A, () => AfPacketPort.Open(_pair.InterfaceA));
        var batch = new PacketBatch(4, 4096);
        var slot = batch.GetNextSlot();
        int length = TestPackets.WriteEchoRequest(slot[TestPackets.EthernetHeaderLength..], NamespacePair.AddressA, NamespacePair.AddressB, 1, 1, payloadLength: 1500);
        batch.Commit(TestPackets.WriteEthernetHeader(slot, _pair.LinkAddressB, port.LinkAddress.GetAddressBytes(), length));

        Assert.That(port.Send(batch), Is.Zero);
        Assert.That(port.Counters.Oversize, Is.EqualTo(1));
    }

    [Test]
    public void Dispose_wakes_a_receiver_blocked_without_timeout()
    {
        var port = NetworkNamespace.Invoke(_pair.A, () => AfPacketPort.Open(_pair.InterfaceA, new AfPacketPortOptions { Filter = ClassicBpfProgram.Ipv6NextHeaders(135) }));
        var receiver = Task.Run(() => port.Receive(new PacketBatch(), -1));
        Thread.Yield();
        Assert.That(receiver.Wait(100), Is.False, "nothing to receive yet");
        port.Dispose();
        Assert.That(receiver.Wait(TimeSpan.FromSeconds(2)), Is.True, "the blocked Receive returned");
        Assert.That(receiver.Result, Is.Zero);
    }
}
