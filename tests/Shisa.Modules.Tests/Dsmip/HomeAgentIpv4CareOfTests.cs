using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.HomeAgent;
using Shisa.Modules.Tests.HomeAgent;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.Tests.Dsmip;

/// <summary>RFC 5555 4.2.2 at the home agent: Binding Updates from an IPv4 care-of address, NAT detection, status 174.</summary>
public sealed class HomeAgentIpv4CareOfTests
{
    private static readonly IPAddress PrivateCareOf = IPAddress.Parse("198.51.100.10");
    private static readonly IPAddress NatPublic = IPAddress.Parse("203.0.113.4");

    private static byte[] Ipv4Update(ushort sequence, IPAddress optionAddress, IPAddress? innerSource = null, WireFlags flags = Packets.AH | WireFlags.F) =>
        Packets.BindingUpdate(sequence, flags: flags, careOf: innerSource ?? optionAddress.MapToIPv6(),
            options: MobilityOptionList.Create([new IPv4CareOfAddressOption(optionAddress)]));

    private static void DeliverOverIpv4(CoreHarness ha, byte[] packet, IPAddress outerSource)
    {
        int before = ha.Published.Count;
        ha.Core.Process(new SignallingReceived(new SignallingPacket(packet, SignallingKinds.MobilityHeader, "dsmip", 0, ha.Now, TunnelSource: outerSource)), ha.Now);
        foreach (var dad in ha.Published.Skip(before).OfType<Dad>().Where(d => d.Message == DadMessage.Do).ToList())
        {
            ha.Answer(DadMessage.Success, dad.Address);
        }
    }

    [Test]
    public void Behind_a_nat_the_binding_holds_the_mapped_care_of_address_and_the_ba_carries_the_nat_detection_option()
    {
        var ha = new CoreHarness(Topology.Section() with { Ipv4Address = IPAddress.Parse("203.0.113.1"), NatKeepaliveInterval = TimeSpan.FromSeconds(5) });
        DeliverOverIpv4(ha, Ipv4Update(1, PrivateCareOf), NatPublic);

        var added = ha.PublishedOf<BindingCacheAdd>().Single().Entry;
        Assert.That(added.CareOfAddress, Is.EqualTo(PrivateCareOf.MapToIPv6()));
        var ack = ha.LastMobility();
        Assert.That(ack.Destination, Is.EqualTo(PrivateCareOf.MapToIPv6()));
        Assert.That(ack.RoutingHomeAddress, Is.EqualTo(Topology.Home));
        Assert.That(((BindingAcknowledgement)ack.Message).Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(((BindingAcknowledgement)ack.Message).Options.Find<NatDetectionOption>(), Is.EqualTo(new NatDetectionOption(true, 5)));
        Assert.That(ha.Core.GetCounters().ToDictionary()["ha_nat_detected"], Is.EqualTo(1));
    }

    [Test]
    public void Without_a_nat_and_with_F_the_option_says_udp_without_keepalives()
    {
        var ha = new CoreHarness();
        DeliverOverIpv4(ha, Ipv4Update(1, PrivateCareOf), PrivateCareOf);
        Assert.That(ha.LastAck().Options.Find<NatDetectionOption>(), Is.EqualTo(new NatDetectionOption(true, NatDetectionOption.NoKeepalives)));
        Assert.That(ha.Core.GetCounters().ToDictionary()["ha_nat_detected"], Is.Zero);
    }

    [Test]
    public void Without_a_nat_and_without_F_no_nat_detection_option_is_sent()
    {
        var ha = new CoreHarness();
        DeliverOverIpv4(ha, Ipv4Update(1, PrivateCareOf, flags: Packets.AH), PrivateCareOf);
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(ha.LastAck().Options.Find<NatDetectionOption>(), Is.Null);
    }

    [Test]
    public void Inner_source_other_than_the_option_is_refused_with_174_and_the_existing_binding_stays()
    {
        var ha = new CoreHarness();
        DeliverOverIpv4(ha, Ipv4Update(1, PrivateCareOf), NatPublic);
        DeliverOverIpv4(ha, Ipv4Update(2, IPAddress.Parse("198.51.100.99"), innerSource: PrivateCareOf.MapToIPv6()), NatPublic);

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.InvalidCareOfAddress));
        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Has.Length.EqualTo(1));
        Assert.That(ha.PublishedOf<BindingCacheRemove>(), Is.Empty);
        Assert.That(ha.Core.GetCounters().ToDictionary()["ha_binding_updates_status_174"], Is.EqualTo(1));
    }

    [Test]
    public void An_ipv4_care_of_address_option_that_came_over_ipv6_is_refused_with_174()
    {
        var ha = new CoreHarness();
        ha.Deliver(Ipv4Update(1, PrivateCareOf));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.InvalidCareOfAddress));
        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Is.Empty);
    }

    [Test]
    public void A_multicast_ipv4_care_of_address_is_dropped_silently()
    {
        var ha = new CoreHarness();
        DeliverOverIpv4(ha, Ipv4Update(1, IPAddress.Parse("224.0.0.1")), NatPublic);
        Assert.That(ha.Sender.Packets, Is.Empty);
        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Is.Empty);
    }
}
