using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Configuration;
using Shisa.Modules.HomeAgent;
using static Shisa.Modules.Tests.HomeAgent.Packets;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.Tests.HomeAgent;

/// <summary>The home agent's side of RFC 3963: prefix validity (141), implicit mode (143), the forwarding hook (143)
/// and the R flag on a mobile router's acknowledgements.</summary>
public class MobileRouterPolicyTests
{
    private const WireFlags AHR = AH | WireFlags.R;

    private static MobilityOptionList Mnp(string prefix)
    {
        var p = Prefix.Parse(prefix);
        return [new MobileNetworkPrefixOption((byte)p.Length, p.Network)];
    }

    private static CoreHarness Router(params string[] listed) =>
        new(Topology.Section(nodes: Topology.Node(Topology.Home, [.. listed.Select(Prefix.Parse)])));

    [TestCase("2001:db8:1::/64", TestName = "The home prefix itself")]
    [TestCase("2001:db8:1::/56", TestName = "A prefix containing the home prefix")]
    [TestCase("2001:db8:1:0:8000::/65", TestName = "A prefix inside the home prefix")]
    [TestCase("fe80::/64", TestName = "A link-local prefix")]
    [TestCase("ff05::/16", TestName = "A multicast prefix")]
    public void An_explicit_prefix_that_cannot_be_a_mobile_network_is_refused_with_141(string prefix)
    {
        var ha = Router("::/0");
        ha.Deliver(BindingUpdate(1, flags: AHR, options: Mnp(prefix)));

        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.InvalidPrefix, BindingAcknowledgementFlags.None, 1, 0)));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void A_prefix_inside_a_listed_one_is_granted_alone()
    {
        var ha = Router("2001:db8:1:100::/56");
        ha.Register(BindingUpdate(1, flags: AHR, options: Mnp("2001:db8:1:140::/58")));

        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([Prefix.Parse("2001:db8:1:140::/58")])));
        Assert.That(ha.LastAck().Flags, Is.EqualTo(BindingAcknowledgementFlags.R));
    }

    [Test]
    public void Implicit_mode_grants_the_listed_prefixes_and_answers_with_r()
    {
        var ha = Router("2001:db8:1:100::/56", "2001:db8:5::/48");
        ha.Register(BindingUpdate(1, flags: AHR));

        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.MobileNetworkPrefixes,
            Is.EqualTo(new EquatableArray<Prefix>([Prefix.Parse("2001:db8:1:100::/56"), Prefix.Parse("2001:db8:5::/48")])));
        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.R, 1, 30)));
    }

    [Test]
    public void Implicit_mode_with_no_listed_prefix_fit_to_forward_is_refused_with_143()
    {
        // A listed prefix overlapping the home link is not forwarded; with none left the prefixes are missing.
        var ha = Router("2001:db8:1::/64");
        ha.Deliver(BindingUpdate(1, flags: AHR));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.ForwardingSetupFailed));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void A_mobile_routers_deregistration_is_answered_with_r()
    {
        var ha = Router("2001:db8:1:100::/56");
        ha.Register(Vectors.Packet("mh_bu.json", "bu_nemo_explicit"));
        ha.Deliver(BindingUpdate(1003, lifetimeUnits: 0, flags: AHR));

        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.R, 1003, 0)));
        Assert.That(ha.PublishedOf<BindingCacheRemove>().Single().Entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([Topology.MobileNetwork])));
    }

    [Test]
    public void A_mobile_hosts_deregistration_is_answered_without_r()
    {
        var ha = Router("2001:db8:1:100::/56");
        ha.Register(BindingUpdate(1));
        ha.Deliver(BindingUpdate(2, lifetimeUnits: 0));

        Assert.That(ha.LastAck().Flags, Is.EqualTo(BindingAcknowledgementFlags.None));
    }

    [Test]
    public void The_forwarding_hook_refuses_with_143_and_keeps_the_existing_binding()
    {
        var published = new List<BusMessage>();
        var sender = new RecordingSender();
        var policy = new RefusingForwarding();
        var section = Topology.Section(nodes: Topology.Node(Topology.Home, [Topology.MobileNetwork]));
        var core = new HomeAgentCore(section, sender, published.Add, null, new HomeLink("eth0", 2), policy);
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        void Deliver(byte[] packet) => core.Process(new SignallingReceived(new SignallingPacket(packet, SignallingKinds.MobilityHeader, "eth0", 2, now)), now);
        BindingAcknowledgement LastAck()
        {
            Assert.That(MobilityPackets.TryRead(new SignallingPacket(sender.Packets[^1], SignallingKinds.MobilityHeader, "eth0", 2, now), out var received, out _, out _), Is.True);
            return (BindingAcknowledgement)received!.Message;
        }

        // A mobile host registration first (no R): the hook is not asked.
        Deliver(BindingUpdate(1));
        core.Process(new DadReported(new Dad(DadMessage.Success, Topology.Home, "eth0", 2)), now);
        Assert.That(LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(policy.Asked, Is.Zero);

        policy.Refuse = true;
        Deliver(Vectors.Packet("mh_bu.json", "bu_nemo_explicit"));
        Assert.That(LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.ForwardingSetupFailed, BindingAcknowledgementFlags.None, 1002, 0)));
        Assert.That(policy.Asked, Is.EqualTo(1));
        Assert.That(core.GetBindings(now).Single().Flags & Shisa.DataPlane.Bus.BindingUpdateFlags.MobileRouter, Is.EqualTo(Shisa.DataPlane.Bus.BindingUpdateFlags.None),
            "the mobile host binding is kept as it was");

        policy.Refuse = false;
        Deliver(BindingUpdate(1003, flags: AHR, options: Mnp("2001:db8:1:100::/56")));
        Assert.That(LastAck().Flags, Is.EqualTo(BindingAcknowledgementFlags.R));
        Assert.That(published.OfType<BindingCacheAdd>().Last().Entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([Topology.MobileNetwork])));
    }

    private sealed class RefusingForwarding : IMobileRouterPolicy
    {
        public bool Refuse { get; set; }

        public int Asked { get; private set; }

        public BindingAcknowledgementStatus Authorize(BindingUpdate update, AuthorizedMobileNode node, Prefix homePrefix, out EquatableArray<Prefix> prefixes) =>
            ProfileMobileRouterPolicy.Instance.Authorize(update, node, homePrefix, out prefixes);

        public BindingAcknowledgementStatus CheckForwarding(AuthorizedMobileNode node, EquatableArray<Prefix> prefixes)
        {
            Asked++;
            return Refuse ? BindingAcknowledgementStatus.ForwardingSetupFailed : BindingAcknowledgementStatus.Accepted;
        }
    }
}
