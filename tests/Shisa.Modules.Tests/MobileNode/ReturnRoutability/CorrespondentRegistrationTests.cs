using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.MobileNode.ReturnRoutability;
using State = Shisa.Modules.MobileNode.ReturnRoutability.CorrespondentRegistrationState;
using WireBindingErrorStatus = Shisa.DataPlane.Wire.Mobility.BindingErrorStatus;

namespace Shisa.Modules.Tests.MobileNode.ReturnRoutability;

/// <summary>Every transition of the pure per-correspondent machine; time comes from a <see cref="FakeTimeProvider"/>.</summary>
public sealed class CorrespondentRegistrationTests
{
    private FakeTimeProvider _time = null!;
    private CorrespondentRegistration _machine = null!;
    private ulong _nextCookie;

    private DateTimeOffset Now => _time.GetUtcNow();

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Ro.T0);
        _nextCookie = 0x1000;
        _machine = Machine();
    }

    private CorrespondentRegistration Machine(RouteOptimizationOptions? options = null) =>
        new(Ro.Cn, options ?? Ro.Options(), initialSequence: 100, () => _nextCookie++);

    private IReadOnlyList<CorrespondentAction> Handle(CorrespondentEvent e) => _machine.Handle(e, Now);

    private IReadOnlyList<CorrespondentAction> After(double seconds, CorrespondentEvent e)
    {
        _time.Advance(TimeSpan.FromSeconds(seconds));
        return Handle(e);
    }

    private static HomeTestReceived Hot(ulong cookie, ulong token = 0xAAAA, ushort index = 7, IPAddress? from = null, IPAddress? to = null) =>
        new(new HomeTest(index, cookie, token), from ?? Ro.Cn, to ?? Ro.Home);

    private static CareOfTestReceived Cot(ulong cookie, ulong token = 0xBBBB, ushort index = 8, IPAddress? from = null, IPAddress? to = null) =>
        new(new CareOfTest(index, cookie, token), from ?? Ro.Cn, to ?? Ro.CareOf);

    private static AcknowledgementReceived Ack(ReceivedMobilityMessage received) => new((BindingAcknowledgement)received.Message, received);

    private static CorrespondentBindingUpdateRequest Bu(IReadOnlyList<CorrespondentAction> actions) =>
        actions.OfType<SendCorrespondentBindingUpdate>().Single().Request;

    /// <summary>START -> WAITHC -> ... -> WAITA: returns the BU sent.</summary>
    private CorrespondentBindingUpdateRequest ToWaitAck()
    {
        var start = Handle(new StartRequested(Ro.CareOf));
        ulong home = start.OfType<SendHomeTestInit>().Single().Cookie;
        ulong careOf = start.OfType<SendCareOfTestInit>().Single().Cookie;
        Handle(Hot(home));
        return Bu(Handle(Cot(careOf)));
    }

    private CorrespondentBindingUpdateRequest ToBound()
    {
        var bu = ToWaitAck();
        Handle(Ack(Ro.Ba(bu)));
        Assert.That(_machine.State, Is.EqualTo(State.Bound));
        return bu;
    }

    [Test]
    public void State_names_are_shisas()
    {
        Assert.That(Enum.GetValues<State>().Select(s => s.Name()), Is.EqualTo(new[] { "START", "WAITHC", "WAITH", "WAITC", "WAITA", "BOUND", "WAITD" }));
    }

    [Test]
    public void Start_sends_HoTI_from_the_home_address_and_CoTI_from_the_care_of_address_and_waits_one_second()
    {
        var actions = Handle(new StartRequested(Ro.CareOf));
        Assert.Multiple(() =>
        {
            Assert.That(actions, Is.EqualTo(new CorrespondentAction[]
            {
                new SendHomeTestInit(0x1000, Ro.Home, Ro.Cn, false),
                new SendCareOfTestInit(0x1001, Ro.CareOf, Ro.Cn, false),
            }));
            Assert.That(_machine.State, Is.EqualTo(State.WaitHomeAndCareOfTest));
            Assert.That(_machine.Deadline, Is.EqualTo(Now + TimeSpan.FromSeconds(1)));
        });
    }

    [Test]
    public void WAITHC_to_WAITC_on_the_HoT_then_WAITA_on_the_CoT()
    {
        Handle(new StartRequested(Ro.CareOf));
        Assert.That(After(0.1, Hot(0x1000)), Is.Empty);
        Assert.That(_machine.State, Is.EqualTo(State.WaitCareOfTest));
        var bu = Bu(After(0.1, Cot(0x1001)));
        Assert.Multiple(() =>
        {
            Assert.That(_machine.State, Is.EqualTo(State.WaitAck));
            Assert.That(bu.Sequence, Is.EqualTo(101));
            Assert.That(bu.Source, Is.EqualTo(Ro.CareOf));
            Assert.That(bu.HomeAddressOption, Is.EqualTo(Ro.Home));
            Assert.That(bu.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(420)));
            Assert.That((bu.HomeNonceIndex, bu.CareOfNonceIndex), Is.EqualTo(((ushort)7, (ushort)8)));
            Assert.That(_machine.HomeTokenReceivedAt, Is.EqualTo(Ro.T0 + TimeSpan.FromSeconds(0.1)));
            Assert.That(_machine.Deadline, Is.EqualTo(Now + TimeSpan.FromSeconds(1)));
        });
    }

    [Test]
    public void WAITHC_to_WAITH_on_the_CoT_then_WAITA_on_the_HoT()
    {
        Handle(new StartRequested(Ro.CareOf));
        Assert.That(Handle(Cot(0x1001)), Is.Empty);
        Assert.That(_machine.State, Is.EqualTo(State.WaitHomeTest));
        Bu(Handle(Hot(0x1000)));
        Assert.That(_machine.State, Is.EqualTo(State.WaitAck));
    }

    [Test]
    public void Tests_with_a_wrong_cookie_source_or_destination_or_unasked_are_ignored()
    {
        Assert.That(Handle(Hot(0x1000)).Single(), Is.InstanceOf<CorrespondentIgnored>(), "nothing outstanding in START");
        Handle(new StartRequested(Ro.CareOf));
        Assert.Multiple(() =>
        {
            Assert.That(Handle(Hot(0x1001)).Single(), Is.InstanceOf<CorrespondentIgnored>(), "the CoTI's cookie");
            Assert.That(Handle(Hot(0x1000, from: Ro.Cn2)).Single(), Is.InstanceOf<CorrespondentIgnored>());
            Assert.That(Handle(Hot(0x1000, to: Ro.CareOf)).Single(), Is.InstanceOf<CorrespondentIgnored>());
            Assert.That(Handle(Cot(0x1001, to: Ro.CareOf2)).Single(), Is.InstanceOf<CorrespondentIgnored>());
            Assert.That(_machine.State, Is.EqualTo(State.WaitHomeAndCareOfTest));
        });
        Handle(Hot(0x1000));
        Assert.That(Handle(Hot(0x1000)).Single(), Is.InstanceOf<CorrespondentIgnored>(), "a duplicate HoT in WAITC");
    }

    [Test]
    public void A_good_BA_binds_and_publishes_BulAdd_for_the_correspondent_and_refreshes_at_80_percent()
    {
        var bu = ToWaitAck();
        var actions = After(0.2, Ack(Ro.Ba(bu, lifetimeUnits: 50)));
        var entry = new BindingUpdateListEntry(Ro.Cn, Ro.Home, Ro.CareOf, Shisa.DataPlane.Bus.BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(200), bu.Sequence, BindingUpdateListState.Bound);
        Assert.Multiple(() =>
        {
            Assert.That(actions, Is.EqualTo(new CorrespondentAction[]
            {
                new PublishBindingUpdateList(new BindingUpdateListAdd(entry)),
                new CorrespondentBound(Ro.CareOf, TimeSpan.FromSeconds(200), false),
            }));
            Assert.That(_machine.BindingExpires, Is.EqualTo(Now + TimeSpan.FromSeconds(200)));
            Assert.That(_machine.Deadline, Is.EqualTo(Now + TimeSpan.FromSeconds(160)));
        });
    }

    [Test]
    public void A_BA_not_signed_with_Kbm_or_not_addressed_as_the_BU_was_sent_is_dropped()
    {
        var bu = ToWaitAck();
        Assert.Multiple(() =>
        {
            Assert.That(Handle(Ack(Ro.Ba(bu, kbm: new byte[20]))).Single(), Is.InstanceOf<AcknowledgementNotAuthentic>());
            Assert.That(Handle(Ack(Ro.Ba(bu, sign: false))).Single(), Is.InstanceOf<AcknowledgementNotAuthentic>());
            Assert.That(Handle(Ack(Ro.Ba(bu with { HomeAddressOption = null }))).Single(), Is.InstanceOf<CorrespondentIgnored>(), "no RH2");
            Assert.That(Handle(Ack(Ro.Ba(bu, sequence: (ushort)(bu.Sequence - 1)))).Single(), Is.InstanceOf<CorrespondentIgnored>());
            Assert.That(_machine.State, Is.EqualTo(State.WaitAck));
        });
    }

    [Test]
    public void Unanswered_tests_are_retransmitted_doubling_to_32_seconds()
    {
        _machine = Machine(Ro.Options() with { MaxFailures = 100 });
        Handle(new StartRequested(Ro.CareOf));
        var waits = new List<double>();
        for (int i = 0; i < 8; i++)
        {
            var wait = _machine.Deadline!.Value - Now;
            waits.Add(wait.TotalSeconds);
            var actions = After(wait.TotalSeconds, CorrespondentTimeout.Instance);
            Assert.That(actions.OfType<SendHomeTestInit>().Single(), Is.EqualTo(new SendHomeTestInit(0x1000, Ro.Home, Ro.Cn, true)), "the same cookie again");
            Assert.That(actions.OfType<SendCareOfTestInit>().Single().Retransmission, Is.True);
        }

        Assert.That(waits, Is.EqualTo(new[] { 1.0, 2, 4, 8, 16, 32, 32, 32 }));
    }

    [Test]
    public void MAX_RO_FAILURE_unanswered_attempts_give_the_correspondent_up()
    {
        Handle(new StartRequested(Ro.CareOf));
        Assert.That(After(1, CorrespondentTimeout.Instance).OfType<SendHomeTestInit>().Count(), Is.EqualTo(1));
        Assert.That(After(2, CorrespondentTimeout.Instance).OfType<SendHomeTestInit>().Count(), Is.EqualTo(1));
        var actions = After(4, CorrespondentTimeout.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(actions.OfType<SendHomeTestInit>(), Is.Empty);
            Assert.That(actions.OfType<CorrespondentFailure>().Single().Failures, Is.EqualTo(3));
            Assert.That(actions.OfType<CorrespondentGaveUp>().Count(), Is.EqualTo(1));
            Assert.That(_machine.GaveUpReason, Does.Contain("3 failures"));
            Assert.That(_machine.State, Is.EqualTo(State.Start));
            Assert.That(_machine.Deadline, Is.Null);
            Assert.That(Handle(new StartRequested(Ro.CareOf)).Single(), Is.InstanceOf<CorrespondentIgnored>(), "given up: never again");
        });
    }

    [Test]
    public void An_unacknowledged_BU_is_retransmitted_with_a_new_sequence_number()
    {
        var bu = ToWaitAck();
        var again = Bu(After(1, CorrespondentTimeout.Instance));
        Assert.Multiple(() =>
        {
            Assert.That(again.Sequence, Is.EqualTo(bu.Sequence + 1));
            Assert.That(again.Kbm.ToArray(), Is.EqualTo(bu.Kbm.ToArray()));
            Assert.That(_machine.Failures, Is.EqualTo(1));
            Assert.That(_machine.Deadline, Is.EqualTo(Now + TimeSpan.FromSeconds(2)));
        });
        Handle(Ack(Ro.Ba(again)));
        Assert.That(_machine.Failures, Is.Zero, "a success resets the count");
    }

    [TestCase(BindingAcknowledgementStatus.ExpiredHomeNonceIndex, State.WaitHomeTest)]
    [TestCase(BindingAcknowledgementStatus.ExpiredCareOfNonceIndex, State.WaitCareOfTest)]
    [TestCase(BindingAcknowledgementStatus.ExpiredNonces, State.WaitHomeAndCareOfTest)]
    public void An_expired_nonce_index_asks_again_for_that_token(BindingAcknowledgementStatus status, State expected)
    {
        var bu = ToWaitAck();
        var actions = Handle(Ack(Ro.Ba(bu, status, lifetimeUnits: 0, sign: false)));
        Assert.Multiple(() =>
        {
            Assert.That(_machine.State, Is.EqualTo(expected));
            Assert.That(actions.OfType<CorrespondentRefused>().Single().Status, Is.EqualTo(status));
            Assert.That(actions.OfType<SendHomeTestInit>().Any(), Is.EqualTo(expected != State.WaitCareOfTest));
            Assert.That(actions.OfType<SendCareOfTestInit>().Any(), Is.EqualTo(expected != State.WaitHomeTest));
        });
    }

    [Test]
    public void Status_129_gives_up_and_other_refusals_go_back_to_triangle_routing()
    {
        var bu = ToWaitAck();
        Handle(Ack(Ro.Ba(bu, BindingAcknowledgementStatus.InsufficientResources, lifetimeUnits: 0)));
        Assert.Multiple(() =>
        {
            Assert.That(_machine.State, Is.EqualTo(State.Start));
            Assert.That(_machine.Failures, Is.EqualTo(1));
            Assert.That(_machine.GaveUpReason, Is.Null);
        });

        bu = Bu(Handle(new StartRequested(Ro.CareOf))); // the tokens are still valid: the BU goes at once
        var actions = Handle(Ack(Ro.Ba(bu, BindingAcknowledgementStatus.AdministrativelyProhibited, lifetimeUnits: 0)));
        Assert.That(actions.OfType<CorrespondentGaveUp>().Count(), Is.EqualTo(1));
        Assert.That(_machine.GaveUpReason, Does.Contain("129"));
    }

    [Test]
    public void Status_135_resynchronises_the_sequence_number()
    {
        var bu = ToWaitAck();
        var actions = Handle(Ack(Ro.Ba(bu, BindingAcknowledgementStatus.SequenceNumberOutOfWindow, lifetimeUnits: 0, sequence: 5000)));
        Assert.That(Bu(actions).Sequence, Is.EqualTo(5001));
        Assert.That(_machine.State, Is.EqualTo(State.WaitAck));
    }

    [Test]
    public void Binding_Error_status_2_gives_up_status_1_goes_back_to_the_tunnel_and_counts_a_failure()
    {
        ToBound();
        var actions = Handle(new BindingErrorReceived(new BindingError(WireBindingErrorStatus.UnknownBindingForHomeAddressOption, Ro.Home), Ro.Cn));
        Assert.Multiple(() =>
        {
            Assert.That(actions.OfType<PublishBindingUpdateList>().Single().Message, Is.InstanceOf<BindingUpdateListRemove>());
            Assert.That(_machine.State, Is.EqualTo(State.Start));
            Assert.That(_machine.Failures, Is.EqualTo(1));
            Assert.That(_machine.GaveUpReason, Is.Null);
        });

        Assert.That(Handle(new BindingErrorReceived(new BindingError(WireBindingErrorStatus.UnrecognizedMobilityHeaderType, IPAddress.IPv6Any), Ro.Cn2)).Single(),
            Is.InstanceOf<CorrespondentIgnored>(), "from someone else");
        actions = Handle(new BindingErrorReceived(new BindingError(WireBindingErrorStatus.UnrecognizedMobilityHeaderType, IPAddress.IPv6Any), Ro.Cn));
        Assert.That(actions.OfType<CorrespondentGaveUp>().Count(), Is.EqualTo(1));
        Assert.That(_machine.GaveUpReason, Does.Contain("status 2"));
    }

    [Test]
    public void A_parameter_problem_gives_up_and_removes_the_binding()
    {
        ToBound();
        var actions = Handle(new RouteOptimizationUnsupported("ICMPv6 Parameter Problem: the Home Address option is not recognized"));
        Assert.Multiple(() =>
        {
            Assert.That(actions.OfType<PublishBindingUpdateList>().Single().Message, Is.InstanceOf<BindingUpdateListRemove>());
            Assert.That(actions.OfType<CorrespondentGaveUp>().Count(), Is.EqualTo(1));
            Assert.That(_machine.PublishedEntry, Is.Null);
        });
    }

    [Test]
    public void The_refresh_timer_redoes_return_routability_for_tokens_too_old()
    {
        ToBound();
        var actions = After(336, CorrespondentTimeout.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(_machine.State, Is.EqualTo(State.WaitHomeAndCareOfTest), "both tokens are older than MAX_TOKEN_LIFETIME");
            Assert.That(actions.OfType<SendHomeTestInit>().Count(), Is.EqualTo(1));
            Assert.That(_machine.PublishedEntry, Is.Not.Null, "the binding stays in use until it expires");
            Assert.That(_machine.Deadline, Is.EqualTo(Now + TimeSpan.FromSeconds(1)));
        });

        // Unanswered until the binding runs out: the data plane goes back to the tunnel.
        After(1, CorrespondentTimeout.Instance);
        After(2, CorrespondentTimeout.Instance);
        Assert.That(_machine.GaveUpReason, Is.Null);
    }

    [Test]
    public void The_refresh_of_a_short_binding_reuses_valid_tokens_and_sends_the_BU_at_once()
    {
        _machine = Machine(Ro.Options() with { Lifetime = TimeSpan.FromSeconds(60) });
        var bu = ToBound();
        var again = Bu(After(48, CorrespondentTimeout.Instance));
        Assert.Multiple(() =>
        {
            Assert.That(_machine.State, Is.EqualTo(State.WaitAck));
            Assert.That(again.Sequence, Is.EqualTo(bu.Sequence + 1));
        });
        var actions = Handle(Ack(Ro.Ba(again)));
        Assert.That(actions.OfType<CorrespondentBound>().Single().Refresh, Is.True);
    }

    [Test]
    public void A_binding_refresh_request_starts_a_refresh_while_bound_only()
    {
        Assert.That(Handle(new RefreshRequestReceived(Ro.Cn)).Single(), Is.InstanceOf<CorrespondentIgnored>());
        ToBound();
        Assert.That(Handle(new RefreshRequestReceived(Ro.Cn2)).Single(), Is.InstanceOf<CorrespondentIgnored>());
        Bu(After(10, new RefreshRequestReceived(Ro.Cn)));
        Assert.That(_machine.State, Is.EqualTo(State.WaitAck), "tokens 10 s old are reused");
    }

    [Test]
    public void A_binding_that_expires_during_the_refresh_is_removed()
    {
        _machine = Machine(Ro.Options() with { Lifetime = TimeSpan.FromSeconds(8), MaxFailures = 100 });
        ToBound();
        After(6.4, CorrespondentTimeout.Instance);
        Assert.That(_machine.State, Is.EqualTo(State.WaitAck));
        After(1, CorrespondentTimeout.Instance);
        Assert.That(_machine.Deadline, Is.EqualTo(Ro.T0 + TimeSpan.FromSeconds(8)), "the expiry comes before the next retransmission");
        var actions = After(0.6, CorrespondentTimeout.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(actions.Single(), Is.InstanceOf<PublishBindingUpdateList>());
            Assert.That(_machine.PublishedEntry, Is.Null);
            Assert.That(_machine.State, Is.EqualTo(State.WaitAck));
        });
    }

    [Test]
    public void Moving_with_a_valid_home_token_sends_only_a_CoTI_from_the_new_care_of_address_once_registered()
    {
        ToBound();
        var entry = _machine.PublishedEntry!;
        var actions = After(30, new CareOfAddressChanged(Ro.CareOf2));
        Assert.Multiple(() =>
        {
            Assert.That(actions.Single(), Is.EqualTo(new PublishBindingUpdateList(new BindingUpdateListRemove(entry))));
            Assert.That(_machine.State, Is.EqualTo(State.Start));
            Assert.That(_machine.WaitingForHomeRegistration, Is.True, "RFC 6275 11.7.2: once the home address is valid again");
        });
        actions = After(0.5, new HomeRegistrationBound(Ro.CareOf2));
        Assert.Multiple(() =>
        {
            Assert.That(actions.OfType<SendHomeTestInit>(), Is.Empty, "RFC 6275 5.2.5: the home keygen token is reused");
            Assert.That(actions.OfType<SendCareOfTestInit>().Single().Source, Is.EqualTo(Ro.CareOf2));
            Assert.That(_machine.State, Is.EqualTo(State.WaitCareOfTest));
        });
        ulong cookie = actions.OfType<SendCareOfTestInit>().Single().Cookie;
        var bu = Bu(Handle(Cot(cookie, to: Ro.CareOf2)));
        Assert.That((bu.Source, bu.AuthenticatedCareOf, bu.HomeAddressOption), Is.EqualTo((Ro.CareOf2, Ro.CareOf2, Ro.Home)));
        Assert.That(Handle(new CareOfAddressChanged(Ro.CareOf2)).Single(), Is.InstanceOf<CorrespondentIgnored>(), "same care-of address");
    }

    [Test]
    public void Moving_with_a_stale_home_token_waits_for_the_home_registration_then_asks_for_both()
    {
        ToBound();
        var actions = After(250, new CareOfAddressChanged(Ro.CareOf2));
        Assert.Multiple(() =>
        {
            Assert.That(actions.Single(), Is.InstanceOf<PublishBindingUpdateList>());
            Assert.That(_machine.State, Is.EqualTo(State.Start));
            Assert.That(_machine.WaitingForHomeRegistration, Is.True);
            Assert.That(_machine.IsIdle, Is.False);
        });
        actions = After(0.5, new HomeRegistrationBound(Ro.CareOf2));
        Assert.Multiple(() =>
        {
            Assert.That(_machine.State, Is.EqualTo(State.WaitHomeAndCareOfTest));
            Assert.That(actions.OfType<SendHomeTestInit>().Count(), Is.EqualTo(1));
            Assert.That(actions.OfType<SendCareOfTestInit>().Single().Source, Is.EqualTo(Ro.CareOf2));
        });
    }

    [Test]
    public void Losing_the_care_of_address_goes_back_to_start_and_waits()
    {
        ToBound();
        var actions = Handle(CareOfAddressLost.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(actions.Single(), Is.InstanceOf<PublishBindingUpdateList>());
            Assert.That(_machine.State, Is.EqualTo(State.Start));
            Assert.That(_machine.WaitingForHomeRegistration, Is.True);
        });
        After(10, new CareOfAddressChanged(Ro.CareOf2));
        Assert.That(_machine.WaitingForHomeRegistration, Is.True);
        After(0.5, new HomeRegistrationBound(Ro.CareOf2));
        Assert.That(_machine.State, Is.EqualTo(State.WaitCareOfTest));
    }

    [Test]
    public void Returning_home_deletes_the_binding_from_the_home_address_with_the_home_token_only()
    {
        var bu = ToBound();
        var actions = After(20, ReturnedHomeLink.Instance);
        var dereg = Bu(actions);
        Assert.Multiple(() =>
        {
            Assert.That(actions.OfType<PublishBindingUpdateList>().Single().Message, Is.InstanceOf<BindingUpdateListRemove>());
            Assert.That(_machine.State, Is.EqualTo(State.WaitDeregistration));
            Assert.That(dereg.Lifetime, Is.EqualTo(TimeSpan.Zero));
            Assert.That((dereg.Source, dereg.HomeAddressOption, dereg.AuthenticatedCareOf), Is.EqualTo((Ro.Home, (IPAddress?)null, Ro.Home)));
            Assert.That(dereg.Sequence, Is.EqualTo(bu.Sequence + 1));
        });
        actions = Handle(Ack(Ro.Ba(dereg, lifetimeUnits: 0)));
        Assert.Multiple(() =>
        {
            Assert.That(actions.Single(), Is.EqualTo(CorrespondentDeregistered.Instance));
            Assert.That(_machine.State, Is.EqualTo(State.Start));
            Assert.That(_machine.Deadline, Is.Null);
        });
    }

    [Test]
    public void Returning_home_with_a_stale_home_token_asks_for_one_from_home_first()
    {
        ToBound();
        var actions = After(215, ReturnedHomeLink.Instance);
        var hoti = actions.OfType<SendHomeTestInit>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(actions.OfType<SendCareOfTestInit>(), Is.Empty);
            Assert.That(_machine.State, Is.EqualTo(State.WaitHomeTest));
        });
        var dereg = Bu(Handle(Hot(hoti.Cookie)));
        Assert.That((dereg.Lifetime, dereg.Source, _machine.State), Is.EqualTo((TimeSpan.Zero, Ro.Home, State.WaitDeregistration)));
    }

    [Test]
    public void An_unanswered_deletion_is_retried_then_left_to_expire()
    {
        ToBound();
        Handle(ReturnedHomeLink.Instance);
        Assert.That(Bu(After(1, CorrespondentTimeout.Instance)).Lifetime, Is.EqualTo(TimeSpan.Zero));
        Bu(After(2, CorrespondentTimeout.Instance));
        Bu(After(4, CorrespondentTimeout.Instance));
        After(8, CorrespondentTimeout.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(_machine.State, Is.EqualTo(State.Start));
            Assert.That(_machine.GaveUpReason, Is.Null, "a deletion is not a route optimization failure");
        });
    }

    [Test]
    public void Returning_home_without_a_binding_at_the_correspondent_sends_nothing()
    {
        Handle(new StartRequested(Ro.CareOf));
        var actions = Handle(ReturnedHomeLink.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(actions, Is.Empty);
            Assert.That(_machine.State, Is.EqualTo(State.Start));
        });
    }
}
