using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.MobileNode;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.Tests.MobileNode;

public class HomeRegistrationTests
{
    internal static readonly IPAddress HomeAgentAddress = IPAddress.Parse("2001:db8:1::1");
    internal static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    internal static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    internal static readonly IPAddress CareOf2 = IPAddress.Parse("2001:db8:a2::ff:fe00:10");
    internal static readonly IPAddress Stranger = IPAddress.Parse("2001:db8:c::2");
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private DateTimeOffset _now = T0;

    private static HomeRegistration Machine(IPAddress? homeAgent = null, bool discover = false) =>
        new(new HomeRegistrationOptions(Home, 64, discover ? null : homeAgent ?? HomeAgentAddress, TimeSpan.FromSeconds(120), InitialSequence: 1000));

    private IReadOnlyList<HomeRegistrationAction> At(HomeRegistration machine, double seconds, HomeRegistrationEvent e)
    {
        _now = T0 + TimeSpan.FromSeconds(seconds);
        return machine.Handle(e, _now);
    }

    private static SendBindingUpdate OnlyBu(IReadOnlyList<HomeRegistrationAction> actions) => actions.OfType<SendBindingUpdate>().Single();

    private static TimeSpan Armed(IReadOnlyList<HomeRegistrationAction> actions) => actions.OfType<ArmTimer>().Single().After;

    private static BaReceived Ba(ushort sequence, BindingAcknowledgementStatus status = BindingAcknowledgementStatus.Accepted, ushort lifetimeUnits = 30,
        IPAddress? from = null, IPAddress? to = null, IPAddress? rh2 = null, MobilityOptionList? options = null) =>
        new(new BindingAcknowledgement(status, BindingAcknowledgementFlags.None, sequence, lifetimeUnits) { Options = options ?? MobilityOptionList.Empty },
            from ?? HomeAgentAddress, to ?? CareOf, rh2 ?? Home);

    private HomeRegistration Bound()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        At(machine, 0.2, Ba(1001));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Bound));
        return machine;
    }

    [Test]
    public void A_refresh_asked_for_while_bound_sends_a_bu_with_the_next_sequence_and_is_ignored_otherwise()
    {
        var idle = Machine();
        Assert.That(At(idle, 0, RefreshRequested.Instance).OfType<SendBindingUpdate>(), Is.Empty);
        Assert.That(idle.State, Is.EqualTo(HomeRegistrationState.Idle));

        var machine = Bound();
        var actions = At(machine, 10, RefreshRequested.Instance);
        Assert.That(OnlyBu(actions).Request.Sequence, Is.EqualTo(1002));
        Assert.That(OnlyBu(actions).Request.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(120)));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAckRefresh));
        Assert.That(At(machine, 10.1, RefreshRequested.Instance).OfType<SendBindingUpdate>(), Is.Empty, "not bound while waiting for the answer");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_move_from_a_bound_care_of_address_publishes_the_new_one_with_its_bu_only_with_optimistic_handoff(bool optimistic)
    {
        var machine = new HomeRegistration(new HomeRegistrationOptions(Home, 64, HomeAgentAddress, TimeSpan.FromSeconds(120), InitialSequence: 1000, OptimisticHandoff: optimistic));
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        Assert.That(At(machine, 0.2, Ba(1001)).OfType<PublishMessage>().Count(), Is.EqualTo(1), "bound from the first care-of address");

        var moved = At(machine, 5, new MovedTo(CareOf2, "eth1"));
        Assert.That(OnlyBu(moved).Request.Source, Is.EqualTo(CareOf2));
        var published = moved.OfType<PublishMessage>().Select(p => ((BindingUpdateListAdd)p.Message).Entry).ToList();
        if (optimistic)
        {
            Assert.That(published.Select(e => (e.CareOfAddress, e.State)), Is.EqualTo(new[] { (CareOf2, BindingUpdateListState.WaitingAck) }));
            var order = moved.ToList();
            Assert.That(order.FindIndex(a => a is SendBindingUpdate), Is.LessThan(order.FindIndex(a => a is PublishMessage)), "the BU goes first");
        }
        else
        {
            Assert.That(published, Is.Empty, "the old care-of address stays in use until the acknowledgement");
        }

        var acked = At(machine, 5.1, Ba(1002, to: CareOf2)).OfType<PublishMessage>().Select(p => ((BindingUpdateListAdd)p.Message).Entry).Single();
        Assert.That((acked.CareOfAddress, acked.State), Is.EqualTo((CareOf2, BindingUpdateListState.Bound)));
    }

    [Test]
    public void State_names_are_shisas()
    {
        Assert.That(Enum.GetValues<HomeRegistrationState>().Select(s => s.Name()), Is.EqualTo(new[] { "IDLE", "DHAAD", "WAITA", "WAITAR", "BOUND", "WAITD", "LEAVING" }));
    }

    [Test]
    public void A_new_care_of_address_sends_a_home_registration_and_waits_one_and_a_half_seconds()
    {
        var machine = Machine();
        var actions = At(machine, 0, new MovedTo(CareOf, "eth0"));

        var bu = OnlyBu(actions);
        Assert.Multiple(() =>
        {
            Assert.That(bu.Request, Is.EqualTo(new BindingUpdateRequest(1001, WireFlags.A | WireFlags.H, TimeSpan.FromSeconds(120), CareOf, HomeAgentAddress, Home)));
            Assert.That(bu.Retransmission, Is.False);
            Assert.That(Armed(actions), Is.EqualTo(TimeSpan.FromSeconds(1.5)));
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAck));
            Assert.That(actions.OfType<PublishMessage>(), Is.Empty, "nothing is bound before the acknowledgement");
        });
    }

    [Test]
    public void Retransmissions_double_from_one_and_a_half_seconds_up_to_32_with_a_new_sequence_each()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        double t = 1.5;
        var intervals = new List<double>();
        var sequences = new List<ushort>();
        for (int i = 0; i < 8; i++)
        {
            var actions = At(machine, t, RegistrationTimeout.Instance);
            var bu = OnlyBu(actions);
            Assert.That(bu.Retransmission, Is.True);
            sequences.Add(bu.Request.Sequence);
            intervals.Add(Armed(actions).TotalSeconds);
            t += Armed(actions).TotalSeconds;
        }

        Assert.That(intervals, Is.EqualTo(new double[] { 3, 6, 12, 24, 32, 32, 32, 32 }));
        Assert.That(sequences, Is.EqualTo(new ushort[] { 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009 }));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAck));
    }

    [Test]
    public void An_accepted_acknowledgement_binds_publishes_the_entry_and_arms_the_refresh()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        var actions = At(machine, 0.25, Ba(1001, lifetimeUnits: 25));

        var entry = ((BindingUpdateListAdd)actions.OfType<PublishMessage>().Single().Message).Entry;
        Assert.Multiple(() =>
        {
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Bound));
            Assert.That(entry, Is.EqualTo(new BindingUpdateListEntry(HomeAgentAddress, Home, CareOf, BusFlags.Acknowledge | BusFlags.HomeRegistration,
                TimeSpan.FromSeconds(100), 1001, BindingUpdateListState.Bound)));
            Assert.That(Armed(actions), Is.EqualTo(TimeSpan.FromSeconds(80)), "80 % of the granted 100 s");
            var registered = actions.OfType<Registered>().Single();
            Assert.That(registered.Refresh, Is.False);
            Assert.That(registered.PreviousCareOfAddress, Is.Null);
            Assert.That(registered.Duration, Is.EqualTo(TimeSpan.FromSeconds(0.25)));
            Assert.That(actions.OfType<SolicitPrefixes>().Single(), Is.EqualTo(new SolicitPrefixes(CareOf, HomeAgentAddress)));
            Assert.That(machine.BindingExpires, Is.EqualTo(_now + TimeSpan.FromSeconds(100)));
        });
    }

    [Test]
    public void The_granted_lifetime_never_exceeds_the_one_asked_for()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        var actions = At(machine, 0.1, Ba(1001, lifetimeUnits: 1000));
        Assert.That(((BindingUpdateListAdd)actions.OfType<PublishMessage>().Single().Message).Entry.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(120)));
    }

    [Test]
    public void A_binding_refresh_advice_sets_the_refresh_time()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        var actions = At(machine, 0.1, Ba(1001, options: [new BindingRefreshAdviceOption(15)]));
        Assert.That(Armed(actions), Is.EqualTo(TimeSpan.FromSeconds(60)));
    }

    [Test]
    public void The_refresh_timer_sends_a_refresh_that_waits_one_second_and_rebinds()
    {
        var machine = Bound();
        var refresh = At(machine, 96.2, RegistrationTimeout.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAckRefresh));
            Assert.That(OnlyBu(refresh).Request.Sequence, Is.EqualTo(1002));
            Assert.That(OnlyBu(refresh).Request.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(120)));
            Assert.That(Armed(refresh), Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(refresh.OfType<PublishMessage>(), Is.Empty, "the binding stays in use while it is refreshed");
        });

        var rebound = At(machine, 96.3, Ba(1002));
        Assert.Multiple(() =>
        {
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Bound));
            Assert.That(rebound.OfType<Registered>().Single().Refresh, Is.True);
            Assert.That(((BindingUpdateListAdd)rebound.OfType<PublishMessage>().Single().Message).Entry.Sequence, Is.EqualTo(1002));
            Assert.That(rebound.OfType<SolicitPrefixes>(), Is.Empty, "prefixes are solicited once after the first binding");
        });
    }

    [Test]
    public void A_refresh_unanswered_until_the_binding_expires_withdraws_the_entry()
    {
        var machine = Bound(); // bound at 0.2 s for 120 s
        double t = 96.2;
        var actions = At(machine, t, RegistrationTimeout.Instance);
        var removed = new List<BindingUpdateListRemove>();
        while (t < 125)
        {
            t += Armed(actions).TotalSeconds;
            actions = At(machine, t, RegistrationTimeout.Instance);
            removed.AddRange(actions.OfType<PublishMessage>().Select(p => p.Message).OfType<BindingUpdateListRemove>());
        }

        Assert.That(removed, Has.Count.EqualTo(1));
        Assert.That(removed[0].Entry.CareOfAddress, Is.EqualTo(CareOf));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAck));
        Assert.That(machine.PublishedEntry, Is.Null);
    }

    [Test]
    public void Status_135_resends_from_the_home_agents_sequence_plus_one()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        var actions = At(machine, 0.1, Ba(40000, BindingAcknowledgementStatus.SequenceNumberOutOfWindow, 0));
        Assert.Multiple(() =>
        {
            Assert.That(OnlyBu(actions).Request.Sequence, Is.EqualTo(40001));
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAck));
            Assert.That(actions.OfType<PublishMessage>(), Is.Empty);
        });

        At(machine, 0.2, Ba(40001));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Bound));
    }

    [Test]
    public void Sequence_numbers_wrap_modulo_2_to_the_16()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        var actions = At(machine, 0.1, Ba(ushort.MaxValue, BindingAcknowledgementStatus.SequenceNumberOutOfWindow, 0));
        Assert.That(OnlyBu(actions).Request.Sequence, Is.EqualTo(0));
    }

    [Test]
    public void Endless_status_135_answers_count_as_refusals()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        for (int i = 0; i < MobileIpv6Constants.MaxSequenceResyncs; i++)
        {
            Assert.That(At(machine, 0.1, Ba(7, BindingAcknowledgementStatus.SequenceNumberOutOfWindow, 0)).OfType<SendBindingUpdate>(), Has.Exactly(1).Items);
        }

        var actions = At(machine, 0.2, Ba(7, BindingAcknowledgementStatus.SequenceNumberOutOfWindow, 0));
        Assert.That(actions.OfType<SendBindingUpdate>(), Is.Empty);
        Assert.That(actions.OfType<Refused>().Single().GaveUp, Is.False);
    }

    [TestCase("source")]
    [TestCase("sequence")]
    [TestCase("destination")]
    [TestCase("rh2")]
    public void Acknowledgements_not_matching_the_binding_update_are_ignored(string wrong)
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        var ba = wrong switch
        {
            "source" => Ba(1001, from: Stranger),
            "sequence" => Ba(1000),
            "destination" => Ba(1001, to: CareOf2),
            _ => Ba(1001, rh2: Stranger),
        };
        var actions = At(machine, 0.1, ba);
        Assert.That(actions, Has.Exactly(1).Items.InstanceOf<Ignored>());
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAck));
    }

    [Test]
    public void An_acknowledgement_with_nothing_outstanding_is_ignored()
    {
        var machine = Bound();
        Assert.That(At(machine, 1, Ba(1001)), Has.Exactly(1).Items.InstanceOf<Ignored>());
    }

    [Test]
    public void Refusals_back_off_and_give_up_after_a_bound_without_publishing()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        var published = new List<PublishMessage>();
        var backoffs = new List<double>();
        double t = 0.1;
        ushort sequence = 1001;
        for (int i = 0; i < MobileIpv6Constants.MaxRefusals; i++)
        {
            var refused = At(machine, t, Ba(sequence, BindingAcknowledgementStatus.AdministrativelyProhibited, 0));
            Assert.That(refused.OfType<Refused>().Single(), Is.EqualTo(new Refused(BindingAcknowledgementStatus.AdministrativelyProhibited, false)));
            Assert.That(refused.OfType<SendBindingUpdate>(), Is.Empty, "the retry waits for the timer");
            backoffs.Add(Armed(refused).TotalSeconds);
            t += Armed(refused).TotalSeconds;
            var retry = At(machine, t, RegistrationTimeout.Instance);
            sequence = OnlyBu(retry).Request.Sequence;
            published.AddRange(refused.OfType<PublishMessage>());
        }

        var last = At(machine, t + 0.1, Ba(sequence, BindingAcknowledgementStatus.AdministrativelyProhibited, 0));
        Assert.Multiple(() =>
        {
            Assert.That(backoffs, Is.EqualTo(new double[] { 3, 12, 32, 32, 32 }));
            Assert.That(last.OfType<Refused>().Single().GaveUp, Is.True);
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
            Assert.That(published, Is.Empty);
        });
    }

    [Test]
    public void A_binding_refresh_request_from_the_home_agent_refreshes_at_once()
    {
        var machine = Bound();
        var actions = At(machine, 30, new BrrReceived(HomeAgentAddress));
        Assert.That(OnlyBu(actions).Request.Sequence, Is.EqualTo(1002));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAckRefresh));
    }

    [Test]
    public void A_binding_refresh_request_from_anyone_else_is_ignored()
    {
        var machine = Bound();
        Assert.That(At(machine, 30, new BrrReceived(Stranger)), Has.Exactly(1).Items.InstanceOf<Ignored>());
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Bound));
    }

    [Test]
    public void A_handover_registers_the_new_care_of_address_with_the_shorter_timeout()
    {
        var machine = Bound();
        var actions = At(machine, 50, new MovedTo(CareOf2, "eth0"));
        Assert.That(OnlyBu(actions).Request.Source, Is.EqualTo(CareOf2));
        Assert.That(Armed(actions), Is.EqualTo(TimeSpan.FromSeconds(1)), "not the first registration with this home agent");

        var bound = At(machine, 50.4, Ba(1002, to: CareOf2));
        var registered = bound.OfType<Registered>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(registered.PreviousCareOfAddress, Is.EqualTo(CareOf));
            Assert.That(registered.CareOfAddress, Is.EqualTo(CareOf2));
            Assert.That(registered.Duration.TotalMilliseconds, Is.EqualTo(400).Within(0.001));
            Assert.That(((BindingUpdateListAdd)bound.OfType<PublishMessage>().Single().Message).Entry.CareOfAddress, Is.EqualTo(CareOf2));
        });
    }

    [Test]
    public void The_same_care_of_address_again_is_ignored()
    {
        var machine = Bound();
        Assert.That(At(machine, 5, new MovedTo(CareOf, "eth0")), Has.Exactly(1).Items.InstanceOf<Ignored>());
    }

    [Test]
    public void Returning_home_withdraws_the_entry_and_deregisters_from_the_home_address()
    {
        var machine = Bound();
        var actions = At(machine, 60, new ReturnedHome("eth0"));
        var removed = (BindingUpdateListRemove)actions.OfType<PublishMessage>().Single().Message;
        Assert.Multiple(() =>
        {
            Assert.That(removed.Entry.CareOfAddress, Is.EqualTo(CareOf));
            Assert.That(OnlyBu(actions).Request, Is.EqualTo(new BindingUpdateRequest(1002, WireFlags.A | WireFlags.H, TimeSpan.Zero, Home, HomeAgentAddress, null)));
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitDereg));
        });

        // RFC 6275 11.5.5: the acknowledgement comes to the home address, without a routing header.
        var done = At(machine, 60.1, new BaReceived(new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 1002, 0), HomeAgentAddress, Home, null));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
        Assert.That(done.OfType<PublishMessage>(), Is.Empty, "removed once already");
        var home = done.OfType<ReturnedHomeDeregistered>().Single();
        Assert.That(home.PreviousCareOfAddress, Is.EqualTo(CareOf), "the handover home starts from the last care-of address");
        Assert.That(home.DeregisteredAt - home.MovedAt, Is.EqualTo(TimeSpan.FromSeconds(0.1)).Within(TimeSpan.FromMilliseconds(1)));
    }

    [Test]
    public void Home_reported_again_while_the_deregistration_waits_sends_no_second_bu_and_the_first_ba_ends_it()
    {
        var machine = Bound();
        Assert.That(OnlyBu(At(machine, 60, new ReturnedHome("eth0"))).Request.Sequence, Is.EqualTo(1002));
        var again = At(machine, 60.01, new ReturnedHome("eth0"));
        Assert.That(again.OfType<SendBindingUpdate>(), Is.Empty, "one deregistration outstanding");

        var done = At(machine, 60.1, new BaReceived(new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 1002, 0), HomeAgentAddress, Home, null));
        Assert.That(done.OfType<Ignored>(), Is.Empty);
        Assert.That(done.OfType<ReturnedHomeDeregistered>().Count(), Is.EqualTo(1));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
    }

    [Test]
    public void Returning_home_after_losing_the_care_of_address_on_the_way_still_deregisters()
    {
        var machine = Bound();
        At(machine, 30, new CareOfAddressLost(CareOf)); // the foreign link's carrier went first
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));

        var actions = At(machine, 31, new ReturnedHome("eth0"));
        Assert.That(OnlyBu(actions).Request, Is.EqualTo(new BindingUpdateRequest(1002, WireFlags.A | WireFlags.H, TimeSpan.Zero, Home, HomeAgentAddress, null)));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitDereg));

        // Refused as unknown (133): the home agent had let it expire; nothing left to remove, nothing to retry.
        // The handover home still ends there, from the care-of address lost on the way.
        Assert.That(At(machine, 31.1, new BaReceived(new BindingAcknowledgement(BindingAcknowledgementStatus.NotHomeAgentForThisMobileNode, BindingAcknowledgementFlags.None, 1002, 0), HomeAgentAddress, Home, null))
            .OfType<ReturnedHomeDeregistered>().Single().PreviousCareOfAddress, Is.EqualTo(CareOf));
        At(machine, 31.2, new BaReceived(new BindingAcknowledgement(BindingAcknowledgementStatus.NotHomeAgentForThisMobileNode, BindingAcknowledgementFlags.None, 1002, 0), HomeAgentAddress, Home, null));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
        Assert.That(machine.AtHome, Is.True);
        At(machine, 40, new MovedTo(CareOf, "eth0"));
        At(machine, 40.1, Ba(1003));
        At(machine, 41, new ReturnedHome("eth0"));
        At(machine, 41.1, new BaReceived(new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 1004, 0), HomeAgentAddress, Home, null));
        Assert.That(At(machine, 50, new ReturnedHome("eth0")).OfType<SendBindingUpdate>(), Is.Empty, "deregistered already");
    }

    [Test]
    public void Returning_home_without_a_registration_sends_nothing()
    {
        var machine = Machine();
        var actions = At(machine, 0, new ReturnedHome("eth0"));
        Assert.That(actions.OfType<SendBindingUpdate>(), Is.Empty);
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
    }

    [Test]
    public void Deregistration_retransmits_a_bounded_number_of_times()
    {
        var machine = Bound();
        var actions = At(machine, 60, new ReturnedHome("eth0"));
        int sent = 1;
        double t = 60;
        while (machine.State == HomeRegistrationState.WaitDereg)
        {
            t += Armed(actions).TotalSeconds;
            actions = At(machine, t, RegistrationTimeout.Instance);
            sent += actions.OfType<SendBindingUpdate>().Count();
        }

        Assert.That(sent, Is.EqualTo(1 + MobileIpv6Constants.MaxDeregistrationRetries));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
    }

    [Test]
    public void Stopping_while_bound_deregisters_from_the_care_of_address_and_withdraws_on_the_acknowledgement()
    {
        var machine = Bound();
        var actions = At(machine, 10, StopRequested.Instance);
        Assert.That(OnlyBu(actions).Request, Is.EqualTo(new BindingUpdateRequest(1002, WireFlags.A | WireFlags.H, TimeSpan.Zero, CareOf, HomeAgentAddress, Home)));
        Assert.That(actions.OfType<PublishMessage>(), Is.Empty, "the tunnel stays until the acknowledgement");
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitDereg));

        var done = At(machine, 10.1, Ba(1002, lifetimeUnits: 0));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
        Assert.That(((BindingUpdateListRemove)done.OfType<PublishMessage>().Single().Message).Entry.CareOfAddress, Is.EqualTo(CareOf));
    }

    [Test]
    public void Abandoning_a_stop_withdraws_the_entry()
    {
        var machine = Bound();
        At(machine, 10, StopRequested.Instance);
        var actions = At(machine, 11.5, Abandon.Instance);
        Assert.That(actions.OfType<PublishMessage>().Single().Message, Is.InstanceOf<BindingUpdateListRemove>());
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
    }

    [Test]
    public void Stopping_while_idle_sends_nothing()
    {
        var machine = Machine();
        Assert.That(At(machine, 0, StopRequested.Instance).OfType<SendBindingUpdate>(), Is.Empty);
    }

    [Test]
    public void Losing_the_care_of_address_withdraws_the_entry_and_goes_idle()
    {
        var machine = Bound();
        Assert.That(At(machine, 5, new CareOfAddressLost(CareOf2)), Has.Exactly(1).Items.InstanceOf<Ignored>());
        var actions = At(machine, 5, new CareOfAddressLost(CareOf));
        Assert.That(actions.OfType<PublishMessage>().Single().Message, Is.InstanceOf<BindingUpdateListRemove>());
        Assert.That(actions, Has.Some.InstanceOf<CancelTimer>());
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
    }

    [Test]
    public void A_move_seen_as_the_old_address_lost_then_a_new_one_is_a_handover_from_the_old_care_of_address()
    {
        var machine = Bound();
        At(machine, 40, new CareOfAddressLost(CareOf));
        At(machine, 41, new MovedTo(CareOf2, "eth0"));
        var registered = At(machine, 41.2, Ba(1002, to: CareOf2)).OfType<Registered>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(registered.PreviousCareOfAddress, Is.EqualTo(CareOf), "the timeline's from");
            Assert.That(registered.Duration.TotalMilliseconds, Is.EqualTo(200).Within(0.001), "from the new address to the BA");
        });
    }

    [Test]
    public void After_returning_home_the_next_move_away_is_from_home()
    {
        var machine = Bound();
        At(machine, 40, new CareOfAddressLost(CareOf));
        At(machine, 41, new ReturnedHome("eth0"));
        var bu = OnlyBu(At(machine, 50, new MovedTo(CareOf2, "eth0")));
        var registered = At(machine, 50.2, Ba(bu.Request.Sequence, to: CareOf2)).OfType<Registered>().Single();
        Assert.That(registered.PreviousCareOfAddress, Is.Null);
    }

    [Test]
    public void Without_a_home_agent_it_discovers_one_then_registers_with_the_first_of_the_reply()
    {
        var machine = Machine(discover: true);
        var actions = At(machine, 0, new MovedTo(CareOf, "eth0"));
        var request = actions.OfType<SendHaadRequest>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Discovering));
            Assert.That(request.Source, Is.EqualTo(CareOf));
            Assert.That(request.Destination, Is.EqualTo(IPAddress.Parse("2001:db8:1:0:fdff:ffff:ffff:fffe")));
            Assert.That(Armed(actions), Is.EqualTo(TimeSpan.FromSeconds(3)));
        });

        var again = At(machine, 3, RegistrationTimeout.Instance);
        Assert.That(again.OfType<SendHaadRequest>().Single().Retransmission, Is.True);
        Assert.That(Armed(again), Is.EqualTo(TimeSpan.FromSeconds(6)));

        var other = IPAddress.Parse("2001:db8:1::2");
        Assert.That(At(machine, 4, new HaadReplyReceived(new HomeAgentAddressDiscoveryReply((ushort)(request.Identifier + 1), false, [HomeAgentAddress]), HomeAgentAddress)),
            Has.Exactly(1).Items.InstanceOf<Ignored>());
        var registration = At(machine, 4, new HaadReplyReceived(new HomeAgentAddressDiscoveryReply(request.Identifier, false, [other, HomeAgentAddress]), other));
        Assert.Multiple(() =>
        {
            Assert.That(machine.HomeAgent, Is.EqualTo(other));
            Assert.That(OnlyBu(registration).Request.Destination, Is.EqualTo(other));
            Assert.That(Armed(registration), Is.EqualTo(TimeSpan.FromSeconds(1.5)));
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAck));
        });
    }

    [Test]
    public void The_lifetime_asked_for_stays_within_the_home_prefix_lifetime()
    {
        var machine = Bound();
        At(machine, 1, new HomePrefixLifetime(TimeSpan.FromSeconds(100)));
        var refresh = At(machine, 96.2, RegistrationTimeout.Instance);
        Assert.That(OnlyBu(refresh).Request.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(4.8)).Within(TimeSpan.FromMilliseconds(1)));
        Assert.That(refresh.OfType<SolicitPrefixes>(), Has.Exactly(1).Items, "the home prefix runs out before the registration: solicit");
    }
}
