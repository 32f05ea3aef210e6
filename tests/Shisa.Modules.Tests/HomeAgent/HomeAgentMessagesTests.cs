using Shisa.Modules.Common;
using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.Modules.HomeAgent;
using static Shisa.Modules.Tests.HomeAgent.Packets;

namespace Shisa.Modules.Tests.HomeAgent;

/// <summary>Malformed Mobility Headers (RFC 6275 9.2), discovery (10.5) and mobile prefixes (10.6).</summary>
public class HomeAgentMessagesTests
{
    [Test]
    public void An_unknown_mobility_header_type_gets_the_vector_binding_error()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("malformed.json", "mh_unknown_type_99"));

        Assert.That(Hex(ha.Sender.Packets.Single()), Is.EqualTo(Hex(Vectors.Packet("mh_be.json", "be_unrecognized_type"))));
        Assert.That(ha.Core.GetCounters().BindingErrorsSent, Is.EqualTo(1));
    }

    [Test]
    public void Header_len_below_the_minimum_gets_the_vector_parameter_problem()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("malformed.json", "bu_header_len_0"));

        Assert.That(Hex(ha.Sender.Packets.Single()), Is.EqualTo(Hex(Vectors.Packet("malformed.json", "param_problem_answer"))));
        Assert.That(ha.Core.GetCounters().ParameterProblemsSent, Is.EqualTo(1));
        Assert.That(ha.Core.GetCounters().BindingUpdatesReceived, Is.Zero);
    }

    [TestCase("bu_bad_checksum", HomeAgentDropReason.BadChecksum)]
    [TestCase("bu_truncated", HomeAgentDropReason.Truncated)]
    public void A_broken_binding_update_is_dropped_silently_and_counted(string vector, HomeAgentDropReason reason)
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1));
        int sent = ha.Sender.Packets.Count;
        ha.Published.Clear();

        ha.Deliver(Vectors.Packet("malformed.json", vector));

        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(sent));
        Assert.That(ha.Published, Is.Empty, "existing bindings are not touched");
        Assert.That(ha.Core.GetCounters().Drops[reason], Is.EqualTo(1));
    }

    [Test]
    public void Error_answers_are_rate_limited()
    {
        var ha = new CoreHarness(tuning: new HomeAgentTuning { ErrorRatePerSecond = 2 });
        var unknown = Vectors.Packet("malformed.json", "mh_unknown_type_99");
        for (int i = 0; i < 5; i++)
        {
            ha.Deliver(unknown);
        }

        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(2));
        Assert.That(ha.Core.GetCounters().Drops[HomeAgentDropReason.RateLimited], Is.EqualTo(3));

        ha.Advance(TimeSpan.FromSeconds(1));
        ha.Deliver(unknown);
        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(3));
    }

    [Test]
    public void Mobility_headers_for_other_addresses_are_not_ours()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("malformed.json", "scapy_default_option_lengths"));
        var bu = new Shisa.DataPlane.Wire.Mobility.BindingUpdate(1, AH, 30);
        var buffer = new byte[1280];
        Shisa.Modules.Common.MobilityPackets.TryWrite(bu, new Ipv6Envelope(Topology.CareOf, IPAddress.Parse("2001:db8:1::2"), HomeAddress: Topology.Home), buffer, out int n);
        ha.Deliver(buffer[..n]);

        Assert.That(ha.Sender.Packets, Is.Empty);
        Assert.That(ha.Core.GetCounters().Drops[HomeAgentDropReason.NotForHomeAgent], Is.EqualTo(1));
        Assert.That(ha.Core.GetCounters().Drops[HomeAgentDropReason.MalformedOption], Is.EqualTo(1));
    }

    [Test]
    public void The_home_agents_anycast_address_follows_rfc_2526()
    {
        Assert.That(HomeAgentsAnycast.For(Topology.HomePrefix), Is.EqualTo(Topology.Anycast));
        Assert.That(HomeAgentsAnycast.For(Prefix.Parse("2001:db8:1::/48")), Is.EqualTo(IPAddress.Parse("2001:db8:1:ffff:ffff:ffff:ffff:fffe")));
        Assert.That(HomeAgentsAnycast.For(Prefix.Parse("2001:db8:1::/120")), Is.EqualTo(IPAddress.Parse("2001:db8:1::fe")));
    }

    [Test]
    public void A_discovery_request_to_the_anycast_address_is_answered_with_this_home_agent()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("icmpv6_dhaad.json", "haad_request"), SignallingKinds.HomeAgentDiscovery);

        var reply = ParseIcmp(ha.Sender.Packets.Single(), out var source, out var destination);
        Assert.That(source, Is.EqualTo(Topology.HomeAgent));
        Assert.That(destination, Is.EqualTo(Topology.CareOf));
        Assert.That(HomeAgentAddressDiscoveryReply.TryParse(reply, out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(new HomeAgentAddressDiscoveryReply(0x1234, false, [Topology.HomeAgent])));
        Assert.That(ha.Core.GetCounters().DiscoveryRepliesSent, Is.EqualTo(1));
    }

    [Test]
    public void A_mobile_router_discovery_request_is_answered_only_when_mobile_routers_may_register()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("icmpv6_dhaad.json", "haad_request_mr"), SignallingKinds.HomeAgentDiscovery);
        Assert.That(ha.Sender.Packets, Is.Empty);
        Assert.That(ha.Core.GetCounters().Drops[HomeAgentDropReason.DiscoveryMobileRouterUnsupported], Is.EqualTo(1));

        var nemo = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, [Topology.MobileNetwork])));
        nemo.Deliver(Vectors.Packet("icmpv6_dhaad.json", "haad_request_mr"), SignallingKinds.HomeAgentDiscovery);
        Assert.That(HomeAgentAddressDiscoveryReply.TryParse(ParseIcmp(nemo.Sender.Packets.Single(), out _, out _), out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(new HomeAgentAddressDiscoveryReply(0x1235, true, [Topology.HomeAgent])));
    }

    [Test]
    public void A_discovery_request_to_another_address_or_with_a_bad_checksum_is_dropped()
    {
        var ha = new CoreHarness();
        var buffer = new byte[1280];
        Icmpv6PacketBuilder.TryWrite(buffer, new Ipv6Envelope(Topology.CareOf, Topology.HomeAgent), new HomeAgentAddressDiscoveryRequest(7), out int n);
        ha.Deliver(buffer[..n], SignallingKinds.HomeAgentDiscovery);
        var bad = Vectors.Packet("icmpv6_dhaad.json", "haad_request");
        bad[^1] ^= 1;
        ha.Deliver(bad, SignallingKinds.HomeAgentDiscovery);

        Assert.That(ha.Sender.Packets, Is.Empty);
        Assert.That(ha.Core.GetCounters().Drops[HomeAgentDropReason.DiscoveryNotForUs], Is.EqualTo(1));
        Assert.That(ha.Core.GetCounters().Drops[HomeAgentDropReason.BadIcmp], Is.EqualTo(1));
    }

    [Test]
    public void A_prefix_solicitation_from_a_registered_node_gets_the_vector_advertisement()
    {
        var ha = new CoreHarness();
        ha.Register(Vectors.Packet("mh_bu.json", "bu_home_registration_altcoa"));
        ha.Deliver(Vectors.Packet("icmpv6_mps_mpa.json", "mps_with_hao"), SignallingKinds.MobilePrefix);

        Assert.That(Hex(ha.Sender.Packets[^1]), Is.EqualTo(Hex(Vectors.Packet("icmpv6_mps_mpa.json", "mpa_with_rh2"))));
        Assert.That(ha.Core.GetCounters().PrefixAdvertisementsSent, Is.EqualTo(1));
    }

    [Test]
    public void A_prefix_solicitation_without_a_binding_is_dropped()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("icmpv6_mps_mpa.json", "mps_with_hao"), SignallingKinds.MobilePrefix);

        Assert.That(ha.Sender.Packets, Is.Empty);
        Assert.That(ha.Core.GetCounters().Drops[HomeAgentDropReason.SolicitationWithoutBinding], Is.EqualTo(1));
    }

    [Test]
    public void A_new_home_prefix_is_advertised_unsolicited_to_every_registered_node()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1));
        int sent = ha.Sender.Packets.Count;
        var renumbered = Topology.Section() with { Prefix = Prefix.Parse("2001:db8:1::/56") };

        ha.Core.Process(new HomeAgentReconfigured(renumbered), ha.Now);

        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(sent + 1));
        Assert.That(MobilePrefixAdvertisement.TryParse(ParseIcmp(ha.Sender.Packets[^1], out _, out var destination), out var advertisement), Is.True);
        Assert.That(destination, Is.EqualTo(Topology.CareOf));
        Assert.That(advertisement!.Prefixes.Single(), Is.EqualTo(new PrefixInformation(56, true, true, false, 86400, 14400, IPAddress.Parse("2001:db8:1::"))));
        Assert.That(ha.Core.AnycastAddress, Is.EqualTo(IPAddress.Parse("2001:db8:1:ff:ffff:ffff:ffff:fffe")));

        ha.Core.Process(new HomeAgentReconfigured(renumbered), ha.Now);
        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(sent + 1), "the same prefix again: nothing to tell");
    }

    private static byte[] ParseIcmp(byte[] packet, out IPAddress source, out IPAddress destination)
    {
        Assert.That(Ipv6Packet.TryParse(packet, out var ip), Is.True);
        source = ip.Header.SourceAddress;
        destination = ip.Header.DestinationAddress;
        Assert.That(ip.UpperLayerProtocol, Is.EqualTo(IpProtocol.Icmpv6));
        Assert.That(Icmpv6Header.TryRead(ip.UpperLayer, out var icmp) && icmp.VerifyChecksum(ip.PseudoSource, ip.PseudoDestination), Is.True);
        return ip.UpperLayer.ToArray();
    }
}
