using System.Net;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Tests.Vectors;
using Shisa.DataPlane.Tunnels;
using Shisa.DataPlane.Wire;

namespace Shisa.DataPlane.Tests.Tunnels;

/// <summary>The forwarding decisions on the interoperability vectors (DESIGN 9 addresses).</summary>
public class PacketClassifierTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    private static readonly IPAddress OtherCareOf = IPAddress.Parse("2001:db8:a2::ff:fe00:10");
    private static readonly Prefix MobileNetwork = Prefix.Parse("2001:db8:1:100::/56");

    internal static byte[] Packet(string file, string name) => VectorCatalog.All.Single(v => v.File == file && v.Name == name).Packet;

    private static (PacketClassifier Classifier, BindingTable Table) HomeAgentSide(IPAddress? registeredCareOf = null, bool withPrefix = false)
    {
        var local = new LocalAddressSet();
        local.Set("options", [HomeAgent]);
        var table = new BindingTable(16);
        table.Set(new TunnelBinding(HomeAddress, HomeAgent, registeredCareOf ?? CareOf, withPrefix ? [MobileNetwork] : []), out _);
        return (new PacketClassifier(local, table, null), table);
    }

    private static (PacketClassifier Classifier, BindingTable Table) MobileNodeSide(IPAddress? homeAgent = null, BindingUpdateListState state = BindingUpdateListState.Bound)
    {
        var local = new LocalAddressSet();
        local.Set("interfaces", [CareOf]);
        local.Add("home", HomeAddress);
        var table = new BindingTable(16);
        var entry = new BindingUpdateListEntry(homeAgent ?? HomeAgent, HomeAddress, CareOf, BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, state);
        table.Set(TunnelBinding.FromUpdateList(entry), out _);
        return (new PacketClassifier(local, null, table), table);
    }

    [Test]
    public void Home_agent_decapsulates_from_the_registered_care_of_address()
    {
        var packet = Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha");
        var verdict = HomeAgentSide().Classifier.ClassifyInbound(packet);
        Assert.That(verdict.Action, Is.EqualTo(InboundAction.Decapsulate));
        Assert.That(verdict.InnerOffset, Is.EqualTo(40));
        Assert.That(verdict.InnerLength, Is.EqualTo(52));
        Assert.That(Ipv6Packet.TryParse(packet.AsSpan(verdict.InnerOffset, verdict.InnerLength), out var inner), Is.True);
        Assert.That(inner.Header.SourceAddress, Is.EqualTo(HomeAddress));
    }

    [Test]
    public void Home_agent_drops_a_tunnelled_packet_from_another_care_of_address()
    {
        var verdict = HomeAgentSide(OtherCareOf).Classifier.ClassifyInbound(Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha"));
        Assert.That(verdict.Action, Is.EqualTo(InboundAction.Drop));
        Assert.That(verdict.Reason, Is.EqualTo(DropReason.WrongTunnelSource));
    }

    [Test]
    public void Home_agent_drops_a_tunnelled_packet_without_a_binding()
    {
        var (classifier, table) = HomeAgentSide();
        table.Clear();
        var verdict = classifier.ClassifyInbound(Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha"));
        Assert.That(verdict.Reason, Is.EqualTo(DropReason.NoBinding));
    }

    [Test]
    public void Home_agent_accepts_a_mobile_network_node_only_with_the_prefix_registered()
    {
        var packet = Packet("ipv6_in_ipv6.json", "nemo_reverse_tunnel");
        Assert.That(HomeAgentSide(withPrefix: true).Classifier.ClassifyInbound(packet).Action, Is.EqualTo(InboundAction.Decapsulate));
        Assert.That(HomeAgentSide(withPrefix: false).Classifier.ClassifyInbound(packet).Reason, Is.EqualTo(DropReason.NoBinding));
    }

    [Test]
    public void Home_agent_forwards_a_reverse_tunnelled_HoTI_instead_of_taking_it()
    {
        // The inner HoTI is for the correspondent: data to forward, not signalling for the home agent.
        var verdict = HomeAgentSide().Classifier.ClassifyInbound(Packet("mh_hoti.json", "hoti_reverse_tunnelled"));
        Assert.That(verdict.Action, Is.EqualTo(InboundAction.Decapsulate));
    }

    [TestCase("mh_bu.json", "bu_home_registration", SignallingKinds.MobilityHeader)]
    [TestCase("mh_bu.json", "bu_nemo_explicit", SignallingKinds.MobilityHeader)]
    [TestCase("icmpv6_dhaad.json", "haad_request", SignallingKinds.HomeAgentDiscovery)]
    [TestCase("icmpv6_mps_mpa.json", "mps_with_hao", SignallingKinds.MobilePrefix)]
    public void Home_agent_hands_signalling_for_it_to_the_modules(string file, string name, SignallingKinds kind)
    {
        var local = new LocalAddressSet();
        local.Set("options", [HomeAgent, IPAddress.Parse("2001:db8:1:0:fdff:ffff:ffff:fffe")]);
        var classifier = new PacketClassifier(local, new BindingTable(4), null);
        var packet = Packet(file, name);
        var verdict = classifier.ClassifyInbound(packet);
        Assert.That(verdict.Action, Is.EqualTo(InboundAction.Signalling));
        Assert.That(verdict.Kind, Is.EqualTo(kind));
        Assert.That(verdict.InnerLength, Is.EqualTo(packet.Length));
    }

    [Test]
    public void Signalling_passing_through_is_left_to_the_kernel()
    {
        var local = new LocalAddressSet();
        local.Set("options", [IPAddress.Parse("2001:db8:f0:1::2")]);
        var verdict = new PacketClassifier(local, new BindingTable(4), null).ClassifyInbound(Packet("mh_bu.json", "bu_home_registration"));
        Assert.That(verdict.Action, Is.EqualTo(InboundAction.Ignore));
    }

    [Test]
    public void Home_agent_with_several_bindings_decapsulates_from_each_care_of_address_and_counts_it_on_that_binding()
    {
        var local = new LocalAddressSet();
        local.Set("options", [HomeAgent]);
        var table = new BindingTable(16);
        var preferred = new TunnelBinding(HomeAddress, HomeAgent, OtherCareOf, bindingId: 1);
        var other = new TunnelBinding(HomeAddress, HomeAgent, CareOf, bindingId: 2);
        table.Set(TunnelBinding.WithAlternates(preferred, [other]), out _);
        var classifier = new PacketClassifier(local, table, null);

        var verdict = classifier.ClassifyInbound(Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha"));

        Assert.That(verdict.Action, Is.EqualTo(InboundAction.Decapsulate), "the vector comes from the second binding's care-of address");
        Assert.That((other.Traffic.PacketsIn, preferred.Traffic.PacketsIn), Is.EqualTo((1L, 0L)));
    }

    [Test]
    public void Mobile_node_decapsulates_from_its_home_agent_to_its_home_address()
    {
        var verdict = MobileNodeSide().Classifier.ClassifyInbound(Packet("ipv6_in_ipv6.json", "tunnel_ha_to_mn"));
        Assert.That(verdict.Action, Is.EqualTo(InboundAction.Decapsulate));
        Assert.That(verdict.InnerLength, Is.EqualTo(52));
    }

    [Test]
    public void Mobile_node_drops_a_tunnelled_packet_that_is_not_from_its_home_agent()
    {
        var verdict = MobileNodeSide(IPAddress.Parse("2001:db8:1::2")).Classifier.ClassifyInbound(Packet("ipv6_in_ipv6.json", "tunnel_ha_to_mn"));
        Assert.That(verdict.Reason, Is.EqualTo(DropReason.WrongTunnelSource));
    }

    [TestCase("mh_hot.json", "hot_tunnelled_by_ha")]
    [TestCase("mh_brr.json", "brr_tunnelled_by_ha")]
    public void Mobile_node_hands_tunnelled_signalling_to_the_modules(string file, string name)
    {
        var packet = Packet(file, name);
        var verdict = MobileNodeSide().Classifier.ClassifyInbound(packet);
        Assert.That(verdict.Action, Is.EqualTo(InboundAction.TunnelledSignalling));
        Assert.That(verdict.Kind, Is.EqualTo(SignallingKinds.MobilityHeader));
        Assert.That(Ipv6Packet.TryParse(packet.AsSpan(verdict.InnerOffset, verdict.InnerLength), out var inner), Is.True);
        Assert.That(inner.Header.DestinationAddress, Is.EqualTo(HomeAddress));
    }

    [Test]
    public void Route_optimized_data_is_dropped_and_counted_as_such()
    {
        var local = new LocalAddressSet();
        local.Set("options", [IPAddress.Parse("2001:db8:c::2")]);
        var verdict = new PacketClassifier(local, null, null).ClassifyInbound(Packet("hao.json", "echo_request_with_hao"));
        Assert.That(verdict.Reason, Is.EqualTo(DropReason.RouteOptimization));
    }

    [Test]
    public void Truncated_packets_are_malformed()
    {
        var packet = Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha");
        var verdict = HomeAgentSide().Classifier.ClassifyInbound(packet.AsSpan(0, 60));
        Assert.That(verdict.Reason, Is.EqualTo(DropReason.Malformed));
    }

    [Test]
    public void Home_agent_encapsulation_gives_the_tunnel_vector_byte_for_byte()
    {
        var expected = Packet("ipv6_in_ipv6.json", "tunnel_ha_to_mn");
        var inner = expected.AsSpan(40).ToArray();
        var buffer = new byte[2048];
        Assert.That(HomeAgentSide().Classifier.TryEncapsulate(inner, buffer, out int written, out _), Is.True);
        Assert.That(buffer.AsSpan(0, written).ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void Mobile_node_encapsulation_gives_the_reverse_tunnel_vector_byte_for_byte()
    {
        var expected = Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha");
        var inner = expected.AsSpan(40).ToArray();
        var buffer = new byte[2048];
        Assert.That(MobileNodeSide().Classifier.TryEncapsulate(inner, buffer, out int written, out _), Is.True);
        Assert.That(buffer.AsSpan(0, written).ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void Mobile_node_does_not_tunnel_before_it_is_bound()
    {
        var inner = Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha").AsSpan(40).ToArray();
        Assert.That(MobileNodeSide(state: BindingUpdateListState.WaitingAck).Classifier.TryEncapsulate(inner, new byte[2048], out _, out var reason), Is.False);
        Assert.That(reason, Is.EqualTo(DropReason.NotBound));
    }

    [Test]
    public void Nothing_is_encapsulated_without_a_binding_or_beyond_the_buffer()
    {
        var inner = Packet("ipv6_in_ipv6.json", "tunnel_ha_to_mn").AsSpan(40).ToArray();
        var (classifier, table) = HomeAgentSide();
        Assert.That(classifier.TryEncapsulate(inner, new byte[inner.Length + 39], out _, out var tooBig), Is.False);
        Assert.That(tooBig, Is.EqualTo(DropReason.TooBig));
        table.Clear();
        Assert.That(classifier.TryEncapsulate(inner, new byte[2048], out _, out var none), Is.False);
        Assert.That(none, Is.EqualTo(DropReason.NoBinding));
    }

    [Test]
    public void Mobile_router_drops_a_tun_packet_whose_source_is_outside_its_registered_prefixes()
    {
        var inner = Packet("ipv6_in_ipv6.json", "reverse_tunnel_mn_to_ha").AsSpan(40).ToArray();
        IPAddress.Parse("2001:db8:99::10").TryWriteBytes(inner.AsSpan(8, 16), out _);
        Assert.That(MobileNodeSide().Classifier.TryEncapsulate(inner, new byte[2048], out _, out var reason), Is.False);
        Assert.That(reason, Is.EqualTo(DropReason.SourceNotRegistered));
    }
}
