using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.HomeAgent;
using static Shisa.Modules.Tests.HomeAgent.Packets;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.Tests.HomeAgent;

public class HomeRegistrationTests
{
    [Test]
    public void A_new_registration_waits_for_dad_then_adds_the_binding_and_answers_with_the_vector_ba()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("mh_bu.json", "bu_home_registration_altcoa"));

        Assert.That(ha.Published, Is.EqualTo(new[] { new Dad(DadMessage.Do, Topology.Home, "eth0", 2) }), "DAD first, nothing installed yet");
        Assert.That(ha.Sender.Packets, Is.Empty);

        ha.Answer(DadMessage.Success, Topology.Home);

        var add = ha.PublishedOf<BindingCacheAdd>().Single();
        Assert.That(add.Entry, Is.EqualTo(new BindingCacheEntry(Topology.Home, Topology.CareOf, Topology.HomeAgent,
            BusFlags.Acknowledge | BusFlags.HomeRegistration, TimeSpan.FromSeconds(120), 1000, EquatableArray<Prefix>.Empty)));
        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(1));
        Assert.That(Hex(ha.Sender.Packets[0]), Is.EqualTo(Hex(Vectors.Packet("mh_ba.json", "ba_accepted"))));
        Assert.That(ha.Core.GetBindings(ha.Now).Single(), Is.EqualTo(new HomeBindingStatus(Topology.Home, Topology.CareOf,
            BusFlags.Acknowledge | BusFlags.HomeRegistration, 1000, EquatableArray<Prefix>.Empty, TimeSpan.FromSeconds(120))));
    }

    [Test]
    public void The_refresh_advice_option_is_added_when_tuned_and_matches_the_vector()
    {
        var ha = new CoreHarness(tuning: new HomeAgentTuning { RefreshAdviceFraction = 0.5 });
        ha.Register(Vectors.Packet("mh_bu.json", "bu_home_registration"));

        Assert.That(Hex(ha.Sender.Packets.Single()), Is.EqualTo(Hex(Vectors.Packet("mh_ba.json", "ba_with_refresh_advice"))));
    }

    [Test]
    public void A_refresh_needs_no_dad_and_replaces_the_binding()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1000));
        ha.Published.Clear();

        ha.Deliver(BindingUpdate(1001, careOf: Topology.CareOf2));

        Assert.That(ha.Published.OfType<Dad>(), Is.Empty);
        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.CareOfAddress, Is.EqualTo(Topology.CareOf2));
        var ba = ha.LastMobility();
        Assert.That(ba.Source, Is.EqualTo(Topology.HomeAgent));
        Assert.That(ba.Destination, Is.EqualTo(Topology.CareOf2), "the BA goes to the BU's source");
        Assert.That(ba.RoutingHomeAddress, Is.EqualTo(Topology.Home));
        Assert.That(ba.Message, Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 1001, 30)));
    }

    [Test]
    public void An_old_sequence_number_is_refused_with_the_vector_ba_and_the_binding_is_kept()
    {
        var ha = new CoreHarness();
        var bu = Vectors.Packet("mh_bu.json", "bu_home_registration_altcoa");
        ha.Register(bu);
        ha.Published.Clear();

        ha.Deliver(bu);

        Assert.That(Hex(ha.Sender.Packets[^1]), Is.EqualTo(Hex(Vectors.Packet("mh_ba.json", "ba_seq_out_of_window"))));
        Assert.That(ha.Published, Is.Empty, "a refused BU touches no binding");
        Assert.That(ha.Core.GetBindings(ha.Now).Single().Sequence, Is.EqualTo(1000));
    }

    [Test]
    public void Sequence_numbers_compare_modulo_2_to_the_16()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(65530));
        ha.Deliver(BindingUpdate(3));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted), "3 follows 65530");
        Assert.That(ha.Core.GetBindings(ha.Now).Single().Sequence, Is.EqualTo(3));

        foreach (ushort old in new ushort[] { 65530, 65531, 3, 2, 32771 })
        {
            ha.Deliver(BindingUpdate(old, careOf: Topology.CareOf2));
            Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.SequenceNumberOutOfWindow, BindingAcknowledgementFlags.None, 3, 0)), $"sequence {old}");
        }

        Assert.That(ha.Core.GetBindings(ha.Now).Single().CareOfAddress, Is.EqualTo(Topology.CareOf));
    }

    [TestCase(65535, 105, TestName = "Lifetime_is_clamped_to_max_lifetime")]
    [TestCase(10, 10, TestName = "A_shorter_lifetime_is_granted_as_asked")]
    public void Lifetime_is_clamped_to_max_lifetime(int requestedUnits, int grantedUnits)
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1, (ushort)requestedUnits));

        Assert.That(ha.LastAck().LifetimeUnits, Is.EqualTo(grantedUnits));
        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(grantedUnits * 4)));
    }

    [Test]
    public void Lifetime_is_clamped_to_the_home_prefix_valid_lifetime()
    {
        var ha = new CoreHarness(tuning: new HomeAgentTuning { PrefixValidLifetime = TimeSpan.FromSeconds(100) });
        ha.Register(BindingUpdate(1, 100));

        Assert.That(ha.LastAck().LifetimeUnits, Is.EqualTo(25));
    }

    [Test]
    public void Deregistration_from_a_foreign_link_removes_the_binding_and_answers_with_lifetime_0()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1000));
        ha.Published.Clear();

        ha.Deliver(Vectors.Packet("mh_bu.json", "bu_home_deregistration"));

        Assert.That(ha.PublishedOf<BindingCacheRemove>().Single().Entry.HomeAddress, Is.EqualTo(Topology.Home));
        var ba = ha.LastMobility();
        Assert.That(ba.Destination, Is.EqualTo(Topology.CareOf2));
        Assert.That(ba.RoutingHomeAddress, Is.EqualTo(Topology.Home));
        Assert.That(ba.Message, Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 1004, 0)));
        Assert.That(ha.Core.BindingCount, Is.Zero);
    }

    [Test]
    public void Deregistration_at_home_answers_the_home_address_without_rh2_as_the_vector()
    {
        var ha = new CoreHarness();
        ha.Register(Vectors.Packet("mh_bu.json", "bu_home_registration_altcoa"));
        ha.Published.Clear();

        ha.Deliver(Vectors.Packet("mh_bu.json", "bu_returning_home"));

        Assert.That(ha.Published, Has.Count.EqualTo(1));
        Assert.That(ha.Published[0], Is.InstanceOf<BindingCacheRemove>(), "removed before the BA goes out (RFC 6275 10.3.2)");
        Assert.That(Hex(ha.Sender.Packets[^1]), Is.EqualTo(Hex(Vectors.Packet("mh_ba.json", "ba_deregistration_at_home"))));
    }

    [Test]
    public void Deregistration_without_a_binding_is_refused_with_133()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(7, 0));

        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.NotHomeAgentForThisMobileNode, BindingAcknowledgementFlags.None, 7, 0)));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void A_home_address_outside_the_home_prefix_is_refused_with_132()
    {
        var foreign = System.Net.IPAddress.Parse("2001:db8:2::100");
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1, home: foreign));

        var ba = ha.LastMobility();
        Assert.That(ba.RoutingHomeAddress, Is.EqualTo(foreign));
        Assert.That(ba.Message, Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.NotHomeSubnet, BindingAcknowledgementFlags.None, 1, 0)));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void A_mobile_node_not_on_the_list_is_refused_with_129()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1, home: Topology.OtherHome));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.AdministrativelyProhibited));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void Past_max_bindings_a_new_mobile_node_is_refused_with_130_and_a_refresh_still_works()
    {
        var ha = new CoreHarness(Topology.Section(maxBindings: 1, nodes: [Topology.Node(Topology.Home), Topology.Node(Topology.OtherHome)]));
        ha.Register(BindingUpdate(1));
        ha.Deliver(BindingUpdate(1, home: Topology.OtherHome));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.InsufficientResources));
        Assert.That(ha.Published.OfType<Dad>().Count(d => d.Address.Equals(Topology.OtherHome)), Is.Zero);

        ha.Deliver(BindingUpdate(2));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
    }

    [Test]
    public void A_pending_registration_counts_against_max_bindings()
    {
        var ha = new CoreHarness(Topology.Section(maxBindings: 1, nodes: [Topology.Node(Topology.Home), Topology.Node(Topology.OtherHome)]));
        ha.Deliver(BindingUpdate(1));
        ha.Deliver(BindingUpdate(1, home: Topology.OtherHome));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.InsufficientResources));
    }

    [Test]
    public void The_k_flag_is_not_echoed_nor_kept_and_without_a_the_accepted_bu_gets_no_ba()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1, flags: WireFlags.H | WireFlags.K));

        Assert.That(ha.Sender.Packets, Is.Empty, "accepted without A: no BA (RFC 6275 9.5.4)");
        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.Flags, Is.EqualTo(BusFlags.HomeRegistration));

        ha.Deliver(BindingUpdate(1, flags: WireFlags.H | WireFlags.K));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.SequenceNumberOutOfWindow), "a refusal is answered even without A");
        Assert.That(ha.LastAck().Flags, Is.EqualTo(BindingAcknowledgementFlags.None));

        ha.Deliver(BindingUpdate(2, flags: AH | WireFlags.K));
        Assert.That(ha.LastAck().Flags & BindingAcknowledgementFlags.K, Is.EqualTo(BindingAcknowledgementFlags.None), "no IKE here: K cleared");
    }

    [Test]
    public void A_binding_update_without_h_is_left_to_the_correspondent()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1, flags: WireFlags.A));

        Assert.That(ha.Sender.Packets, Is.Empty);
        Assert.That(ha.Published, Is.Empty);
        Assert.That(ha.Core.GetCounters().Drops[HomeAgentDropReason.NotHomeRegistration], Is.EqualTo(1));
    }

    [Test]
    public void Mobile_router_flag_without_authorized_prefixes_is_refused_with_140()
    {
        var ha = new CoreHarness();
        ha.Deliver(Vectors.Packet("mh_bu.json", "bu_nemo_explicit"));

        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.MobileRouterOperationNotPermitted, BindingAcknowledgementFlags.None, 1002, 0)));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void A_mobile_router_with_its_prefix_on_the_list_is_accepted_as_the_vector()
    {
        var ha = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, [Topology.MobileNetwork])));
        ha.Register(Vectors.Packet("mh_bu.json", "bu_nemo_explicit"));

        Assert.That(Hex(ha.Sender.Packets.Single()), Is.EqualTo(Hex(Vectors.Packet("mh_ba.json", "ba_nemo_accepted"))));
        var entry = ha.PublishedOf<BindingCacheAdd>().Single().Entry;
        Assert.That(entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([Topology.MobileNetwork])));
        Assert.That(entry.IsMobileRouter, Is.True);
    }

    [Test]
    public void A_mobile_router_prefix_not_on_the_list_is_refused_as_the_vector()
    {
        var ha = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, [Prefix.Parse("2001:db8:1:200::/56")])));
        ha.Deliver(Vectors.Packet("mh_bu.json", "bu_nemo_explicit"));

        Assert.That(Hex(ha.Sender.Packets.Single()), Is.EqualTo(Hex(Vectors.Packet("mh_ba.json", "ba_nemo_not_authorized"))));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void A_mobile_host_binding_carries_no_prefixes_even_when_its_entry_lists_some()
    {
        var ha = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, [Topology.MobileNetwork])));
        ha.Register(BindingUpdate(1));

        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.MobileNetworkPrefixes, Is.Empty);
    }

    [Test]
    public void A_binding_expires_at_its_lifetime_and_a_refresh_moves_the_expiry()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1, 30));
        ha.Advance(TimeSpan.FromSeconds(100));
        ha.Deliver(BindingUpdate(2, 30));
        ha.Published.Clear();

        ha.Advance(TimeSpan.FromSeconds(119));
        Assert.That(ha.Published, Is.Empty, "refreshed at 100 s: lives until 220 s");

        ha.Advance(TimeSpan.FromSeconds(1));
        Assert.That(ha.PublishedOf<BindingCacheRemove>().Single().Entry, Is.EqualTo(new BindingCacheEntry(Topology.Home, Topology.CareOf,
            Topology.HomeAgent, BusFlags.Acknowledge | BusFlags.HomeRegistration, TimeSpan.FromSeconds(120), 2, EquatableArray<Prefix>.Empty)));
        Assert.That(ha.Core.BindingCount, Is.Zero);
        Assert.That(ha.Core.NextDeadline, Is.Null);
        Assert.That(ha.Core.GetCounters().BindingsExpired, Is.EqualTo(1));
    }

    [Test]
    public void Dad_failure_refuses_with_134_and_installs_nothing()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1));
        ha.Answer(DadMessage.Fail, Topology.Home);

        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.DuplicateAddressDetectionFailed, BindingAcknowledgementFlags.None, 1, 0)));
        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Is.Empty);
        Assert.That(ha.Core.BindingCount, Is.Zero);

        ha.Advance(TimeSpan.FromSeconds(10));
        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Is.Empty, "the DAD deadline of a refused registration does nothing");
    }

    [Test]
    public void Dad_timeout_refuses_the_registration_with_130_and_stops_the_detection_never_accepting_it_unchecked()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1));
        ha.Advance(TimeSpan.FromSeconds(2.9));
        Assert.That(ha.Sender.Packets, Is.Empty);

        ha.Published.Clear();
        ha.Advance(TimeSpan.FromSeconds(0.1));
        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Is.Empty);
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.InsufficientResources));
        Assert.That(ha.PublishedOf<Dad>().Single().Message, Is.EqualTo(DadMessage.Stop), "a detection still waiting is withdrawn");
        Assert.That(ha.Core.GetCounters().DadTimedOut, Is.EqualTo(1));
        Assert.That(ha.Core.BindingCount, Is.Zero);
    }

    [Test]
    public void A_busy_detector_refuses_the_registration_with_130_at_once()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1));
        ha.Answer(DadMessage.Busy, ha.PublishedOf<Dad>().Single().Address);

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.InsufficientResources));
        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Is.Empty);
        Assert.That(ha.Core.GetCounters().DadBusy, Is.EqualTo(1));

        ha.Register(BindingUpdate(2));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted), "the retransmission, once the detector has room");
    }

    [Test]
    public void With_l_the_link_local_address_is_checked_too()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1, flags: AH | WireFlags.L));
        var linkLocal = System.Net.IPAddress.Parse("fe80::100");
        Assert.That(ha.PublishedOf<Dad>().Select(d => d.Address), Is.EqualTo(new[] { Topology.Home, linkLocal }));

        ha.Answer(DadMessage.Success, Topology.Home);
        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Is.Empty, "the link-local answer is still missing");

        ha.Answer(DadMessage.Success, linkLocal);
        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.Flags, Is.EqualTo(BusFlags.Acknowledge | BusFlags.HomeRegistration | BusFlags.LinkLocal));
    }

    [Test]
    public void During_dad_a_retransmission_is_dropped_and_a_newer_bu_takes_over_the_running_detection()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1));
        ha.Deliver(BindingUpdate(1));
        ha.Deliver(BindingUpdate(2, careOf: Topology.CareOf2));

        Assert.That(ha.PublishedOf<Dad>(), Has.Length.EqualTo(1), "one detection for the home address");
        ha.Answer(DadMessage.Success, Topology.Home);

        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(1), "only the newest BU is answered");
        Assert.That(ha.LastAck().Sequence, Is.EqualTo(2));
        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.CareOfAddress, Is.EqualTo(Topology.CareOf2));
        var drops = ha.Core.GetCounters().Drops;
        Assert.That(drops[HomeAgentDropReason.DadInProgress], Is.EqualTo(1));
        Assert.That(drops[HomeAgentDropReason.Superseded], Is.EqualTo(1));
    }

    [Test]
    public void Dad_answers_for_other_addresses_and_our_own_requests_are_ignored()
    {
        var ha = new CoreHarness();
        ha.Deliver(BindingUpdate(1));
        ha.Core.Process(new DadReported(new Dad(DadMessage.Do, Topology.Home, "eth0", 2)), ha.Now);
        ha.Answer(DadMessage.Fail, Topology.OtherHome);

        Assert.That(ha.Sender.Packets, Is.Empty);
        ha.Answer(DadMessage.Success, Topology.Home);
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
    }

    [Test]
    public void Counters_count_outcomes_acknowledgements_and_drops()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1));
        ha.Deliver(BindingUpdate(1));
        ha.Deliver(BindingUpdate(5, home: Topology.OtherHome));
        ha.Deliver(Vectors.Packet("malformed.json", "bu_bad_checksum"));

        var counters = ha.Core.GetCounters();
        Assert.That(counters.BindingUpdatesReceived, Is.EqualTo(3));
        Assert.That(counters.BindingUpdatesByStatus, Is.EqualTo(new Dictionary<BindingAcknowledgementStatus, long>
        {
            [BindingAcknowledgementStatus.Accepted] = 1,
            [BindingAcknowledgementStatus.SequenceNumberOutOfWindow] = 1,
            [BindingAcknowledgementStatus.AdministrativelyProhibited] = 1,
        }));
        Assert.That(counters.AcknowledgementsSentByStatus, Is.EqualTo(counters.BindingUpdatesByStatus));
        Assert.That(counters.Drops, Is.EqualTo(new Dictionary<HomeAgentDropReason, long> { [HomeAgentDropReason.BadChecksum] = 1 }));
        var flat = counters.ToDictionary();
        Assert.That(flat["ha_binding_updates_status_135"], Is.EqualTo(1));
        Assert.That(flat["ha_binding_acks_sent_status_129"], Is.EqualTo(1));
        Assert.That(flat["ha_drops_bad_checksum"], Is.EqualTo(1));
    }

    [Test]
    public void The_timer_queue_stays_bounded_under_a_flood_of_refreshes()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1));
        for (int i = 2; i < 2000; i++)
        {
            ha.Deliver(BindingUpdate((ushort)i));
        }

        Assert.That(ha.Core.BindingCount, Is.EqualTo(1));
        Assert.That(ha.Core.DeadlineCount, Is.LessThanOrEqualTo(4 + 64 + 1));
    }

    [Test]
    public void A_refused_send_is_counted_as_a_drop()
    {
        var ha = new CoreHarness();
        ha.Sender.Refuse = true;
        ha.Deliver(BindingUpdate(1, home: Topology.OtherHome));

        var counters = ha.Core.GetCounters();
        Assert.That(counters.AcknowledgementsSentByStatus, Is.Empty);
        Assert.That(counters.Drops[HomeAgentDropReason.SendFailed], Is.EqualTo(1));
    }
}
