using System.Net;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;
using Shisa.EndToEnd.Tests.Topology;
using static Shisa.EndToEnd.Tests.Ports.PortTestHelpers;

namespace Shisa.EndToEnd.Tests.Ports;

[TestFixture]
[NonParallelizable]
public class TunAndRawSenderTests
{
    private static readonly IPAddress TunAddress = IPAddress.Parse("2001:db8:77::1");
    private static readonly IPAddress Behind = IPAddress.Parse("2001:db8:99::5"); // routed into the TUN, assigned nowhere
    private NamespacePair _pair = null!;

    [OneTimeSetUp]
    public void CreateNamespaces()
    {
        Assume.That(Host.IsRoot, Is.True, "needs root (network namespaces)");
        _pair = NamespacePair.Create();
        Host.Sysctl(_pair.A, "net.ipv6.conf.all.forwarding=1");
        Host.Run("ip", "-n", _pair.B, "-6", "route", "add", "2001:db8:99::/64", "via", NamespacePair.AddressA.ToString());
        Host.Run("ip", "-n", _pair.B, "-6", "route", "add", "2001:db8:77::/64", "via", NamespacePair.AddressA.ToString());
    }

    [OneTimeTearDown]
    public void RemoveNamespaces() => _pair?.Dispose();

    [Test]
    public void Tun_reads_what_the_kernel_routes_into_it_and_the_kernel_routes_what_is_written()
    {
        using var tun = NetworkNamespace.Invoke(_pair.A, () =>
        {
            var device = TunDevice.Create("shtun%d");
            device.SetMtu(1400);
            device.SetTxQueueLength(TunDevice.DefaultTxQueueLength);
            device.AddAddress(TunAddress, 64);
            device.SetUp();
            return device;
        });
        Assert.That(tun.Name, Does.StartWith("shtun"));
        Assert.That(tun.Mtu, Is.EqualTo(1400));
        string link = Host.Run("ip", "-n", _pair.A, "link", "show", "dev", tun.Name).StandardOutput;
        Assert.That(link, Does.Contain("mtu 1400").And.Contain("qlen 1000").And.Contain(",UP"));
        Host.Run("ip", "-n", _pair.A, "-6", "route", "add", "2001:db8:99::/64", "dev", tun.Name);

        // Kernel -> TUN: A's own echo request to an address routed into the TUN.
        Host.TryExec(_pair.A, "ping", "-6", "-n", "-c", "1", "-W", "0.2", Behind.ToString());
        var routedIn = ReceiveMatching(tun, r => TestPackets.IcmpTypeOf(r.Frame) == 128, 1, TimeSpan.FromSeconds(2));
        Assert.That(routedIn, Has.Count.EqualTo(1));
        Assert.That(TestPackets.DestinationOf(routedIn[0].Frame), Is.EqualTo(Behind));

        // TUN -> kernel -> va -> B, and B's answer back through A's routing into the TUN.
        var batch = new PacketBatch();
        var slot = batch.GetNextSlot();
        batch.Commit(TestPackets.WriteEchoRequest(slot, Behind, NamespacePair.AddressB, 0x4242, 1));
        Assert.That(tun.Send(batch), Is.EqualTo(1));
        var answers = ReceiveMatching(tun, r => TestPackets.IcmpTypeOf(r.Frame) == 129 && TestPackets.EchoIdentifierOf(r.Frame) == 0x4242, 1, TimeSpan.FromSeconds(3));
        Assert.That(answers, Has.Count.EqualTo(1), "B answered the packet written into the TUN");
        Assert.That(TestPackets.SourceOf(answers[0].Frame), Is.EqualTo(NamespacePair.AddressB));
        Assert.That(tun.Counters.Sent, Is.EqualTo(1));
        Assert.That(tun.Counters.Received, Is.GreaterThanOrEqualTo(2));

        string name = tun.Name;
        tun.Dispose();
        Assert.That(Host.TryRun("ip", "-n", _pair.A, "link", "show", "dev", name).Succeeded, Is.False, "the TUN is gone with its descriptor");
    }

    [Test]
    public void Raw_sender_sends_a_packet_with_a_foreign_source_address()
    {
        using var port = NetworkNamespace.Invoke(_pair.B, () => AfPacketPort.Open(
            _pair.InterfaceB,
            new AfPacketPortOptions { Filter = ClassicBpfProgram.Ipv6NextHeaders(58, 135) }));
        using var sender = NetworkNamespace.Invoke(_pair.A, () => RawIpv6Sender.Open(_pair.InterfaceA));
        IPacketSenderCheck(sender);

        Span<byte> packet = stackalloc byte[128];
        int length = TestPackets.WriteEchoRequest(packet, Behind, NamespacePair.AddressB, 0x1234, 7);
        Assert.That(sender.TrySend(packet[..length]), Is.True);

        var arrived = ReceiveMatching(port, r => TestPackets.IcmpTypeOf(TestPackets.Ipv6Of(r.Frame)) == 128, 1, TimeSpan.FromSeconds(2));
        Assert.That(arrived, Has.Count.EqualTo(1));
        Assert.That(TestPackets.SourceOf(TestPackets.Ipv6Of(arrived[0].Frame)), Is.EqualTo(Behind), "the source went out as given");

        // A batch through sendmmsg, with a Mobility Header the kernel would never build itself.
        var batch = new PacketBatch();
        batch.Commit(TestPackets.WriteMobilityHeader(batch.GetNextSlot(), Behind, NamespacePair.AddressB));
        batch.Commit(TestPackets.WriteEchoRequest(batch.GetNextSlot(), Behind, NamespacePair.AddressB, 0x1234, 8));
        Assert.That(sender.Send(batch), Is.EqualTo(2));
        var more = ReceiveMatching(port, r => TestPackets.Ipv6Of(r.Frame)[6] is 135 or 58 && TestPackets.SourceOf(TestPackets.Ipv6Of(r.Frame)).Equals(Behind), 2, TimeSpan.FromSeconds(2));
        Assert.That(more, Has.Count.EqualTo(2));
        Assert.That(sender.Sent, Is.EqualTo(3));

        // Failures are counted, not thrown: no route (A has no default route), and not IPv6 at all.
        length = TestPackets.WriteEchoRequest(packet, Behind, IPAddress.Parse("2001:db8:dead::1"), 1, 1);
        Assert.That(sender.TrySend(packet[..length]), Is.False);
        Assert.That(sender.FailuresWith(101), Is.EqualTo(1), "ENETUNREACH");
        Assert.That(sender.TrySend(new byte[10]), Is.False);
        Assert.That(sender.Failed, Is.EqualTo(2));
    }

    private static void IPacketSenderCheck(Shisa.DataPlane.IPacketSender sender) => Assert.That(sender, Is.Not.Null);
}
