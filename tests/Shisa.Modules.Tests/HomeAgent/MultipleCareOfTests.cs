using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.HomeAgent;
using static Shisa.Modules.Tests.HomeAgent.Packets;

namespace Shisa.Modules.Tests.HomeAgent;

/// <summary>RFC 5648 6.2 at the home agent: bindings keyed by (home address, binding id), bulk and individual registration, refusals.</summary>
public class MultipleCareOfTests
{
    private static BindingIdentifierOption Bid(ushort id, IPAddress? careOf = null, BindingIdentifierFlags flags = BindingIdentifierFlags.None) =>
        new(id, 0, flags, careOf);

    private static byte[] Update(ushort sequence, ushort lifetimeUnits = 30, params BindingIdentifierOption[] options) =>
        BindingUpdate(sequence, lifetimeUnits, options: MobilityOptionList.Create([.. options]));

    private static BindingIdentifierOption[] Echoed(BindingAcknowledgement ack) => [.. ack.Options.OfType<BindingIdentifierOption>()];

    [Test]
    public void A_bulk_registration_adds_one_binding_per_binding_id_after_one_dad_and_echoes_each_option_with_status_0()
    {
        var ha = new CoreHarness();
        ha.Deliver(Update(10, 30, Bid(1, Topology.CareOf), Bid(2, Topology.CareOf2)));
        Assert.That(ha.PublishedOf<Dad>(), Has.Length.EqualTo(1), "one DAD for the home address, not one per binding");
        ha.Answer(DadMessage.Success, Topology.Home);

        var adds = ha.PublishedOf<BindingCacheAdd>().Select(a => (a.Entry.BindingId, a.Entry.CareOfAddress)).ToArray();
        Assert.That(adds, Is.EqualTo(new[] { ((ushort)1, Topology.CareOf), ((ushort)2, Topology.CareOf2) }));
        Assert.That(ha.Core.BindingCount, Is.EqualTo(2), "max_bindings counts bindings");
        var ack = ha.LastAck();
        Assert.That(ack.Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(Echoed(ack).Select(o => (o.BindingId, o.Status, o.CareOfAddress)), Is.EqualTo(new[] { ((ushort)1, (byte)0, Topology.CareOf), ((ushort)2, (byte)0, Topology.CareOf2) }));
        Assert.That(ha.Core.GetBindings(ha.Now).Select(b => b.BindingId), Is.EqualTo(new ushort[] { 1, 2 }));
    }

    [Test]
    public void An_option_without_a_care_of_address_binds_the_binding_updates_care_of_address()
    {
        var ha = new CoreHarness();
        ha.Register(Update(10, 30, Bid(7)));

        Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry, Has.Property("BindingId").EqualTo((ushort)7).And.Property("CareOfAddress").EqualTo(Topology.CareOf));
    }

    [Test]
    public void An_individual_registration_updates_its_binding_id_and_leaves_the_other_untouched()
    {
        var ha = new CoreHarness();
        ha.Register(Update(10, 30, Bid(1, Topology.CareOf), Bid(2, Topology.CareOf2)));
        ha.Published.Clear();
        var moved = IPAddress.Parse("2001:db8:a2::99");

        ha.Deliver(Update(11, 30, Bid(2, moved)));

        Assert.That(ha.Published, Is.EqualTo(new Shisa.DataPlane.Bus.MobilityMessage[] { new BindingCacheAdd(ha.PublishedOf<BindingCacheAdd>().Single().Entry) }), "one add, no remove");
        Assert.That(ha.Core.GetBindings(ha.Now).Select(b => (b.BindingId, b.CareOfAddress)), Is.EqualTo(new[] { ((ushort)1, Topology.CareOf), ((ushort)2, moved) }));
    }

    [Test]
    public void A_deregistration_of_one_binding_id_removes_only_that_binding()
    {
        var ha = new CoreHarness();
        ha.Register(Update(10, 30, Bid(1, Topology.CareOf), Bid(2, Topology.CareOf2)));
        ha.Published.Clear();

        ha.Deliver(Update(11, 0, Bid(1)));

        Assert.That(ha.PublishedOf<BindingCacheRemove>().Single().Entry.BindingId, Is.EqualTo(1));
        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Is.Empty);
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(Echoed(ha.LastAck()).Single().BindingId, Is.EqualTo(1));
        Assert.That(ha.Core.GetBindings(ha.Now).Single().BindingId, Is.EqualTo(2));
    }

    [Test]
    public void A_deregistration_of_an_unknown_binding_id_is_refused_with_133_and_changes_nothing()
    {
        var ha = new CoreHarness();
        ha.Register(Update(10, 30, Bid(1, Topology.CareOf)));
        ha.Published.Clear();

        ha.Deliver(Update(11, 0, Bid(1), Bid(9)));

        Assert.That(ha.Published, Is.Empty);
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.NotHomeAgentForThisMobileNode));
        Assert.That(Echoed(ha.LastAck()).Select(o => (o.BindingId, o.Status)), Is.EqualTo(new[] { ((ushort)1, (byte)0), ((ushort)9, (byte)133) }));
        Assert.That(ha.Core.BindingCount, Is.EqualTo(1));
    }

    [TestCase((ushort)0, (ushort)1, TestName = "Binding id 0 is refused with 164 MCOA MALFORMED")]
    [TestCase((ushort)3, (ushort)3, TestName = "The same binding id twice is refused with 164 MCOA MALFORMED")]
    public void Malformed_binding_identifier_options_are_refused_with_164(ushort first, ushort second)
    {
        var ha = new CoreHarness();
        ha.Deliver(Update(10, 30, Bid(first, Topology.CareOf), Bid(second, Topology.CareOf2)));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.McoaMalformed));
        Assert.That((int)BindingAcknowledgementStatus.McoaMalformed, Is.EqualTo(164));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void With_multiple_care_of_off_a_binding_identifier_option_is_refused_with_166_mcoa_prohibited()
    {
        var ha = new CoreHarness(Topology.Section() with { MultipleCareOf = false });
        ha.Deliver(Update(10, 30, Bid(1)));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.McoaProhibited));
        Assert.That((int)ha.LastAck().Status, Is.EqualTo(166));
        Assert.That(Echoed(ha.LastAck()).Single().Status, Is.EqualTo(166));
        Assert.That(ha.Published, Is.Empty);

        ha.Register(BindingUpdate(11));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted), "a plain RFC 6275 registration still works");
    }

    [Test]
    public void Without_o_a_registration_with_binding_ids_over_a_plain_binding_is_refused_with_165()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(10));
        ha.Published.Clear();

        ha.Deliver(Update(11, 30, Bid(1, Topology.CareOf2)));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.McoaNonMcoaBindingExists));
        Assert.That(ha.Published, Is.Empty);

        ha.Deliver(Update(12, 30, Bid(1, Topology.CareOf2, BindingIdentifierFlags.O), Bid(2, Topology.CareOf)));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted), "O replaces the plain binding");
        Assert.That(ha.Core.GetBindings(ha.Now).Select(b => b.BindingId), Is.EqualTo(new ushort[] { 1, 2 }));
        Assert.That(ha.PublishedOf<BindingCacheRemove>().Single().Entry.BindingId, Is.EqualTo(0));
        Assert.That(ha.Published.FindIndex(m => m is BindingCacheRemove), Is.GreaterThan(ha.Published.FindIndex(m => m is BindingCacheAdd)),
            "the new bindings are published before the old one goes, so the home address keeps its route");
    }

    [Test]
    public void A_plain_binding_update_replaces_every_binding_of_the_home_address()
    {
        var ha = new CoreHarness();
        ha.Register(Update(10, 30, Bid(1, Topology.CareOf), Bid(2, Topology.CareOf2)));
        ha.Published.Clear();

        ha.Deliver(BindingUpdate(11));

        Assert.That(ha.Core.GetBindings(ha.Now).Single().BindingId, Is.EqualTo(0));
        Assert.That(ha.PublishedOf<BindingCacheRemove>().Select(r => r.Entry.BindingId), Is.EquivalentTo(new ushort[] { 1, 2 }));
    }

    [Test]
    public void Max_bindings_counts_bindings_and_a_bulk_registration_beyond_it_is_accepted_in_part_with_status_4()
    {
        var ha = new CoreHarness(Topology.Section(maxBindings: 2));
        ha.Register(Update(10, 30, Bid(1, Topology.CareOf), Bid(2, Topology.CareOf2), Bid(3, IPAddress.Parse("2001:db8:a3::1"))));

        var ack = ha.LastAck();
        Assert.That(ack.Status, Is.EqualTo(BindingAcknowledgementStatus.McoaNotComplete));
        Assert.That((int)ack.Status, Is.EqualTo(4));
        Assert.That(Echoed(ack).Select(o => (o.BindingId, o.Status)), Is.EqualTo(new[] { ((ushort)1, (byte)0), ((ushort)2, (byte)0), ((ushort)3, (byte)130) }));
        Assert.That(ha.Core.BindingCount, Is.EqualTo(2));

        ha.Deliver(Update(11, 30, Bid(4, Topology.CareOf)));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.InsufficientResources), "no room for a third binding");
    }

    [Test]
    public void Each_binding_expires_on_its_own_and_the_sequence_is_checked_per_home_address()
    {
        var ha = new CoreHarness();
        ha.Register(Update(10, 30, Bid(1, Topology.CareOf), Bid(2, Topology.CareOf2)));
        ha.Advance(TimeSpan.FromSeconds(60));
        ha.Deliver(Update(11, 30, Bid(2, Topology.CareOf2)));
        ha.Published.Clear();

        ha.Deliver(Update(11, 30, Bid(1, Topology.CareOf)));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.SequenceNumberOutOfWindow), "11 was taken by binding 2");

        ha.Advance(TimeSpan.FromSeconds(61));
        Assert.That(ha.PublishedOf<BindingCacheRemove>().Single().Entry.BindingId, Is.EqualTo(1), "binding 1 ran out, binding 2 was refreshed");
        Assert.That(ha.Core.GetBindings(ha.Now).Single().BindingId, Is.EqualTo(2));
    }

    [Test]
    public void Restored_bindings_keep_their_binding_ids()
    {
        var ha = new CoreHarness();
        var entries = new[] { 1, 2 }.Select(id => new BindingCacheEntry(Topology.Home, id == 1 ? Topology.CareOf : Topology.CareOf2, Topology.HomeAgent,
            Shisa.DataPlane.Bus.BindingUpdateFlags.HomeRegistration | Shisa.DataPlane.Bus.BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(100), 5, EquatableArray<Prefix>.Empty, (ushort)id)).ToList();

        ha.Core.Process(new BindingsRestored(entries, ha.Now), ha.Now);

        Assert.That(ha.Core.GetBindings(ha.Now).Select(b => b.BindingId), Is.EqualTo(new ushort[] { 1, 2 }));
        Assert.That(ha.PublishedOf<BindingCacheAdd>().Select(a => a.Entry.BindingId), Is.EqualTo(new ushort[] { 1, 2 }));
    }
}
