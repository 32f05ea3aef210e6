using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Correspondent;
using static Shisa.Modules.Tests.Correspondent.Vectors;
using BindingUpdateFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;
using BusBindingErrorStatus = Shisa.DataPlane.Bus.BindingErrorStatus;

namespace Shisa.Modules.Tests.Correspondent;

public class CorrespondentNodeTests
{
    [Test]
    public void Answers_the_vector_HoTI_and_CoTI_with_the_vector_HoT_and_CoT()
    {
        var f = new NodeFixture();
        f.Secrets.Install(HomeNonceIndex, Bytes(HomeNonce), Bytes(Kcn), f.Now);

        Assert.That(f.Receive(HotiHex), Is.EqualTo(CorrespondentOutcome.HomeTestSent));
        Assert.That(Hex(f.Sender.TakeSingle()), Is.EqualTo(HotHex));

        f.Secrets.Install(CareOfNonceIndex, Bytes(CareOfNonce), Bytes(Kcn), f.Now);
        Assert.That(f.Receive(CotiHex), Is.EqualTo(CorrespondentOutcome.CareOfTestSent));
        Assert.That(Hex(f.Sender.TakeSingle()), Is.EqualTo(CotHex));

        var counters = f.Node.GetSnapshot(f.Now).Counters;
        Assert.That((counters.HomeTestInitsAnswered, counters.CareOfTestInitsAnswered), Is.EqualTo((1L, 1L)));
    }

    [Test]
    public void A_HoTI_with_a_home_address_option_is_dropped()
    {
        var f = new NodeFixture();
        var hoti = Unsigned(new Shisa.DataPlane.Wire.Mobility.HomeTestInit(0x1111111111111111), new Ipv6Envelope(CareOf, Cn, HomeAddress: Home));

        Assert.That(f.Receive(hoti), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Sender.Packets, Is.Empty);
        Assert.That(f.Node.GetSnapshot(f.Now).Counters.Drops[CorrespondentDrop.HomeAddressOptionOnTestInit], Is.EqualTo(1));
    }

    [Test]
    public void The_vector_BU_is_accepted_published_and_acknowledged_with_the_vector_BA()
    {
        var f = new NodeFixture();

        Assert.That(f.Receive(BuHex), Is.EqualTo(CorrespondentOutcome.BindingAccepted));

        Assert.That(Hex(f.Sender.Single()), Is.EqualTo(BaHex));
        var add = f.Published.OfType<BindingCacheAdd>().Single();
        Assert.That(add.Entry, Is.EqualTo(new BindingCacheEntry(
            Home, CareOf, Cn, Shisa.DataPlane.Bus.BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(400), 4660, EquatableArray<Prefix>.Empty)));
        Assert.That(add.Entry.IsHomeRegistration, Is.False);
        var snapshot = f.Node.GetSnapshot(f.Now);
        Assert.That(snapshot.Bindings.Single().HomeAddress, Is.EqualTo(Home));
        Assert.That(snapshot.Counters.BindingsAccepted, Is.EqualTo(1));
        Assert.That(snapshot.Counters.BindingAcknowledgementsSent, Is.EqualTo(1));
    }

    [Test]
    public void The_signing_helper_reproduces_the_vector_BU()
    {
        Assert.That(Hex(SignedBindingUpdate(4660, 100)), Is.EqualTo(BuHex));
        Assert.That(Hex(SignedBindingUpdate(4661, 0)), Is.EqualTo(DeregHex));
    }

    [Test]
    public void The_vector_deregistration_removes_the_binding_and_is_acknowledged_with_the_deregistration_key()
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        f.Sender.Clear();
        f.Published.Clear();

        Assert.That(f.Receive(DeregHex), Is.EqualTo(CorrespondentOutcome.BindingDeleted));

        var remove = f.Published.OfType<BindingCacheRemove>().Single();
        Assert.That(remove.Entry.Key, Is.EqualTo(new BindingCacheKey(Cn, Home, 0)));
        var ba = Read(f.Sender.Single());
        Assert.That(ba.Message, Is.EqualTo(new Shisa.DataPlane.Wire.Mobility.BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 4661, 0)
        {
            Options = ba.Message.Options,
        }));
        Assert.That(ba.RoutingHomeAddress, Is.EqualTo(Home));
        Assert.That(ReturnRoutability.Verify(ba.MobilityHeader.Span, Bytes(KbmDeregistration), CareOf.GetAddressBytes(), Cn.GetAddressBytes()), Is.True);
        Assert.That(f.Node.BindingCount, Is.Zero);
    }

    [Test]
    public void A_deregistration_authenticated_over_the_home_address_as_RFC_6275_6_2_7_words_it_is_accepted_too()
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        f.Sender.Clear();

        Assert.That(f.Receive(SignedBindingUpdate(4661, 0, authenticatedCareOf: Home)), Is.EqualTo(CorrespondentOutcome.BindingDeleted));

        var ba = Read(f.Sender.Single());
        Assert.That(ReturnRoutability.Verify(ba.MobilityHeader.Span, Bytes(KbmDeregistration), Home.GetAddressBytes(), Cn.GetAddressBytes()), Is.True);
    }

    [Test]
    public void A_registration_authenticated_over_the_home_address_is_not()
    {
        var f = new NodeFixture();

        Assert.That(f.Receive(SignedBindingUpdate(1, 100, authenticatedCareOf: Home)), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Published, Is.Empty);
    }

    [Test]
    public void A_flipped_authenticator_bit_is_silently_discarded()
    {
        var f = new NodeFixture();
        var bu = Bytes(BuHex);
        bu[^1] ^= 0x01;
        RefillChecksum(bu);

        Assert.That(f.Receive(bu), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Sender.Packets, Is.Empty, "no BA");
        Assert.That(f.Published, Is.Empty, "no binding change");
        Assert.That(f.Node.GetSnapshot(f.Now).Counters.Drops[CorrespondentDrop.BadAuthenticator], Is.EqualTo(1));
    }

    [Test]
    public void A_flipped_authenticator_does_not_touch_an_existing_binding()
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        f.Published.Clear();
        f.Sender.Clear();
        var dereg = Bytes(DeregHex);
        dereg[^3] ^= 0x80;
        RefillChecksum(dereg);

        Assert.That(f.Receive(dereg), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Published, Is.Empty);
        Assert.That(f.Node.BindingCount, Is.EqualTo(1));
    }

    [Test]
    public void A_BU_without_nonce_indices_or_authorization_data_is_silently_dropped()
    {
        var f = new NodeFixture();
        var withoutBad = Unsigned(
            new Shisa.DataPlane.Wire.Mobility.BindingUpdate(1, BindingUpdateFlags.A, 10) { Options = [new NonceIndicesOption(HomeNonceIndex, CareOfNonceIndex)] },
            new Ipv6Envelope(CareOf, Cn, HomeAddress: Home));
        var withoutIndices = Unsigned(
            new Shisa.DataPlane.Wire.Mobility.BindingUpdate(1, BindingUpdateFlags.A, 10) { Options = [BindingAuthorizationDataOption.Placeholder] },
            new Ipv6Envelope(CareOf, Cn, HomeAddress: Home));

        Assert.That(f.Receive(withoutBad), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Receive(withoutIndices), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Sender.Packets, Is.Empty);
        Assert.That(f.Node.GetSnapshot(f.Now).Counters.Drops[CorrespondentDrop.MissingAuthorization], Is.EqualTo(2));
    }

    [TestCase(250, 257, 514, BindingAcknowledgementStatus.ExpiredHomeNonceIndex)]
    [TestCase(250, 514, 257, BindingAcknowledgementStatus.ExpiredCareOfNonceIndex)]
    [TestCase(280, 257, 514, BindingAcknowledgementStatus.ExpiredNonces)]
    public void An_expired_nonce_index_is_refused_with_136_137_or_138(int seconds, int first, int second, BindingAcknowledgementStatus expected)
    {
        var f = new NodeFixture();
        var t0 = f.Now;
        f.Secrets.Install((ushort)first, Bytes(first == HomeNonceIndex ? HomeNonce : CareOfNonce), Bytes(Kcn), t0);
        f.Secrets.Install((ushort)second, Bytes(second == HomeNonceIndex ? HomeNonce : CareOfNonce), Bytes(Kcn), t0 + TimeSpan.FromSeconds(30));
        f.Now = t0 + TimeSpan.FromSeconds(seconds);

        Assert.That(f.Receive(BuHex), Is.EqualTo(CorrespondentOutcome.BindingRefused));

        var ba = Read(f.Sender.Single());
        var message = (Shisa.DataPlane.Wire.Mobility.BindingAcknowledgement)ba.Message;
        Assert.That(message.Status, Is.EqualTo(expected));
        Assert.That(message.Sequence, Is.EqualTo(4660));
        Assert.That(message.Options.Find<BindingAuthorizationDataOption>(), Is.Null, "no Kbm, no authenticator");
        Assert.That((ba.Destination, ba.RoutingHomeAddress), Is.EqualTo((CareOf, Home)));
        Assert.That(f.Published, Is.Empty);
        Assert.That(f.Node.GetSnapshot(f.Now).Counters.BindingUpdatesRefused[expected], Is.EqualTo(1));
    }

    [Test]
    public void A_nonce_still_verifies_until_MAX_NONCE_LIFETIME_after_it_was_made()
    {
        var f = new NodeFixture();
        f.Now += TimeSpan.FromSeconds(239);

        Assert.That(f.Receive(BuHex), Is.EqualTo(CorrespondentOutcome.BindingAccepted));
    }

    [Test]
    public void A_deregistration_ignores_the_care_of_nonce_index()
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        var t0 = f.Now;
        f.Secrets.Install(CareOfNonceIndex, Bytes(CareOfNonce), Bytes(Kcn), t0 - TimeSpan.FromSeconds(1000));
        f.Secrets.Install(HomeNonceIndex, Bytes(HomeNonce), Bytes(Kcn), t0);

        Assert.That(f.Receive(DeregHex), Is.EqualTo(CorrespondentOutcome.BindingDeleted));
    }

    [Test]
    public void A_home_registration_is_refused_with_131_even_without_the_A_flag()
    {
        var f = new NodeFixture();
        var bu = Unsigned(new Shisa.DataPlane.Wire.Mobility.BindingUpdate(7, BindingUpdateFlags.H, 10), new Ipv6Envelope(CareOf, Cn, HomeAddress: Home));

        Assert.That(f.Receive(bu), Is.EqualTo(CorrespondentOutcome.BindingRefused));

        var ba = Read(f.Sender.Single());
        Assert.That(ba.Message, Is.EqualTo(new Shisa.DataPlane.Wire.Mobility.BindingAcknowledgement(BindingAcknowledgementStatus.HomeRegistrationNotSupported, BindingAcknowledgementFlags.None, 7, 0)));
        Assert.That((ba.Source, ba.Destination, ba.RoutingHomeAddress), Is.EqualTo((Cn, CareOf, Home)));
        Assert.That(f.Published, Is.Empty);
    }

    [Test]
    public void A_home_registration_is_left_alone_when_this_process_runs_a_home_agent()
    {
        var f = new NodeFixture(new CorrespondentOptions { RefuseHomeRegistrations = false });
        var bu = Unsigned(new Shisa.DataPlane.Wire.Mobility.BindingUpdate(7, BindingUpdateFlags.A | BindingUpdateFlags.H, 10), new Ipv6Envelope(CareOf, Cn, HomeAddress: Home));

        Assert.That(f.Receive(bu), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Sender.Packets, Is.Empty);
    }

    [TestCase((ushort)4660)]
    [TestCase((ushort)4659)]
    [TestCase((ushort)(4660 + 0x8000))]
    public void A_sequence_number_out_of_window_is_refused_with_135_and_the_last_accepted_number(ushort sequence)
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        f.Sender.Clear();
        f.Published.Clear();

        Assert.That(f.Receive(SignedBindingUpdate(sequence, 100, flags: BindingUpdateFlags.None)), Is.EqualTo(CorrespondentOutcome.BindingRefused));

        var ba = Read(f.Sender.Single());
        var message = (Shisa.DataPlane.Wire.Mobility.BindingAcknowledgement)ba.Message;
        Assert.That(message.Status, Is.EqualTo(BindingAcknowledgementStatus.SequenceNumberOutOfWindow));
        Assert.That(message.Sequence, Is.EqualTo(4660));
        Assert.That(ReturnRoutability.Verify(ba.MobilityHeader.Span, Bytes(Kbm), CareOf.GetAddressBytes(), Cn.GetAddressBytes()), Is.True, "signed with Kbm");
        Assert.That(f.Published, Is.Empty);
    }

    [Test]
    public void Sequence_numbers_wrap_modulo_2_16()
    {
        var f = new NodeFixture();
        Assert.That(f.Receive(SignedBindingUpdate(65535, 10)), Is.EqualTo(CorrespondentOutcome.BindingAccepted));
        Assert.That(f.Receive(SignedBindingUpdate(2, 10)), Is.EqualTo(CorrespondentOutcome.BindingAccepted));
    }

    [Test]
    public void The_lifetime_is_clamped_to_MAX_RR_BINDING_LIFETIME()
    {
        var f = new NodeFixture();

        Assert.That(f.Receive(SignedBindingUpdate(1, 200)), Is.EqualTo(CorrespondentOutcome.BindingAccepted));

        Assert.That(f.Published.OfType<BindingCacheAdd>().Single().Entry.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(420)));
        var ba = (Shisa.DataPlane.Wire.Mobility.BindingAcknowledgement)Read(f.Sender.Single()).Message;
        Assert.That(ba.LifetimeUnits, Is.EqualTo(105));
    }

    [Test]
    public void An_accepted_BU_without_A_is_not_acknowledged()
    {
        var f = new NodeFixture();

        Assert.That(f.Receive(SignedBindingUpdate(1, 10, flags: BindingUpdateFlags.None)), Is.EqualTo(CorrespondentOutcome.BindingAccepted));
        Assert.That(f.Sender.Packets, Is.Empty);
        Assert.That(f.Published.OfType<BindingCacheAdd>().Single().Entry.Flags, Is.EqualTo(Shisa.DataPlane.Bus.BindingUpdateFlags.None));
    }

    [Test]
    public void A_binding_expires_into_a_removal_on_the_bus()
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        f.Published.Clear();
        Assert.That(f.Node.NextDeadline, Is.LessThanOrEqualTo(f.Now + TimeSpan.FromSeconds(400)));

        f.Advance(TimeSpan.FromSeconds(399));
        Assert.That(f.Published.OfType<BindingCacheRemove>(), Is.Empty);

        f.Advance(TimeSpan.FromSeconds(1));
        var remove = f.Published.OfType<BindingCacheRemove>().Single();
        Assert.That(remove.Entry.HomeAddress, Is.EqualTo(Home));
        Assert.That(f.Node.BindingCount, Is.Zero);
        Assert.That(f.Node.GetSnapshot(f.Now).Counters.BindingsExpired, Is.EqualTo(1));
    }

    [Test]
    public void One_binding_refresh_request_goes_to_the_home_address_when_a_tenth_of_the_lifetime_is_left()
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        f.Sender.Clear();

        f.Advance(TimeSpan.FromSeconds(359));
        Assert.That(f.Sender.Packets, Is.Empty);

        f.Advance(TimeSpan.FromSeconds(1));
        Assert.That(Hex(f.Sender.TakeSingle()), Is.EqualTo(BrrHex));

        f.Advance(TimeSpan.FromSeconds(20));
        Assert.That(f.Sender.Packets, Is.Empty, "only one");
        Assert.That(f.Node.GetSnapshot(f.Now).Bindings.Single().RefreshRequested, Is.True);
    }

    [Test]
    public void A_refreshed_binding_gets_a_new_expiry_and_a_new_refresh_request()
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        f.Advance(TimeSpan.FromSeconds(360));
        f.Sender.Clear();
        f.Secrets.Install(HomeNonceIndex, Bytes(HomeNonce), Bytes(Kcn), f.Now);
        f.Secrets.Install(CareOfNonceIndex, Bytes(CareOfNonce), Bytes(Kcn), f.Now);

        Assert.That(f.Receive(SignedBindingUpdate(4661, 100, flags: BindingUpdateFlags.None)), Is.EqualTo(CorrespondentOutcome.BindingAccepted));
        f.Advance(TimeSpan.FromSeconds(100));
        Assert.That(f.Node.BindingCount, Is.EqualTo(1), "not expired at the old time");
        f.Advance(TimeSpan.FromSeconds(260));
        Assert.That(Hex(f.Sender.TakeSingle()), Is.EqualTo(BrrHex));
    }

    [Test]
    public void The_refresh_policy_is_a_tenth_of_the_lifetime_before_expiry()
    {
        var at = DateTimeOffset.UnixEpoch;
        Assert.That(CorrespondentNode.RefreshRequestTime(at, TimeSpan.FromSeconds(400), 0.1), Is.EqualTo(at + TimeSpan.FromSeconds(360)));
        Assert.That(CorrespondentNode.RefreshRequestTime(at, TimeSpan.FromSeconds(400), 0), Is.Null);
    }

    [Test]
    public void An_unrecognized_MH_type_is_answered_with_the_vector_binding_error_2()
    {
        var f = new NodeFixture();
        var packet = UnknownType(CareOf, HomeAgentAddress);

        Assert.That(f.Receive(packet), Is.EqualTo(CorrespondentOutcome.BindingErrorSent));
        Assert.That(Hex(f.Sender.Single()), Is.EqualTo(BeUnrecognizedTypeHex));
    }

    [Test]
    public void An_unrecognized_MH_type_with_a_home_address_option_names_the_home_address()
    {
        var f = new NodeFixture();
        var packet = UnknownType(CareOf, Cn, Home);

        Assert.That(f.Receive(packet), Is.EqualTo(CorrespondentOutcome.BindingErrorSent));
        var be = Read(f.Sender.Single());
        Assert.That(be.Message, Is.EqualTo(new BindingError(Shisa.DataPlane.Wire.Mobility.BindingErrorStatus.UnrecognizedMobilityHeaderType, Home)));
        Assert.That(be.Destination, Is.EqualTo(CareOf), "to the source, not the home address (RFC 6275 9.3.3)");
    }

    [Test]
    public void A_binding_error_hint_is_answered_with_the_vector_binding_error_1_and_rate_limited()
    {
        var f = new NodeFixture();
        var hint = new BeHint(BusBindingErrorStatus.UnknownBindingForHomeAddressOption, CareOf, Cn, Home);

        Assert.That(f.Node.OnBindingErrorHint(hint, f.Now), Is.EqualTo(CorrespondentOutcome.BindingErrorSent));
        Assert.That(Hex(f.Sender.TakeSingle()), Is.EqualTo(BeUnknownBindingHex));

        Assert.That(f.Node.OnBindingErrorHint(hint, f.Now + TimeSpan.FromMilliseconds(500)), Is.EqualTo(CorrespondentOutcome.BindingErrorRateLimited));
        Assert.That(f.Sender.Packets, Is.Empty);

        Assert.That(f.Node.OnBindingErrorHint(hint, f.Now + TimeSpan.FromSeconds(1)), Is.EqualTo(CorrespondentOutcome.BindingErrorSent));
        var counters = f.Node.GetSnapshot(f.Now).Counters;
        Assert.That((counters.BindingErrorsSent, counters.BindingErrorsRateLimited), Is.EqualTo((2L, 1L)));
    }

    [Test]
    public void Binding_errors_are_limited_in_total_across_sources()
    {
        var f = new NodeFixture(new CorrespondentOptions { BindingErrorRateTotal = 5 });
        int sent = 0;
        for (int i = 1; i <= 50; i++)
        {
            var source = IPAddress.Parse($"2001:db8:a1::{i:x}");
            if (f.Node.OnBindingErrorHint(new BeHint(BusBindingErrorStatus.UnknownBindingForHomeAddressOption, source, Cn, Home), f.Now) == CorrespondentOutcome.BindingErrorSent)
            {
                sent++;
            }
        }

        Assert.That(sent, Is.EqualTo(5));
    }

    [Test]
    public void No_binding_error_goes_to_a_multicast_source()
    {
        var f = new NodeFixture();
        var hint = new BeHint(BusBindingErrorStatus.UnknownBindingForHomeAddressOption, IPAddress.Parse("ff02::1"), Cn, Home);

        Assert.That(f.Node.OnBindingErrorHint(hint, f.Now), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Sender.Packets, Is.Empty);
    }

    [Test]
    public void With_route_optimization_off_a_BU_gets_129_and_no_binding_and_test_inits_no_answer()
    {
        var f = new NodeFixture(new CorrespondentOptions(RouteOptimization: false));

        Assert.That(f.Receive(HotiHex), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Receive(CotiHex), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Sender.Packets, Is.Empty);

        Assert.That(f.Receive(BuHex), Is.EqualTo(CorrespondentOutcome.BindingRefused));
        var ba = Read(f.Sender.TakeSingle());
        Assert.That(((Shisa.DataPlane.Wire.Mobility.BindingAcknowledgement)ba.Message).Status, Is.EqualTo(BindingAcknowledgementStatus.AdministrativelyProhibited));
        Assert.That(f.Published, Is.Empty);

        Assert.That(f.Receive(SignedBindingUpdate(4661, 100, flags: BindingUpdateFlags.None)), Is.EqualTo(CorrespondentOutcome.BindingRefused));
        Assert.That(f.Sender.Packets, Is.Empty, "129 only when asked for");
        Assert.That(f.Node.GetSnapshot(f.Now).Counters.Drops[CorrespondentDrop.RouteOptimizationDisabled], Is.EqualTo(2));
    }

    [Test]
    public void Past_the_cache_bound_a_new_binding_is_refused_with_130_but_an_existing_one_is_refreshed()
    {
        var f = new NodeFixture(new CorrespondentOptions { MaxBindings = 1 });
        var other = IPAddress.Parse("2001:db8:1::200");
        f.Receive(BuHex);
        f.Sender.Clear();

        Assert.That(f.Receive(SignedBindingUpdate(1, 100, flags: BindingUpdateFlags.None, home: other)), Is.EqualTo(CorrespondentOutcome.BindingRefused));
        var ba = Read(f.Sender.TakeSingle());
        Assert.That(((Shisa.DataPlane.Wire.Mobility.BindingAcknowledgement)ba.Message).Status, Is.EqualTo(BindingAcknowledgementStatus.InsufficientResources));
        Assert.That(ba.RoutingHomeAddress, Is.EqualTo(other));
        Assert.That(ReturnRoutability.Verify(ba.MobilityHeader.Span, KbmFor(other, CareOf), CareOf.GetAddressBytes(), Cn.GetAddressBytes()), Is.True);

        Assert.That(f.Receive(SignedBindingUpdate(4661, 100)), Is.EqualTo(CorrespondentOutcome.BindingAccepted));
        Assert.That(f.Node.BindingCount, Is.EqualTo(1));
    }

    [Test]
    public void Counters_have_flat_names_for_the_status_api()
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        var flipped = Bytes(BuHex);
        flipped[^1] ^= 1;
        RefillChecksum(flipped);
        f.Receive(flipped);
        f.Receive(SignedBindingUpdate(4660, 100));

        var named = f.Node.GetSnapshot(f.Now).Counters.ToNamedCounters().ToDictionary();

        Assert.That(named["cn_bu_accepted"], Is.EqualTo(1));
        Assert.That(named["cn_ba_sent"], Is.EqualTo(2));
        Assert.That(named["cn_bu_refused_135"], Is.EqualTo(1));
        Assert.That(named["cn_drop_bad_authenticator"], Is.EqualTo(1));
    }

    [Test]
    public void Messages_for_a_mobile_node_are_not_answered()
    {
        var f = new NodeFixture();

        Assert.That(f.Receive(BaHex), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Receive(HotHex), Is.EqualTo(CorrespondentOutcome.Dropped));
        Assert.That(f.Sender.Packets, Is.Empty);
        Assert.That(f.Node.GetSnapshot(f.Now).Counters.Drops[CorrespondentDrop.NotForCorrespondent], Is.EqualTo(2));
    }

    [Test]
    public void A_send_the_data_plane_refuses_is_counted()
    {
        var f = new NodeFixture();
        f.Sender.Refuse = true;

        Assert.That(f.Receive(CotiHex), Is.EqualTo(CorrespondentOutcome.SendFailed));
        Assert.That(f.Receive(BuHex), Is.EqualTo(CorrespondentOutcome.BindingAccepted));
        Assert.That(f.Node.GetSnapshot(f.Now).Counters.SendFailures, Is.EqualTo(2));
    }

    [Test]
    public void Flush_removes_every_binding()
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        f.Published.Clear();

        Assert.That(f.Node.Flush(), Is.EqualTo(1));
        Assert.That(f.Published.OfType<BindingCacheRemove>().Single().Entry.HomeAddress, Is.EqualTo(Home));
    }

    /// <summary>A Mobility Header of type 48 (unassigned) with a valid checksum.</summary>
    internal static byte[] UnknownType(IPAddress source, IPAddress destination, IPAddress? home = null)
    {
        // Build a BRR (8 octets), then change its type and refill the checksum.
        var packet = Unsigned(new Shisa.DataPlane.Wire.Mobility.BindingRefreshRequest(), new Ipv6Envelope(source, destination, HomeAddress: home));
        var mh = packet.AsSpan(packet.Length - 8);
        mh[MobilityHeaderView.TypeOffset] = 48;
        MobilityHeader.FillChecksum(mh, (home ?? source).GetAddressBytes(), destination.GetAddressBytes());
        return packet;
    }

    private static void RefillChecksum(byte[] bu)
    {
        // The vector BU: Mobility Header of 32 octets at 64, pseudo-header HoA -> CN.
        MobilityHeader.FillChecksum(bu.AsSpan(64, 32), Home.GetAddressBytes(), Cn.GetAddressBytes());
    }
}
