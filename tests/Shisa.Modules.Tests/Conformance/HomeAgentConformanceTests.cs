using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.HomeAgent;
using Shisa.Modules.Tests.HomeAgent;
using static Shisa.Modules.Tests.HomeAgent.Packets;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;
using BindingErrorStatus = Shisa.DataPlane.Wire.Mobility.BindingErrorStatus;

namespace Shisa.Modules.Tests.Conformance;

/// <summary>
/// Home agent conformance, after the TAHI / IPv6 Ready Phase-2 Mobile IPv6 home agent section: every test feeds
/// whole encoded packets to <see cref="HomeAgentCore.Process"/> and reads back what it sends and publishes.
/// </summary>
[Category("Conformance")]
public class HomeAgentConformanceTests
{
    // ---- RFC 6275 9.2: Mobility Header processing ------------------------------------------------------------

    [Test]
    [Description("RFC 6275 9.2, 6.1.1 MUST: a Mobility Header whose checksum does not verify is silently discarded")]
    public void Rfc6275_9_2_MobilityHeaderWithBadChecksumIsSilentlyDiscarded()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("malformed.json", "bu_bad_checksum"));

        Assert.That(ha.Sender.Packets, Is.Empty, "no BA, no Binding Error, no Parameter Problem");
        Assert.That(ha.Published, Is.Empty, "no DAD, no binding");
    }

    [Test]
    [Description("RFC 6275 9.2 MUST: a Mobility Header whose Header Len overruns the packet is discarded")]
    public void Rfc6275_9_2_MobilityHeaderLongerThanThePacketIsDiscarded()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("malformed.json", "bu_truncated"));

        Assert.That(ha.Sender.Packets, Is.Empty);
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    [Description("RFC 6275 9.2 MUST/SHOULD: Header Len below the type's minimum is discarded and answered with ICMPv6 Parameter Problem code 0 pointing at Header Len")]
    public void Rfc6275_9_2_HeaderLenBelowMinimumGetsParameterProblemCode0AtHeaderLen()
    {
        var ha = new CoreHarness();
        var invoking = Vectors.Packet("malformed.json", "bu_header_len_0");
        ha.Deliver(invoking);

        var problem = ReadParameterProblem(ha.Sender.Packets.Single(), out var destination);
        Assert.That(destination, Is.EqualTo(Topology.CareOf), "to the offending packet's source");
        Assert.That(problem.Code, Is.EqualTo(ParameterProblemCode.ErroneousHeaderField));
        Assert.That(problem.Pointer, Is.EqualTo(UpperLayerOffset(invoking) + 1), "the Header Len octet, counted from the invoking packet's start");
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    [Description("RFC 6275 9.2 MUST/SHOULD: a Payload Proto other than 59 (IPPROTO_NONE) is discarded and answered with Parameter Problem code 0 pointing at Payload Proto")]
    public void Rfc6275_9_2_PayloadProtoOtherThan59GetsParameterProblemCode0AtPayloadProto()
    {
        var ha = new CoreHarness();
        var invoking = WithPayloadProto(BindingUpdate(1), IpProtocol.Icmpv6);
        ha.Deliver(invoking);

        var problem = ReadParameterProblem(ha.Sender.Packets.Single(), out var destination);
        Assert.That(destination, Is.EqualTo(Topology.CareOf));
        Assert.That(problem.Code, Is.EqualTo(ParameterProblemCode.ErroneousHeaderField));
        Assert.That(problem.Pointer, Is.EqualTo(UpperLayerOffset(invoking)), "the Payload Proto octet");
        Assert.That(ha.Published, Is.Empty, "the Binding Update inside is not processed");
    }

    [Test]
    [Description("RFC 6275 9.2 MUST/SHOULD: an unrecognized MH Type is discarded and answered with a Binding Error, status 2, to the source")]
    public void Rfc6275_9_2_UnknownMobilityHeaderTypeGetsBindingErrorStatus2()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("malformed.json", "mh_unknown_type_99"));

        var error = (BindingError)ha.LastMobility().Message;
        Assert.That(error.Status, Is.EqualTo(BindingErrorStatus.UnrecognizedMobilityHeaderType));
        Assert.That(ha.LastMobility().Destination, Is.EqualTo(Topology.CareOf));
        Assert.That(Hex(ha.Sender.Packets.Single()), Is.EqualTo(Hex(Vectors.Packet("mh_be.json", "be_unrecognized_type"))));
    }

    [Test]
    [Description("RFC 6275 9.2, RFC 4443 2.4(f) SHOULD: error answers to malformed Mobility Headers are rate-limited")]
    public void Rfc6275_9_2_ErrorMessagesAreRateLimited()
    {
        var ha = new CoreHarness(tuning: new HomeAgentTuning { ErrorRatePerSecond = 3 });
        for (int i = 0; i < 10; i++)
        {
            ha.Deliver(Vectors.Packet("malformed.json", "mh_unknown_type_99"));
        }

        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(3));
    }

    // ---- RFC 6275 9.5.1, 10.3.1: Binding Update processing and statuses --------------------------------------

    [Test]
    [Description("RFC 6275 10.3.1 MUST: an acceptable home registration is cached and acknowledged with status 0, to the care-of address with a type 2 routing header")]
    public void Rfc6275_10_3_1_AcceptedHomeRegistrationGetsStatus0WithType2RoutingHeader()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(7));

        var ba = ha.LastMobility();
        Assert.That(ba.Message, Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 7, 30)));
        Assert.That(ba.Source, Is.EqualTo(Topology.HomeAgent));
        Assert.That(ba.Destination, Is.EqualTo(Topology.CareOf));
        Assert.That(ba.RoutingHomeAddress, Is.EqualTo(Topology.Home));
        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.CareOfAddress, Is.EqualTo(Topology.CareOf));
    }

    [Test]
    [Description("RFC 6275 10.3.1, 6.2.5: the Alternate Care-of Address option, when present, is the care-of address registered")]
    public void Rfc6275_10_3_1_AlternateCareOfAddressOptionIsTheRegisteredCareOfAddress()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1, options: [new AlternateCareOfAddressOption(Topology.CareOf2)]));

        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.CareOfAddress, Is.EqualTo(Topology.CareOf2));
    }

    [Test]
    [Description("RFC 6275 9.5.4 MUST NOT: an accepted Binding Update without A gets no acknowledgement")]
    public void Rfc6275_9_5_4_AcceptedBindingUpdateWithoutAIsNotAcknowledged()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1, flags: WireFlags.H));

        Assert.That(ha.Sender.Packets, Is.Empty);
        Assert.That(ha.Core.BindingCount, Is.EqualTo(1));
    }

    [Test]
    [Description("RFC 6275 9.5.4 MUST: a rejected Binding Update is acknowledged even without A")]
    public void Rfc6275_9_5_4_RejectedBindingUpdateIsAcknowledgedEvenWithoutA()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1, flags: WireFlags.H, home: Topology.OtherHome));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.AdministrativelyProhibited));
    }

    [Test]
    [Description("RFC 6275 6.1.8, 10.3.1: a mobile node the home agent's policy does not allow is refused with 129 (Administratively prohibited)")]
    public void Rfc6275_6_1_8_UnlistedMobileNodeIsRefusedWith129()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1, home: Topology.OtherHome));

        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.AdministrativelyProhibited, BindingAcknowledgementFlags.None, 1, 0)));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    [Description("RFC 6275 6.1.8, 9.5.2 MUST: with no room for a new binding the Binding Update is refused with 130 (Insufficient resources)")]
    public void Rfc6275_9_5_2_NoRoomForANewBindingIsRefusedWith130()
    {
        var ha = new CoreHarness(Topology.Section(maxBindings: 1, nodes: [Topology.Node(Topology.Home), Topology.Node(Topology.OtherHome)]));
        ha.Register(BindingUpdate(1));
        ha.Deliver(BindingUpdate(1, home: Topology.OtherHome));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.InsufficientResources));
        Assert.That(ha.Core.BindingCount, Is.EqualTo(1));
    }

    [Test]
    [Description("RFC 6275 10.3.1 MUST: a home address that is not on the home agent's home subnet is refused with 132 (Not home subnet)")]
    public void Rfc6275_10_3_1_HomeAddressOffTheHomeSubnetIsRefusedWith132()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1, home: IPAddress.Parse("2001:db8:2::100")));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.NotHomeSubnet));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    [Description("RFC 6275 10.3.2 MUST/SHOULD: a deregistration without a home registration is rejected with 133 (Not home agent for this mobile node)")]
    public void Rfc6275_10_3_2_DeregistrationWithoutABindingIsRefusedWith133()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1, lifetimeUnits: 0));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.NotHomeAgentForThisMobileNode));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    [Description("RFC 6275 10.3.1 MUST: duplicate address detection of the home address that fails refuses the registration with 134 and caches nothing")]
    public void Rfc6275_10_3_1_FailedDuplicateAddressDetectionIsRefusedWith134()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1));
        Assert.That(ha.PublishedOf<Dad>().Single(), Is.EqualTo(new Dad(DadMessage.Do, Topology.Home, "eth0", 2)), "DAD on the home link first");
        Assert.That(ha.Sender.Packets, Is.Empty, "no BA before DAD has a result");

        ha.Answer(DadMessage.Fail, Topology.Home);

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.DuplicateAddressDetectionFailed));
        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Is.Empty);
    }

    [Test]
    [Description("RFC 6275 10.3.1 MUST: the binding (and with it proxy Neighbor Discovery for the home address) is installed only after DAD succeeds, and before the acknowledgement leaves")]
    public void Rfc6275_10_3_1_BindingIsInstalledAfterDadAndBeforeTheAcknowledgement()
    {
        var log = new OrderLog();
        var core = log.Core();
        log.Deliver(core, BindingUpdate(1));
        Assert.That(log.Events, Is.EqualTo(new[] { "Dad" }), "nothing installed, nothing sent while DAD runs");

        core.Process(new DadReported(new Dad(DadMessage.Success, Topology.Home, "eth0", 2)), OrderLog.Now);

        Assert.That(log.Events, Is.EqualTo(new[] { "Dad", "BindingCacheAdd", "sent" }));
    }

    [Test]
    [Description("RFC 6275 10.3.2 MUST: a deregistration removes the binding (stopping proxy Neighbor Discovery and the tunnel) before the acknowledgement is sent")]
    public void Rfc6275_10_3_2_BindingIsRemovedBeforeTheDeregistrationAcknowledgement()
    {
        var log = new OrderLog();
        var core = log.Core();
        log.Deliver(core, BindingUpdate(1));
        core.Process(new DadReported(new Dad(DadMessage.Success, Topology.Home, "eth0", 2)), OrderLog.Now);
        log.Events.Clear();

        log.Deliver(core, BindingUpdate(2, lifetimeUnits: 0));

        Assert.That(log.Events, Is.EqualTo(new[] { "BindingCacheRemove", "sent" }));
    }

    [Test]
    [Description("RFC 6275 10.3.1 MUST: with L set, the mobile node's link-local address (from its interface identifier) is defended too")]
    public void Rfc6275_10_3_1_LinkLocalCompatibilityAlsoRunsDadOnTheLinkLocalAddress()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1, flags: AH | WireFlags.L));

        Assert.That(ha.PublishedOf<Dad>().Select(d => d.Address), Is.EqualTo(new[] { Topology.Home, IPAddress.Parse("fe80::100") }));
    }

    [Test]
    [Description("RFC 6275 10.3.1: a refresh of an existing home registration needs no new DAD and is accepted at once")]
    public void Rfc6275_10_3_1_RefreshOfAnExistingBindingNeedsNoDad()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1));
        ha.Published.Clear();

        ha.Deliver(BindingUpdate(2, careOf: Topology.CareOf2));

        Assert.That(ha.PublishedOf<Dad>(), Is.Empty);
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.CareOfAddress, Is.EqualTo(Topology.CareOf2));
    }

    [Test]
    [Description("RFC 6275 9.5.1 MUST: a sequence number not greater than the cached one (modulo 2^16) is refused with 135 carrying the last accepted sequence number")]
    public void Rfc6275_9_5_1_OldSequenceNumberIsRefusedWith135AndTheLastAcceptedSequence()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1000));
        ha.Published.Clear();

        ha.Deliver(BindingUpdate(1000, careOf: Topology.CareOf2));
        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.SequenceNumberOutOfWindow, BindingAcknowledgementFlags.None, 1000, 0)));
        ha.Deliver(BindingUpdate(999, careOf: Topology.CareOf2));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.SequenceNumberOutOfWindow));
        Assert.That(ha.Published, Is.Empty, "the binding stays as it was");
    }

    [Test]
    [Description("RFC 6275 9.5.1: sequence numbers compare modulo 2^16 — a number up to 2^15 - 1 ahead of the cached one is newer, across the wrap")]
    public void Rfc6275_9_5_1_SequenceNumberWrapsModulo2To16()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(65535));
        ha.Deliver(BindingUpdate(0));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted), "0 follows 65535");
        ha.Deliver(BindingUpdate(32767));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted), "2^15 - 1 ahead is newer");
    }

    [Test]
    [Description("RFC 6275 9.5.1: a sequence number 2^15 or more ahead of the cached one (modulo 2^16) is not newer: 135")]
    public void Rfc6275_9_5_1_SequenceNumberHalfTheSpaceAheadIsOutOfWindow()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(10));
        ha.Deliver(BindingUpdate(10 + 32768));

        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.SequenceNumberOutOfWindow, BindingAcknowledgementFlags.None, 10, 0)));
    }

    [Test]
    [Description("RFC 6275 10.3.1 MUST: the lifetime granted is no longer than the home agent's maximum (max_lifetime)")]
    public void Rfc6275_10_3_1_LifetimeIsClampedToTheMaximum()
    {
        var ha = new CoreHarness(Topology.Section(maxLifetimeSeconds: 100));
        ha.Register(BindingUpdate(1, lifetimeUnits: 1000));

        Assert.That(ha.LastAck().LifetimeUnits, Is.EqualTo(25));
        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(100)));
    }

    [Test]
    [Description("RFC 6275 10.3.1 MUST: the lifetime granted is no longer than the remaining valid lifetime of the home prefix")]
    public void Rfc6275_10_3_1_LifetimeIsClampedToTheHomePrefixValidLifetime()
    {
        var ha = new CoreHarness(tuning: new HomeAgentTuning { PrefixValidLifetime = TimeSpan.FromSeconds(40) });
        ha.Register(BindingUpdate(1, lifetimeUnits: 100));

        Assert.That(ha.LastAck().LifetimeUnits, Is.EqualTo(10));
    }

    [Test]
    [Description("RFC 6275 10.3.1, 9.5.2: a home registration is deleted when its granted lifetime runs out")]
    public void Rfc6275_10_3_1_BindingIsDeletedWhenItsLifetimeExpires()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1, lifetimeUnits: 5));
        ha.Published.Clear();

        ha.Advance(TimeSpan.FromSeconds(19));
        Assert.That(ha.Core.BindingCount, Is.EqualTo(1));
        ha.Advance(TimeSpan.FromSeconds(1));

        Assert.That(ha.Core.BindingCount, Is.Zero);
        Assert.That(ha.PublishedOf<BindingCacheRemove>().Single().Entry.HomeAddress, Is.EqualTo(Topology.Home));
    }

    [Test]
    [Description("RFC 6275 10.3.2 MUST: a deregistration (lifetime 0) deletes the binding and is acknowledged with status 0 and lifetime 0")]
    public void Rfc6275_10_3_2_DeregistrationWithLifetime0DeletesTheBinding()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1));
        ha.Published.Clear();

        ha.Deliver(BindingUpdate(2, lifetimeUnits: 0));

        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 2, 0)));
        Assert.That(ha.PublishedOf<BindingCacheRemove>(), Has.Length.EqualTo(1));
        Assert.That(ha.Core.BindingCount, Is.Zero);
    }

    [Test]
    [Description("RFC 6275 10.3.2: a Binding Update from the home address itself (care-of address = home address) is a deregistration; the BA goes to the home address without a routing header")]
    public void Rfc6275_10_3_2_ReturningHomeDeregistersAndAnswersTheHomeAddressDirectly()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1));

        ha.Deliver(BindingUpdate(2, atHome: true));

        var ba = ha.LastMobility();
        Assert.That(ba.Destination, Is.EqualTo(Topology.Home));
        Assert.That(ba.RoutingHomeAddress, Is.Null);
        Assert.That(((BindingAcknowledgement)ba.Message).Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(ha.Core.BindingCount, Is.Zero);
    }

    [Test]
    [Ignore("known deviation: HomeAgentCore drops every Binding Update without H (left to the correspondent role), even for a home address it holds a home registration for")]
    [Description("RFC 6275 9.5.1 MUST: a Binding Update whose H bit differs from the existing binding's (a home registration) is refused with 139 (Registration type change disallowed)")]
    public void Rfc6275_9_5_1_RegistrationTypeChangeIsRefusedWith139()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1));

        ha.Deliver(BindingUpdate(2, flags: WireFlags.A));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.RegistrationTypeChangeDisallowed));
    }

    [Test]
    [Description("RFC 6275 9.5.1: a Binding Update whose care-of address is not a routable unicast address is silently dropped")]
    public void Rfc6275_9_5_1_MulticastCareOfAddressIsDropped()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1, options: [new AlternateCareOfAddressOption(IPAddress.Parse("ff05::1"))]));

        Assert.That(ha.Sender.Packets, Is.Empty);
        Assert.That(ha.Published, Is.Empty);
    }

    // ---- RFC 4285: MN-HA authentication (statuses 144-146) ---------------------------------------------------

    [Test]
    [Description("RFC 4285 5, 6 MUST: a Binding Update whose MN-HA authenticator does not verify is refused with 146")]
    public void Rfc4285_5_WrongAuthenticatorIsRefusedWith146()
    {
        var ha = AuthenticatedHarness();
        ha.Deliver(SignedBindingUpdate(1, Ntp(ha), key: new byte[16]));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.AuthenticationFailed));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    [Description("RFC 4285 6 MUST: a signed Binding Update without the replay protection (timestamp) option is refused with 145")]
    public void Rfc4285_6_MissingReplayProtectionIsRefusedWith145()
    {
        var ha = AuthenticatedHarness();
        ha.Deliver(SignedBindingUpdate(1, timestamp: null));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.MessageIdRequired));
    }

    [Test]
    [Description("RFC 4285 6 MUST: a timestamp outside the window is refused with 144, the BA carrying the home agent's own time")]
    public void Rfc4285_6_StaleTimestampIsRefusedWith144AndTheHomeAgentsTime()
    {
        var ha = AuthenticatedHarness();
        ha.Deliver(SignedBindingUpdate(1, Ntp(ha, -600)));

        var ba = ha.LastAck();
        Assert.That(ba.Status, Is.EqualTo(BindingAcknowledgementStatus.MobileNodeIdentifierMismatch));
        Assert.That(ba.Options.Find<MobilityMessageReplayProtectionOption>()!.Timestamp, Is.EqualTo(Ntp(ha)));
    }

    [Test]
    [Description("RFC 4285 5, 6: a correctly signed, fresh Binding Update is accepted and the BA is signed, echoing the timestamp")]
    public void Rfc4285_5_SignedFreshBindingUpdateIsAcceptedWithASignedAcknowledgement()
    {
        var ha = AuthenticatedHarness();
        ulong stamp = Ntp(ha);
        ha.Register(SignedBindingUpdate(1, stamp));

        var received = ha.LastMobility();
        var ba = (BindingAcknowledgement)received.Message;
        Assert.That(ba.Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(ba.Options.Find<MobilityMessageReplayProtectionOption>()!.Timestamp, Is.EqualTo(stamp));
        Assert.That(ba.Options.Find<MobilityMessageAuthenticationOption>(), Is.Not.Null, "the MN-HA option is last");
    }

    // ---- RFC 6275 10.5: Dynamic home agent address discovery -------------------------------------------------

    [Test]
    [Description("RFC 6275 10.5 MUST: a DHAAD request to the home subnet's Mobile IPv6 Home-Agents anycast address is answered with a reply listing the home agent, the Identifier copied")]
    public void Rfc6275_10_5_DhaadRequestToTheAnycastAddressIsAnswered()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("icmpv6_dhaad.json", "haad_request"), SignallingKinds.HomeAgentDiscovery);

        var icmp = ReadIcmp(ha.Sender.Packets.Single(), out var source, out var destination);
        Assert.That(source, Is.EqualTo(Topology.HomeAgent), "from the home agent's unicast address");
        Assert.That(destination, Is.EqualTo(Topology.CareOf), "to the request's source");
        Assert.That(HomeAgentAddressDiscoveryReply.TryParse(icmp, out var reply), Is.True);
        Assert.That(reply!.Identifier, Is.EqualTo(0x1234));
        Assert.That(reply.HomeAgents, Is.EqualTo(new[] { Topology.HomeAgent }));
    }

    [Test]
    [Description("RFC 6275 10.5: a DHAAD request sent to an address other than the home subnet's anycast address is not answered")]
    public void Rfc6275_10_5_DhaadRequestToAnotherAddressIsNotAnswered()
    {
        var ha = new CoreHarness();
        var buffer = new byte[1280];
        Assert.That(Icmpv6PacketBuilder.TryWrite(buffer, new Ipv6Envelope(Topology.CareOf, Topology.HomeAgent), new HomeAgentAddressDiscoveryRequest(7), out int n), Is.True);
        ha.Deliver(buffer[..n], SignallingKinds.HomeAgentDiscovery);

        Assert.That(ha.Sender.Packets, Is.Empty);
    }

    [Test]
    [Description("RFC 3963 7.2, 7.3 MUST: a DHAAD request with R set lists only home agents that support mobile routers (none here: no answer); with mobile routers allowed the reply has R set")]
    public void Rfc3963_7_3_DhaadRequestWithRListsOnlyMobileRouterHomeAgents()
    {
        var host = new CoreHarness();
        host.Deliver(Vectors.Packet("icmpv6_dhaad.json", "haad_request_mr"), SignallingKinds.HomeAgentDiscovery);
        Assert.That(host.Sender.Packets, Is.Empty);

        var nemo = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, [Topology.MobileNetwork])));
        nemo.Deliver(Vectors.Packet("icmpv6_dhaad.json", "haad_request_mr"), SignallingKinds.HomeAgentDiscovery);
        Assert.That(HomeAgentAddressDiscoveryReply.TryParse(ReadIcmp(nemo.Sender.Packets.Single(), out _, out _), out var reply), Is.True);
        Assert.That(reply!.MobileRouterSupport, Is.True);
    }

    // ---- RFC 6275 10.6: Mobile prefix solicitation / advertisement ---------------------------------------------

    [Test]
    [Description("RFC 6275 10.6.2 MUST: a Mobile Prefix Solicitation from a registered mobile node is answered with a Mobile Prefix Advertisement, Identifier copied, to the care-of address with a type 2 routing header")]
    public void Rfc6275_10_6_2_PrefixSolicitationIsAnsweredWithAnAdvertisement()
    {
        var ha = new CoreHarness();
        ha.Register(Vectors.Packet("mh_bu.json", "bu_home_registration_altcoa"));
        ha.Deliver(Vectors.Packet("icmpv6_mps_mpa.json", "mps_with_hao"), SignallingKinds.MobilePrefix);

        Assert.That(Ipv6Packet.TryParse(ha.Sender.Packets[^1], out var ip), Is.True);
        Assert.That(ip.Header.DestinationAddress, Is.EqualTo(Topology.CareOf));
        Assert.That(ip.HasType2RoutingHeader, Is.True);
        Assert.That(new IPAddress(ip.RoutingHomeAddress), Is.EqualTo(Topology.Home));
        Assert.That(MobilePrefixAdvertisement.TryParse(ReadIcmp(ha.Sender.Packets[^1], out _, out _), out var advertisement), Is.True);
        Assert.That(advertisement!.Identifier, Is.EqualTo(0x4321));
        Assert.That(advertisement.Prefixes.Single().Prefix, Is.EqualTo(Topology.HomePrefix.Network));
        Assert.That(Hex(ha.Sender.Packets[^1]), Is.EqualTo(Hex(Vectors.Packet("icmpv6_mps_mpa.json", "mpa_with_rh2"))));
    }

    [Test]
    [Description("RFC 6275 10.6.2: a Mobile Prefix Solicitation from a node without a home registration is not answered")]
    public void Rfc6275_10_6_2_PrefixSolicitationWithoutABindingIsNotAnswered()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("icmpv6_mps_mpa.json", "mps_with_hao"), SignallingKinds.MobilePrefix);

        Assert.That(ha.Sender.Packets, Is.Empty);
    }

    [Test]
    [Description("RFC 6275 10.6.3 SHOULD: when the home prefix changes, the home agent sends an unsolicited Mobile Prefix Advertisement to each registered mobile node")]
    public void Rfc6275_10_6_3_ChangedHomePrefixIsAdvertisedUnsolicited()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1));
        int sent = ha.Sender.Packets.Count;

        ha.Core.Process(new HomeAgentReconfigured(Topology.Section() with { Prefix = Prefix.Parse("2001:db8:1::/56") }), ha.Now);

        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(sent + 1));
        Assert.That(MobilePrefixAdvertisement.TryParse(ReadIcmp(ha.Sender.Packets[^1], out _, out var destination), out _), Is.True);
        Assert.That(destination, Is.EqualTo(Topology.CareOf));
    }

    // ---- RFC 3963: NEMO basic support (statuses 140-143) ----------------------------------------------------

    [Test]
    [Description("RFC 3963 6.6 MUST: a Binding Update with R from a node not allowed to act as a mobile router is refused with 140 (Mobile Router Operation not permitted)")]
    public void Rfc3963_6_6_MobileRouterFlagFromAHostIsRefusedWith140()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("mh_bu.json", "bu_nemo_explicit"));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.MobileRouterOperationNotPermitted));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    [Description("RFC 3963 6.6 MUST: a Mobile Network Prefix option that is not a valid mobile network prefix (link-local) is refused with 141 (Invalid Prefix)")]
    public void Rfc3963_6_6_InvalidMobileNetworkPrefixIsRefusedWith141()
    {
        var ha = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, [Prefix.Parse("::/0")])));
        ha.Deliver(BindingUpdate(1, flags: AH | WireFlags.R, options: [new MobileNetworkPrefixOption(64, IPAddress.Parse("fe80::"))]));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.InvalidPrefix));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    [Description("RFC 3963 6.6 MUST: a mobile network prefix the mobile router is not authorized for is refused with 142 (Not Authorized for Prefix)")]
    public void Rfc3963_6_6_UnauthorizedMobileNetworkPrefixIsRefusedWith142()
    {
        var ha = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, [Prefix.Parse("2001:db8:1:200::/56")])));
        ha.Deliver(Vectors.Packet("mh_bu.json", "bu_nemo_explicit"));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.NotAuthorizedForPrefix));
        Assert.That(Hex(ha.Sender.Packets.Single()), Is.EqualTo(Hex(Vectors.Packet("mh_ba.json", "ba_nemo_not_authorized"))));
    }

    [Test]
    [Description("RFC 3963 6.6 MUST: when forwarding to the mobile network cannot be set up (implicit mode, no prefix fit to forward) the registration is refused with 143 (Forwarding Setup failed)")]
    public void Rfc3963_6_6_ForwardingSetupFailureIsRefusedWith143()
    {
        var ha = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, [Topology.HomePrefix])));
        ha.Deliver(BindingUpdate(1, flags: AH | WireFlags.R));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.ForwardingSetupFailed));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    [Description("RFC 3963 6.2 MUST: an accepted mobile router registration (explicit mode) binds the prefix and its BA has R set")]
    public void Rfc3963_6_2_AcceptedMobileRouterRegistrationHasRInTheAcknowledgement()
    {
        var ha = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, [Topology.MobileNetwork])));
        ha.Register(Vectors.Packet("mh_bu.json", "bu_nemo_explicit"));

        Assert.That(ha.LastAck().Flags, Is.EqualTo(BindingAcknowledgementFlags.R));
        var entry = ha.PublishedOf<BindingCacheAdd>().Single().Entry;
        Assert.That(entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([Topology.MobileNetwork])));
        Assert.That(entry.Flags & BusFlags.MobileRouter, Is.EqualTo(BusFlags.MobileRouter));
    }

    [Test]
    [Description("RFC 3963 6.3 MUST: in implicit mode (R, no Mobile Network Prefix option) the home agent binds the prefixes it has configured for the mobile router")]
    public void Rfc3963_6_3_ImplicitModeBindsTheConfiguredPrefixes()
    {
        var ha = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, [Topology.MobileNetwork])));
        ha.Register(Vectors.Packet("mh_bu.json", "bu_nemo_implicit"));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([Topology.MobileNetwork])));
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /// <summary>What a home agent core publishes and sends, in one sequence.</summary>
    private sealed class OrderLog : Shisa.DataPlane.IPacketSender
    {
        public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public List<string> Events { get; } = [];

        public HomeAgentCore Core() => new(Topology.Section(), this, m => Events.Add(m.GetType().Name), homeLink: new HomeLink("eth0", 2));

        public void Deliver(HomeAgentCore core, byte[] packet) =>
            core.Process(new SignallingReceived(new SignallingPacket(packet, SignallingKinds.MobilityHeader, "eth0", 2, Now)), Now);

        public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
        {
            Events.Add("sent");
            return true;
        }
    }

    private static CoreHarness AuthenticatedHarness() => new(Topology.Section(nodes: Topology.Node(Topology.Home, authenticated: true)));

    private static ulong Ntp(CoreHarness ha, int offsetSeconds = 0) => NtpTimestamp.FromDateTimeOffset(ha.Now.AddSeconds(offsetSeconds));

    private static int UpperLayerOffset(byte[] packet)
    {
        Assert.That(Ipv6Packet.TryParse(packet, out var ip), Is.True);
        return ip.UpperLayerOffset;
    }

    /// <summary>The packet with the Mobility Header's Payload Proto set to <paramref name="proto"/> and its checksum fixed.</summary>
    private static byte[] WithPayloadProto(byte[] packet, byte proto)
    {
        var copy = (byte[])packet.Clone();
        Assert.That(Ipv6Packet.TryParse(copy, out var ip), Is.True);
        int offset = ip.UpperLayerOffset;
        var source = ip.PseudoSource.ToArray();
        var destination = ip.PseudoDestination.ToArray();
        copy[offset] = proto;
        MobilityHeader.FillChecksum(copy.AsSpan(offset), source, destination);
        return copy;
    }

    private static byte[] ReadIcmp(byte[] packet, out IPAddress source, out IPAddress destination)
    {
        Assert.That(Ipv6Packet.TryParse(packet, out var ip), Is.True);
        source = ip.Header.SourceAddress;
        destination = ip.Header.DestinationAddress;
        Assert.That(ip.UpperLayerProtocol, Is.EqualTo(IpProtocol.Icmpv6));
        Assert.That(Icmpv6Header.TryRead(ip.UpperLayer, out var icmp) && icmp.VerifyChecksum(ip.PseudoSource, ip.PseudoDestination), Is.True, "ICMPv6 checksum");
        return ip.UpperLayer.ToArray();
    }

    private static ParameterProblem ReadParameterProblem(byte[] packet, out IPAddress destination)
    {
        var icmp = ReadIcmp(packet, out _, out destination);
        Assert.That(ParameterProblem.TryParse(icmp, out var problem), Is.True);
        return problem!;
    }
}
