using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Tunnels;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using static Shisa.DataPlane.Tests.Tunnels.PacketClassifierTests;

namespace Shisa.DataPlane.Tests.Tunnels;

/// <summary>
/// Route optimization on the forwarding path (RFC 6275 9.3, 11.3) on byte arrays: the vectors hao.json and rh2.json are
/// exactly what the mobile node and the correspondent send for a plain echo between the home address and cn.
/// </summary>
public class RouteOptimizationForwardingTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    private static readonly IPAddress OtherCareOf = IPAddress.Parse("2001:db8:a2::ff:fe00:10");
    private static readonly IPAddress Correspondent = IPAddress.Parse("2001:db8:c::2");

    private static byte[] WithHao => Packet("hao.json", "echo_request_with_hao");

    private static byte[] WithRh2 => Packet("rh2.json", "echo_reply_with_rh2");

    /// <summary>The route-optimized vector as the upper layers send it: one IPv6 header, the ICMPv6 message after it.</summary>
    private static byte[] Plain(byte[] optimized, IPAddress source, IPAddress destination)
    {
        var icmp = optimized.AsSpan(64);
        var packet = new byte[40 + icmp.Length];
        optimized.AsSpan(0, 8).CopyTo(packet);
        packet[4] = 0;
        packet[5] = (byte)icmp.Length;
        packet[6] = IpProtocol.Icmpv6;
        source.GetAddressBytes().CopyTo(packet, 8);
        destination.GetAddressBytes().CopyTo(packet, 24);
        icmp.CopyTo(packet.AsSpan(40));
        return packet;
    }

    private static byte[] Frame(byte[] packet)
    {
        var frame = new byte[14 + packet.Length];
        frame[12] = 0x86;
        frame[13] = 0xDD;
        packet.CopyTo(frame, 14);
        return frame;
    }

    private sealed class Side
    {
        public required TunnelForwarder Forwarder { get; init; }

        public required PacketClassifier Classifier { get; init; }

        public required DataPlaneCounters Counters { get; init; }

        public required SignallingHub Hub { get; init; }

        public required CorrespondentBindingTable Table { get; init; }

        public required FakeTimeProvider Time { get; init; }

        public required List<MobilityMessage> Published { get; init; }
    }

    private static Side MobileNode(bool bound = true)
    {
        var local = new LocalAddressSet();
        local.Set("interfaces", [CareOf, HomeAddress]);
        var registrations = new BindingTable(4);
        registrations.Set(new TunnelBinding(HomeAddress, CareOf, HomeAgent), out _);
        var correspondents = new CorrespondentBindingTable(4);
        if (bound)
        {
            correspondents.Set(new CorrespondentBinding(HomeAddress, CareOf, Correspondent), out _);
        }

        return Build(new PacketClassifier(local, null, registrations, correspondentList: correspondents), correspondents);
    }

    private static Side CorrespondentNode(IPAddress? careOf = null)
    {
        var local = new LocalAddressSet();
        local.Set("interfaces", [Correspondent]);
        var cache = new CorrespondentBindingTable(4);
        if (careOf is not null)
        {
            cache.Set(new CorrespondentBinding(HomeAddress, careOf, Correspondent), out _);
        }

        return Build(new PacketClassifier(local, null, null, correspondentCache: cache), cache);
    }

    private static Side Build(PacketClassifier classifier, CorrespondentBindingTable table)
    {
        var counters = new DataPlaneCounters();
        var hub = new SignallingHub();
        var time = new FakeTimeProvider();
        List<MobilityMessage> published = [];
        var forwarder = new TunnelForwarder(classifier, counters, hub, time, null, published.Add);
        return new Side { Forwarder = forwarder, Classifier = classifier, Counters = counters, Hub = hub, Table = table, Time = time, Published = published };
    }

    [Test]
    public void Mobile_node_sends_a_plain_home_address_echo_to_a_bound_correspondent_as_the_hao_vector()
    {
        var side = MobileNode();
        var fromTun = new PacketBatch();
        fromTun.TryAdd(Plain(WithHao, HomeAddress, Correspondent));
        var toWire = new PacketBatch();

        Assert.That(side.Forwarder.ProcessFromTun(fromTun, toWire), Is.EqualTo(1));

        Assert.That(toWire[0].ToArray(), Is.EqualTo(WithHao));
        Assert.That(side.Counters.HomeAddressOptionsSent, Is.EqualTo(1));
        Assert.That(side.Counters.Encapsulated, Is.Zero);
        Assert.That(side.Counters.Snapshot()["dataplane_ro_hao_sent"], Is.EqualTo(1));
    }

    [Test]
    public void Mobile_node_tunnels_when_not_bound_with_the_correspondent_and_always_tunnels_the_home_test_init()
    {
        var unbound = MobileNode(bound: false);
        var fromTun = new PacketBatch();
        fromTun.TryAdd(Plain(WithHao, HomeAddress, Correspondent));
        var toWire = new PacketBatch();
        unbound.Forwarder.ProcessFromTun(fromTun, toWire);
        Assert.That(toWire[0][6], Is.EqualTo(IpProtocol.Ipv6), "through the tunnel");
        Assert.That(toWire[0].Slice(24, 16).ToArray(), Is.EqualTo(HomeAgent.GetAddressBytes()));

        var bound = MobileNode();
        var hoti = Packet("mh_hoti.json", "hoti_reverse_tunnelled")[40..];
        fromTun.Clear();
        fromTun.TryAdd(hoti);
        toWire.Clear();
        bound.Forwarder.ProcessFromTun(fromTun, toWire);
        Assert.That(toWire[0].ToArray(), Is.EqualTo(Packet("mh_hoti.json", "hoti_reverse_tunnelled")), "RFC 6275 5.2.5: the HoTI goes through the home agent");
        Assert.That(bound.Counters.HomeAddressOptionsSent, Is.Zero);
    }

    [Test]
    public void Correspondent_sends_a_plain_echo_reply_to_a_bound_home_address_as_the_rh2_vector()
    {
        var side = CorrespondentNode(CareOf);
        var fromTun = new PacketBatch();
        fromTun.TryAdd(Plain(WithRh2, Correspondent, HomeAddress));
        var toWire = new PacketBatch();

        Assert.That(side.Forwarder.ProcessFromTun(fromTun, toWire), Is.EqualTo(1));

        Assert.That(toWire[0].ToArray(), Is.EqualTo(WithRh2));
        Assert.That(side.Counters.RoutingHeadersSent, Is.EqualTo(1));
    }

    [Test]
    public void Correspondent_drops_what_the_tun_holds_for_an_unbound_home_address()
    {
        var side = CorrespondentNode();
        var fromTun = new PacketBatch();
        fromTun.TryAdd(Plain(WithRh2, Correspondent, HomeAddress));
        var toWire = new PacketBatch();

        Assert.That(side.Forwarder.ProcessFromTun(fromTun, toWire), Is.Zero);
        Assert.That(side.Counters.Drops(DropReason.NoBinding), Is.EqualTo(1));
    }

    [Test]
    public void Mobile_node_processes_the_rh2_vector_into_the_plain_reply_for_its_home_address()
    {
        var side = MobileNode();
        var received = new PacketBatch();
        received.TryAdd(Frame(WithRh2));
        var toTun = new PacketBatch();

        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, toTun);

        Assert.That(toTun.Count, Is.EqualTo(1));
        var expected = Plain(WithRh2, Correspondent, HomeAddress);
        Assert.That(toTun[0].ToArray(), Is.EqualTo(expected));
        AssertChecksum(toTun[0]);
        Assert.That(side.Counters.RoutingHeadersReceived, Is.EqualTo(1));
        Assert.That(side.Counters.Snapshot()["dataplane_ro_rh2_received"], Is.EqualTo(1));
    }

    [Test]
    public void Mobile_node_drops_a_type_2_routing_header_naming_another_home_address()
    {
        var side = MobileNode();
        var foreign = WithRh2.ToArray();
        foreign[63] = 0x99; // the routing header's home address, last octet
        var received = new PacketBatch();
        received.TryAdd(Frame(foreign));
        var toTun = new PacketBatch();

        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, toTun);

        Assert.That(toTun.Count, Is.Zero);
        Assert.That(side.Counters.Drops(DropReason.RouteOptimization), Is.EqualTo(1));
    }

    [Test]
    public void Correspondent_processes_the_hao_vector_from_the_bound_care_of_address_into_the_plain_request()
    {
        var side = CorrespondentNode(CareOf);
        var received = new PacketBatch();
        received.TryAdd(Frame(WithHao));
        var toTun = new PacketBatch();

        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, toTun);

        Assert.That(toTun.Count, Is.EqualTo(1));
        Assert.That(toTun[0].ToArray(), Is.EqualTo(Plain(WithHao, HomeAddress, Correspondent)));
        AssertChecksum(toTun[0]);
        Assert.That(side.Counters.HomeAddressOptionsReceived, Is.EqualTo(1));
        Assert.That(side.Published, Is.Empty);
    }

    [Test]
    public void Correspondent_keeps_other_destination_options_and_pads_the_home_address_option_out()
    {
        // The HAO vector with its PadN turned into an unknown skippable option (type 0x1E: action 00).
        var packet = WithHao.ToArray();
        packet[42] = 0x1E;
        var side = CorrespondentNode(CareOf);
        var received = new PacketBatch();
        received.TryAdd(Frame(packet));
        var toTun = new PacketBatch();

        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, toTun);

        var result = toTun[0];
        Assert.That(result.Length, Is.EqualTo(packet.Length));
        Assert.That(result.Slice(8, 16).ToArray(), Is.EqualTo(HomeAddress.GetAddressBytes()));
        Assert.That(result[42], Is.EqualTo(0x1E));
        Assert.That(result[46], Is.EqualTo(Ipv6Options.PadN), "the option is padding now");
        Assert.That(Ipv6Packet.TryParse(result, out var parsed) && !parsed.HasHomeAddress, Is.True);
        AssertChecksum(result);
    }

    [Test]
    public void Correspondent_drops_a_home_address_option_without_binding_and_asks_for_one_binding_error_per_interval()
    {
        var side = CorrespondentNode(OtherCareOf); // bound, but to another care-of address
        var received = new PacketBatch();
        received.TryAdd(Frame(WithHao));
        received.TryAdd(Frame(WithHao));
        var toTun = new PacketBatch();

        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, toTun);
        side.Time.Advance(TunnelForwarder.BeHintInterval);
        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, toTun);

        Assert.That(toTun.Count, Is.Zero);
        Assert.That(side.Counters.Drops(DropReason.HomeAddressWithoutBinding), Is.EqualTo(4));
        Assert.That(side.Counters.Snapshot()["dataplane_drop_home_address_without_binding"], Is.EqualTo(4));
        Assert.That(side.Published, Has.Count.EqualTo(2));
        Assert.That(side.Published[0], Is.EqualTo(new BeHint(BindingErrorStatus.UnknownBindingForHomeAddressOption, CareOf, Correspondent, HomeAddress)));
        Assert.That(side.Forwarder.BeHints.Suppressed, Is.EqualTo(2));
    }

    [Test]
    public void Correspondent_leaves_a_binding_update_with_a_home_address_option_to_the_signalling()
    {
        var side = CorrespondentNode();
        using var signalling = side.Hub.Subscribe("test", SignallingKinds.MobilityHeader);
        var received = new PacketBatch();
        received.TryAdd(Frame(Packet("rr_crypto.json", "bu_to_cn_with_bad")));

        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, new PacketBatch());

        Assert.That(signalling.Reader.TryRead(out _), Is.True);
        Assert.That(side.Published, Is.Empty);
    }

    [Test]
    public void Mobile_node_hints_return_routability_for_a_correspondent_packet_through_the_tunnel_once_per_interval()
    {
        var side = MobileNode(bound: false);
        var inner = Plain(WithRh2, Correspondent, HomeAddress);
        var tunnelled = new byte[inner.Length + Ipv6Tunnel.Overhead];
        Ipv6Tunnel.TryEncapsulate(inner, HomeAgent.GetAddressBytes(), CareOf.GetAddressBytes(), tunnelled, out _);
        var received = new PacketBatch();
        received.TryAdd(Frame(tunnelled));
        received.TryAdd(Frame(tunnelled));
        var toTun = new PacketBatch();

        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, toTun);

        Assert.That(toTun.Count, Is.EqualTo(2));
        Assert.That(side.Published, Is.EqualTo(new MobilityMessage[] { new RrHint(HomeAddress, Correspondent) }));
        Assert.That(side.Counters.RrHints, Is.EqualTo(1));

        // Bound with it now: no more hints.
        side.Table.Set(new CorrespondentBinding(HomeAddress, CareOf, Correspondent), out _);
        side.Time.Advance(TunnelForwarder.RrHintInterval);
        toTun.Clear();
        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, toTun);
        Assert.That(side.Published, Has.Count.EqualTo(1));
    }

    [Test]
    public void Mobile_node_does_not_hint_about_the_home_agent_itself()
    {
        var side = MobileNode(bound: false);
        var inner = Plain(WithRh2, HomeAgent, HomeAddress);
        var tunnelled = new byte[inner.Length + Ipv6Tunnel.Overhead];
        Ipv6Tunnel.TryEncapsulate(inner, HomeAgent.GetAddressBytes(), CareOf.GetAddressBytes(), tunnelled, out _);
        var received = new PacketBatch();
        received.TryAdd(Frame(tunnelled));

        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, new PacketBatch());

        Assert.That(side.Published, Is.Empty);
    }

    [Test]
    public void A_parameter_problem_tunnelled_by_the_home_agent_reaches_the_signalling()
    {
        var side = MobileNode();
        using var signalling = side.Hub.Subscribe("test", SignallingKinds.ParameterProblem);
        var problem = Packet("malformed.json", "param_problem_answer");
        var tunnelled = new byte[problem.Length + Ipv6Tunnel.Overhead];
        Ipv6Tunnel.TryEncapsulate(problem, HomeAgent.GetAddressBytes(), CareOf.GetAddressBytes(), tunnelled, out _);
        var received = new PacketBatch();
        received.TryAdd(Frame(tunnelled));

        side.Forwarder.ProcessReceived(MemoryHub.CreatePair().A, received, new PacketBatch());

        Assert.That(signalling.Reader.TryRead(out var delivered), Is.True);
        Assert.That(delivered!.Tunnelled, Is.True);
        Assert.That(delivered.Packet.ToArray(), Is.EqualTo(problem));
    }

    [Test]
    public void Hao_insert_and_rh2_paths_allocate_nothing_per_packet()
    {
        var mobile = MobileNode();
        var correspondent = CorrespondentNode(CareOf);
        var (port, _) = MemoryHub.CreatePair();
        var fromMnTun = new PacketBatch();
        var fromCnTun = new PacketBatch();
        var atMn = new PacketBatch();
        var atCn = new PacketBatch();
        for (int i = 0; i < 32; i++)
        {
            fromMnTun.TryAdd(Plain(WithHao, HomeAddress, Correspondent));
            fromCnTun.TryAdd(Plain(WithRh2, Correspondent, HomeAddress));
            atMn.TryAdd(Frame(WithRh2));
            atCn.TryAdd(Frame(WithHao));
        }

        var toWire = new PacketBatch();
        var toTun = new PacketBatch();
        void Round()
        {
            toWire.Clear();
            mobile.Forwarder.ProcessFromTun(fromMnTun, toWire);
            toWire.Clear();
            correspondent.Forwarder.ProcessFromTun(fromCnTun, toWire);
            toTun.Clear();
            mobile.Forwarder.ProcessReceived(port, atMn, toTun);
            toTun.Clear();
            correspondent.Forwarder.ProcessReceived(port, atCn, toTun);
        }

        Round(); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Round();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(mobile.Counters.HomeAddressOptionsSent + mobile.Counters.RoutingHeadersReceived, Is.EqualTo(2 * 32 * 101));
        Assert.That(correspondent.Counters.RoutingHeadersSent + correspondent.Counters.HomeAddressOptionsReceived, Is.EqualTo(2 * 32 * 101));
    }

    private static void AssertChecksum(ReadOnlySpan<byte> packet)
    {
        Assert.That(Ipv6Packet.TryParse(packet, out var parsed), Is.True);
        Assert.That(Icmpv6Header.TryRead(parsed.UpperLayer, out var icmp) && icmp.VerifyChecksum(parsed.PseudoSource, parsed.PseudoDestination), Is.True, "checksum");
    }
}
