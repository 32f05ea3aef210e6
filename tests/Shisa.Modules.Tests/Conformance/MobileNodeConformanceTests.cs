using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.MobileNode;
using Shisa.Modules.MobileNode.ReturnRoutability;
using Shisa.Modules.Tests.HomeAgent;
using Shisa.Modules.Tests.MobileNode.ReturnRoutability;
using State = Shisa.Modules.MobileNode.ReturnRoutability.CorrespondentRegistrationState;
using WireBindingErrorStatus = Shisa.DataPlane.Wire.Mobility.BindingErrorStatus;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.Tests.Conformance;

/// <summary>
/// Mobile node conformance, after the TAHI / IPv6 Ready Phase-2 Mobile IPv6 mobile node section: the mobile node's
/// home registration (<see cref="HomeRegistration"/>) talks to the real home agent core in packets (its Binding Updates
/// written as MobileNodePackets writes them, the home agent's answers read as the module reads them), return
/// routability runs against the real correspondent (<see cref="RoNetwork"/>), and the routing header rules run
/// through the data plane.
/// </summary>
[Category("Conformance")]
public class MobileNodeConformanceTests
{
    // ---- RFC 6275 11.7.1, 11.7.3, 11.8: home registration -------------------------------------------------

    [Test]
    [Description("RFC 6275 11.7.1 MUST: the home registration Binding Update has A and H set and is sent from the care-of address with a Home Address option to the home agent")]
    public void Rfc6275_11_7_1_HomeRegistrationHasAAndHAndAHomeAddressOption()
    {
        var link = new MnHaLink();
        var packet = link.Move(Topology.CareOf).Single();

        Assert.That(MobilityPackets.TryRead(new SignallingPacket(packet, SignallingKinds.MobilityHeader, "eth0", 2, link.Now), out var bu, out _, out _), Is.True);
        Assert.That((bu!.Source, bu.Destination, bu.HomeAddress), Is.EqualTo((Topology.CareOf, Topology.HomeAgent, (IPAddress?)Topology.Home)));
        Assert.That(((BindingUpdate)bu.Message).Flags & (WireFlags.A | WireFlags.H), Is.EqualTo(WireFlags.A | WireFlags.H));
    }

    [Test]
    [Description("RFC 6275 11.7.1, 11.7.3: the home agent's status 0 acknowledgement (with a type 2 routing header) completes the registration; the mobile node's binding update list entry is published")]
    public void Rfc6275_11_7_3_AcceptedAcknowledgementFromTheHomeAgentBindsTheMobileNode()
    {
        var link = new MnHaLink();
        link.Exchange(link.Move(Topology.CareOf));

        Assert.That(link.Machine.State, Is.EqualTo(HomeRegistrationState.Bound));
        Assert.That(link.Ha.Core.BindingCount, Is.EqualTo(1));
        Assert.That(link.Published.OfType<BindingUpdateListAdd>().Single().Entry.CareOfAddress, Is.EqualTo(Topology.CareOf));
    }

    [Test]
    [Description("RFC 6275 11.8 MUST: an unanswered first registration is retransmitted after INITIAL_BINDACK_TIMEOUT_FIRST_REG (1.5 s), doubling up to MAX_BINDACK_TIMEOUT (32 s)")]
    public void Rfc6275_11_8_RetransmissionsBackOffExponentiallyToMaxBindAckTimeout()
    {
        var machine = new HomeRegistration(new HomeRegistrationOptions(Topology.Home, 64, Topology.HomeAgent, TimeSpan.FromSeconds(120), 10));
        var now = MnHaLink.T0;
        var armed = new List<double> { machine.Handle(new MovedTo(Topology.CareOf, "eth0"), now).OfType<ArmTimer>().Single().After.TotalSeconds };
        for (int i = 0; i < 7; i++)
        {
            now += TimeSpan.FromSeconds(armed[^1]);
            armed.Add(machine.Handle(RegistrationTimeout.Instance, now).OfType<ArmTimer>().Single().After.TotalSeconds);
        }

        Assert.That(armed, Is.EqualTo(new double[] { 1.5, 3, 6, 12, 24, 32, 32, 32 }));
    }

    [Test]
    [Description("RFC 6275 11.7.1 MUST: each Binding Update, retransmissions included, carries a sequence number greater than the last one sent")]
    public void Rfc6275_11_7_1_EveryBindingUpdateHasANewerSequenceNumber()
    {
        var machine = new HomeRegistration(new HomeRegistrationOptions(Topology.Home, 64, Topology.HomeAgent, TimeSpan.FromSeconds(120), 65534));
        var now = MnHaLink.T0;
        var sequences = new List<ushort> { machine.Handle(new MovedTo(Topology.CareOf, "eth0"), now).OfType<SendBindingUpdate>().Single().Request.Sequence };
        for (int i = 0; i < 3; i++)
        {
            now += TimeSpan.FromSeconds(40);
            sequences.Add(machine.Handle(RegistrationTimeout.Instance, now).OfType<SendBindingUpdate>().Single().Request.Sequence);
        }

        Assert.That(sequences, Is.EqualTo(new ushort[] { 65535, 0, 1, 2 }), "increasing modulo 2^16");
    }

    [Test]
    [Description("RFC 6275 11.7.3 MUST: a Binding Acknowledgement whose sequence number does not match the Binding Update sent is silently discarded")]
    public void Rfc6275_11_7_3_AcknowledgementForAnotherSequenceNumberIsDiscarded()
    {
        var link = new MnHaLink();
        link.Move(Topology.CareOf);
        var ba = new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 4242, 30);

        link.DeliverToMobileNode(MnHaLink.Write(ba, new Ipv6Envelope(Topology.HomeAgent, Topology.CareOf, RoutingHomeAddress: Topology.Home)));

        Assert.That(link.Machine.State, Is.EqualTo(HomeRegistrationState.WaitAck));
        Assert.That(link.Published.OfType<BindingUpdateListAdd>(), Is.Empty);
    }

    [Test]
    [Description("RFC 6275 11.7.3 MUST/SHOULD: on status 135 the mobile node takes the home agent's sequence number and sends a new Binding Update that the home agent accepts")]
    public void Rfc6275_11_7_3_Status135ResynchronisesWithTheHomeAgent()
    {
        var link = new MnHaLink();
        link.Ha.Register(Packets.BindingUpdate(30000));
        var answers = link.Exchange(link.Move(Topology.CareOf2)); // the restarted mobile node starts from sequence 10

        Assert.That(answers.Select(a => a.Status), Is.EqualTo(new[] { BindingAcknowledgementStatus.SequenceNumberOutOfWindow, BindingAcknowledgementStatus.Accepted }));
        Assert.That(link.Machine.State, Is.EqualTo(HomeRegistrationState.Bound));
        Assert.That(link.Machine.Sequence, Is.EqualTo(30001));
    }

    [Test]
    [Description("RFC 6275 11.7.3 MUST: the mobile node uses the lifetime the home agent granted, not the one it asked for, and refreshes before it runs out")]
    public void Rfc6275_11_7_3_GrantedLifetimeIsTheOneUsed()
    {
        var link = new MnHaLink(maxLifetimeSeconds: 60);
        link.Exchange(link.Move(Topology.CareOf));

        Assert.That(link.Published.OfType<BindingUpdateListAdd>().Single().Entry.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(link.Machine.BindingExpires, Is.EqualTo(link.Now + TimeSpan.FromSeconds(60)));
        Assert.That(link.LastArmed, Is.LessThan(TimeSpan.FromSeconds(60)), "the refresh comes first");
    }

    [Test]
    [Description("RFC 6275 11.7.4 SHOULD: a Binding Refresh Request from the home agent is answered with a new home registration Binding Update")]
    public void Rfc6275_11_7_4_BindingRefreshRequestFromTheHomeAgentRefreshesTheRegistration()
    {
        var link = new MnHaLink();
        link.Exchange(link.Move(Topology.CareOf));

        var sent = link.DeliverToMobileNode(MnHaLink.Write(new BindingRefreshRequest(), new Ipv6Envelope(Topology.HomeAgent, Topology.CareOf, RoutingHomeAddress: Topology.Home)));

        Assert.That(sent, Has.Count.EqualTo(1));
        Assert.That(link.Exchange(sent).Single().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
    }

    [Test]
    [Description("RFC 6275 11.5.5 MUST: back on the home link the mobile node deregisters from its home address (lifetime 0, no Home Address option) and the home agent deletes the binding")]
    public void Rfc6275_11_5_5_ReturningHomeDeregistersFromTheHomeAddress()
    {
        var link = new MnHaLink();
        link.Exchange(link.Move(Topology.CareOf));

        var packets = link.Handle(new ReturnedHome("eth0"));
        Assert.That(MobilityPackets.TryRead(new SignallingPacket(packets.Single(), SignallingKinds.MobilityHeader, "eth0", 2, link.Now), out var bu, out _, out _), Is.True);
        Assert.That((bu!.Source, bu.HomeAddress), Is.EqualTo((Topology.Home, (IPAddress?)null)));
        Assert.That(((BindingUpdate)bu.Message).LifetimeUnits, Is.Zero);

        Assert.That(link.Exchange(packets).Single().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(link.Ha.Core.BindingCount, Is.Zero);
        Assert.That(link.Published.OfType<BindingUpdateListRemove>(), Is.Not.Empty);
    }

    [Test]
    [Description("RFC 6275 11.4.1: without a configured home agent the mobile node sends a DHAAD request to the home subnet's anycast address and registers with the home agent of the reply")]
    public void Rfc6275_11_4_1_DhaadFindsTheHomeAgentAndTheMobileNodeRegistersWithIt()
    {
        var link = new MnHaLink(discover: true);
        var request = link.Move(Topology.CareOf).Single();
        Assert.That(Ipv6Packet.TryParse(request, out var ip), Is.True);
        Assert.That(ip.Header.DestinationAddress, Is.EqualTo(Topology.Anycast));

        var answers = link.Exchange([request]);

        Assert.That(link.Machine.HomeAgent, Is.EqualTo(Topology.HomeAgent));
        Assert.That(answers.Single().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(link.Machine.State, Is.EqualTo(HomeRegistrationState.Bound));
    }

    [Test]
    [Description("RFC 3963 5.1, 6.1.2 MUST: a mobile router in explicit mode sets R and carries its Mobile Network Prefix options; the home agent's BA has R and the router is bound")]
    public void Rfc3963_5_1_MobileRouterRegistersItsPrefixesWithR()
    {
        var prefixes = new EquatableArray<Prefix>([Topology.MobileNetwork]);
        var link = new MnHaLink(mobileRouter: new MobileRouterRegistration(prefixes, prefixes), haPrefixes: [Topology.MobileNetwork]);
        var packets = link.Move(Topology.CareOf);
        Assert.That(MobilityPackets.TryRead(new SignallingPacket(packets.Single(), SignallingKinds.MobilityHeader, "eth0", 2, link.Now), out var bu, out _, out _), Is.True);
        var update = (BindingUpdate)bu!.Message;
        Assert.That(update.Flags & WireFlags.R, Is.EqualTo(WireFlags.R));
        Assert.That(update.Options.Find<MobileNetworkPrefixOption>()!.Prefix, Is.EqualTo(Topology.MobileNetwork.Network));

        var ba = link.Exchange(packets).Single();
        Assert.That((ba.Status, ba.Flags), Is.EqualTo((BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.R)));
        Assert.That(link.Machine.State, Is.EqualTo(HomeRegistrationState.Bound));
    }

    [Test]
    [Description("RFC 3963 6.6: a mobile router refused with 142 (Not Authorized for Prefix) is not bound")]
    public void Rfc3963_6_6_MobileRouterRefusedWith142IsNotBound()
    {
        var prefixes = new EquatableArray<Prefix>([Topology.MobileNetwork]);
        var link = new MnHaLink(mobileRouter: new MobileRouterRegistration(prefixes, prefixes), haPrefixes: [Prefix.Parse("2001:db8:1:200::/56")]);

        var ba = link.Exchange(link.Move(Topology.CareOf)).First();

        Assert.That(ba.Status, Is.EqualTo(BindingAcknowledgementStatus.NotAuthorizedForPrefix));
        Assert.That(link.Machine.State, Is.Not.EqualTo(HomeRegistrationState.Bound));
        Assert.That(link.Published.OfType<BindingUpdateListAdd>(), Is.Empty);
    }

    // ---- RFC 6275 11.3: routing header and Home Address option on the data path ----------------------------

    [Test]
    [Description("RFC 6275 11.3.3 MUST: a packet with a type 2 routing header naming the mobile node's home address is processed and delivered to the home address")]
    public void Rfc6275_11_3_3_Type2RoutingHeaderForTheHomeAddressIsDelivered()
    {
        var dataPlane = DataPlaneHarness.MobileNode();
        var toTun = dataPlane.Receive(Vectors.Packet("rh2.json", "echo_reply_with_rh2"));

        Assert.That(Ipv6Packet.TryParse(toTun.Single(), out var delivered), Is.True);
        Assert.That(delivered.Header.DestinationAddress, Is.EqualTo(Topology.Home));
    }

    [Test]
    [Description("RFC 6275 11.3.3 MUST: a type 2 routing header naming an address that is not one of the mobile node's home addresses is discarded")]
    public void Rfc6275_11_3_3_Type2RoutingHeaderForAnotherAddressIsDiscarded()
    {
        var packet = Vectors.Packet("rh2.json", "echo_reply_with_rh2");
        packet[40 + 8 + 15] ^= 0x01; // the routing header's address: ::101 instead of the home address ::100
        var dataPlane = DataPlaneHarness.MobileNode();

        Assert.That(dataPlane.Receive(packet), Is.Empty);
    }

    [Test]
    [Description("RFC 6275 11.3.1 MUST: with a binding at the correspondent, the mobile node sends from its care-of address with a Home Address option holding the home address")]
    public void Rfc6275_11_3_1_RouteOptimizedPacketsCarryTheHomeAddressOption()
    {
        var haoVector = Vectors.Packet("hao.json", "echo_request_with_hao");
        var dataPlane = DataPlaneHarness.MobileNode();

        var sent = dataPlane.SendFromTun(WithoutHomeAddressOption(haoVector)).Single();

        Assert.That(Packets.Hex(sent), Is.EqualTo(Packets.Hex(haoVector)), "the vector: source the care-of address, HAO = home address");
    }

    [Test]
    [Description("RFC 6275 5.2.5, 6.1: a Mobility Header message (a HoTI) is never route-optimized: it goes through the home agent's tunnel")]
    public void Rfc6275_5_2_5_HomeTestInitIsTunnelledNotRouteOptimized()
    {
        var hoti = MnHaLink.Write(new HomeTestInit(0x1111111111111111), new Ipv6Envelope(Topology.Home, DataPlaneHarness.Correspondent));
        var dataPlane = DataPlaneHarness.MobileNode();

        var sent = dataPlane.SendFromTun(hoti).Single();

        Assert.That(Ipv6Packet.TryParse(sent, out var outer), Is.True);
        Assert.That(outer.UpperLayerProtocol, Is.EqualTo(IpProtocol.Ipv6), "IPv6-in-IPv6");
        Assert.That((outer.Header.SourceAddress, outer.Header.DestinationAddress), Is.EqualTo((Topology.CareOf, Topology.HomeAgent)));
        Assert.That(outer.HasHomeAddress, Is.False);
    }

    // ---- RFC 6275 11.6, 5.2: return routability ------------------------------------------------------------

    [Test]
    [Description("RFC 6275 11.6.1, 11.7.2: return routability sends the HoTI from the home address and the CoTI from the care-of address, then a BU with a Home Address option that the correspondent accepts")]
    public void Rfc6275_11_6_1_ReturnRoutabilityBindsWithTheCorrespondent()
    {
        var net = new RoNetwork();
        net.Bind();

        Assert.That(net.FromMn.Select(m => m.Message.Type), Is.EqualTo(new[] { MobilityHeaderType.HomeTestInit, MobilityHeaderType.CareOfTestInit, MobilityHeaderType.BindingUpdate }));
        Assert.That((net.FromMn[0].Source, net.FromMn[0].HomeAddress), Is.EqualTo((Ro.Home, (IPAddress?)null)), "HoTI from the home address");
        Assert.That((net.FromMn[1].Source, net.FromMn[1].HomeAddress), Is.EqualTo((Ro.CareOf, (IPAddress?)null)), "CoTI from the care-of address");
        Assert.That((net.FromMn[2].Source, net.FromMn[2].HomeAddress), Is.EqualTo((Ro.CareOf, (IPAddress?)Ro.Home)), "BU with a HAO");
        Assert.That(net.Cn.BindingCount, Is.EqualTo(1));
    }

    [Test]
    [Description("RFC 6275 11.6.2 MUST: a HoT whose cookie does not match the HoTI sent is silently discarded")]
    public void Rfc6275_11_6_2_TestWithAWrongCookieIsDiscarded()
    {
        var net = new RoNetwork { Connected = false };
        net.Registered();
        net.Hint();
        var forged = Ro.Packet(new HomeTest(Vectors_HomeNonceIndex, 0x0BAD0BAD0BAD0BAD, 0x1234), new Ipv6Envelope(Ro.Cn, Ro.Home));

        net.Driver.Receive(Ro.Read(forged), net.Now);

        Assert.That(net.Machine!.State, Is.EqualTo(State.WaitHomeAndCareOfTest));
        Assert.That(net.Machine.HomeTokenReceivedAt, Is.Null);
    }

    [Test]
    [Description("RFC 6275 5.2.7 MUST NOT: a keygen token older than MAX_TOKEN_LIFETIME (210 s) is not used again; after a move the mobile node asks for a new home token")]
    public void Rfc6275_5_2_7_AgedHomeKeygenTokenIsNotReused()
    {
        var net = new RoNetwork(Ro.Options() with { Lifetime = TimeSpan.FromSeconds(300) });
        net.Bind();
        net.Advance(TimeSpan.FromSeconds(220));
        net.FromMn.Clear();

        net.HomeChange(new CareOfAddressChanged(Ro.CareOf2));
        net.Registered(Ro.CareOf2);

        Assert.That(net.FromMn.Select(m => m.Message.Type), Does.Contain(MobilityHeaderType.HomeTestInit));
        Assert.That(net.Machine!.State, Is.EqualTo(State.Bound));
    }

    [Test]
    [Description("RFC 6275 5.2.7: a home keygen token younger than MAX_TOKEN_LIFETIME is reused after a move; only a CoTI is sent")]
    public void Rfc6275_5_2_7_FreshHomeKeygenTokenIsReused()
    {
        var net = new RoNetwork();
        net.Bind();
        net.Advance(TimeSpan.FromSeconds(10));
        net.FromMn.Clear();

        net.HomeChange(new CareOfAddressChanged(Ro.CareOf2));
        net.Registered(Ro.CareOf2);

        Assert.That(net.FromMn.Select(m => m.Message.Type), Is.EqualTo(new[] { MobilityHeaderType.CareOfTestInit, MobilityHeaderType.BindingUpdate }));
    }

    [Test]
    [Description("RFC 6275 11.3.6 SHOULD: on a Binding Error with status 2 (MH type not understood) the mobile node stops route optimization with that correspondent")]
    public void Rfc6275_11_3_6_BindingErrorStatus2StopsRouteOptimization()
    {
        var net = new RoNetwork();
        net.Bind();
        var be = Ro.Packet(new BindingError(WireBindingErrorStatus.UnrecognizedMobilityHeaderType, IPAddress.IPv6Any), new Ipv6Envelope(Ro.Cn, Ro.Home));

        net.Driver.Receive(Ro.Read(be), net.Now);

        Assert.That(net.Manager.IsGivenUp(Ro.Cn), Is.True);
        Assert.That(net.MnPublished.Last(), Is.InstanceOf<BindingUpdateListRemove>());
    }

    [Test]
    [Description("RFC 6275 11.3.6: on a Binding Error with status 1 (no binding for the Home Address option) the mobile node stops using the binding and goes back through the tunnel")]
    public void Rfc6275_11_3_6_BindingErrorStatus1DropsTheBinding()
    {
        var net = new RoNetwork();
        net.Bind();
        var be = Ro.Packet(new BindingError(WireBindingErrorStatus.UnknownBindingForHomeAddressOption, Ro.Home), new Ipv6Envelope(Ro.Cn, Ro.CareOf));

        net.Driver.Receive(Ro.Read(be), net.Now);

        Assert.That(net.Machine!.State, Is.EqualTo(State.Start));
        Assert.That(net.MnPublished.Last(), Is.InstanceOf<BindingUpdateListRemove>());
    }

    private const ushort Vectors_HomeNonceIndex = 257;

    /// <summary>hao.json's packet as the mobile node's stack writes it: from the home address, without the 24-octet destination options header.</summary>
    private static byte[] WithoutHomeAddressOption(byte[] withHao)
    {
        const int DestinationOptionsLength = 24;
        var plain = new byte[withHao.Length - DestinationOptionsLength];
        withHao.AsSpan(0, 40).CopyTo(plain);
        withHao.AsSpan(40 + DestinationOptionsLength).CopyTo(plain.AsSpan(40));
        plain[6] = withHao[40];
        ushort payload = (ushort)(plain.Length - 40);
        plain[4] = (byte)(payload >> 8);
        plain[5] = (byte)payload;
        withHao.AsSpan(40 + 8, 16).CopyTo(plain.AsSpan(8)); // source = the home address
        return plain;
    }
}

/// <summary>
/// A mobile node's <see cref="HomeRegistration"/> and a real <see cref="HomeAgentCore"/> (through <see cref="CoreHarness"/>)
/// joined by packets: what the machine asks to send is written as the mobile node module writes it and delivered to
/// the home agent; the home agent's answers are read and dispatched as the module does.
/// </summary>
internal sealed class MnHaLink
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public MnHaLink(bool discover = false, int maxLifetimeSeconds = 420, MobileRouterRegistration? mobileRouter = null, Prefix[]? haPrefixes = null)
    {
        Ha = new CoreHarness(Topology.Section(maxLifetimeSeconds: maxLifetimeSeconds, nodes: Topology.Node(Topology.Home, haPrefixes)));
        Machine = new HomeRegistration(new HomeRegistrationOptions(Topology.Home, 64, discover ? null : Topology.HomeAgent, TimeSpan.FromSeconds(120), 10, MobileRouter: mobileRouter));
    }

    public CoreHarness Ha { get; }

    public HomeRegistration Machine { get; }

    public DateTimeOffset Now => Ha.Now;

    public List<Shisa.DataPlane.Bus.MobilityMessage> Published { get; } = [];

    public TimeSpan? LastArmed { get; private set; }

    public List<byte[]> Move(IPAddress careOf) => Handle(new MovedTo(careOf, "eth0"));

    /// <summary>Feeds <paramref name="event"/> to the machine; returns the packets it asked to send.</summary>
    public List<byte[]> Handle(HomeRegistrationEvent @event)
    {
        var packets = new List<byte[]>();
        foreach (var action in Machine.Handle(@event, Now))
        {
            switch (action)
            {
                case SendBindingUpdate bu:
                    var buffer = new byte[MobilityPackets.MaxPacketLength];
                    Assert.That(MobileNodePackets.TryWriteBindingUpdate(bu.Request, null, Now, buffer, out int n), Is.True);
                    packets.Add(buffer[..n]);
                    break;
                case SendHaadRequest request:
                    var sender = new Capture();
                    Assert.That(MobileNodePackets.SendHaadRequest(sender, request, request.MobileRouterSupport), Is.True);
                    packets.Add(sender.Last!);
                    break;
                case PublishMessage publish:
                    Published.Add(publish.Message);
                    break;
                case ArmTimer armed:
                    LastArmed = armed.After;
                    break;
            }
        }

        return packets;
    }

    /// <summary>Delivers a packet from the home agent to the mobile node as its module would; returns what the machine sends.</summary>
    public List<byte[]> DeliverToMobileNode(byte[] packet)
    {
        var signalling = new SignallingPacket(packet, SignallingKinds.MobilityHeader, "eth0", 2, Now);
        if (MobilityPackets.TryRead(signalling, out var received, out _, out _))
        {
            return received!.Message switch
            {
                BindingAcknowledgement ack => Handle(new BaReceived(ack, received.Source, received.Destination, received.RoutingHomeAddress)),
                BindingRefreshRequest => Handle(new BrrReceived(received.Source)),
                _ => [],
            };
        }

        Assert.That(Ipv6Packet.TryParse(packet, out var ip) && ip.UpperLayerProtocol == IpProtocol.Icmpv6, Is.True, "neither MH nor ICMPv6");
        Assert.That(Icmpv6Header.TryRead(ip.UpperLayer, out var icmp) && icmp.VerifyChecksum(ip.PseudoSource, ip.PseudoDestination), Is.True);
        return HomeAgentAddressDiscoveryReply.TryParse(ip.UpperLayer, out var reply)
            ? Handle(new HaadReplyReceived(reply!, ip.Header.SourceAddress))
            : [];
    }

    /// <summary>Delivers <paramref name="packets"/> to the home agent (answering its DAD) and its answers back, until quiet; returns the BAs the mobile node got.</summary>
    public List<BindingAcknowledgement> Exchange(List<byte[]> packets)
    {
        var acknowledgements = new List<BindingAcknowledgement>();
        var pending = new Queue<byte[]>(packets);
        while (pending.Count > 0)
        {
            int before = Ha.Sender.Packets.Count;
            var packet = pending.Dequeue();
            bool icmp = Ipv6Packet.TryParse(packet, out var ip) && ip.UpperLayerProtocol == IpProtocol.Icmpv6;
            if (icmp)
            {
                Ha.Deliver(packet, SignallingKinds.HomeAgentDiscovery);
            }
            else
            {
                Ha.Register(packet);
            }

            foreach (var answer in Ha.Sender.Packets.Skip(before))
            {
                if (MobilityPackets.TryRead(new SignallingPacket(answer, SignallingKinds.MobilityHeader, "eth0", 2, Now), out var received, out _, out _)
                    && received!.Message is BindingAcknowledgement ack)
                {
                    acknowledgements.Add(ack);
                }

                foreach (var next in DeliverToMobileNode(answer))
                {
                    pending.Enqueue(next);
                }
            }
        }

        return acknowledgements;
    }

    public static byte[] Write(Shisa.DataPlane.Wire.Mobility.MobilityMessage message, Ipv6Envelope envelope)
    {
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobilityPackets.TryWrite(message, envelope, buffer, out int n), Is.True);
        return buffer[..n];
    }

    private sealed class Capture : Shisa.DataPlane.IPacketSender
    {
        public byte[]? Last { get; private set; }

        public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
        {
            Last = ipv6Packet.ToArray();
            return true;
        }
    }
}
