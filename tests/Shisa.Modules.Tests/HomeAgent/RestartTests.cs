using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.HomeAgent;
using static Shisa.Modules.Tests.HomeAgent.Packets;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;

namespace Shisa.Modules.Tests.HomeAgent;

/// <summary>
/// DESIGN 5: the home agent's bindings outlive the process. Stopping announces no removal; at the next start the
/// journal's entries come back with their remaining lifetimes and sequence numbers and are announced again.
/// </summary>
public class RestartTests
{
    private static BindingCacheEntry Entry(IPAddress? home = null, int lifetimeSeconds = 100, ushort sequence = 1000, IPAddress? peer = null,
        BusFlags flags = BusFlags.Acknowledge | BusFlags.HomeRegistration, Prefix[]? prefixes = null) =>
        new(home ?? Topology.Home, Topology.CareOf, peer ?? Topology.HomeAgent, flags, TimeSpan.FromSeconds(lifetimeSeconds), sequence,
            new EquatableArray<Prefix>(prefixes ?? []));

    [Test]
    public void A_restored_binding_comes_back_with_its_remaining_lifetime_is_announced_again_and_expires_on_time()
    {
        var ha = new CoreHarness();
        var restoredAt = ha.Now;
        ha.Time.Advance(TimeSpan.FromSeconds(5)); // the engine started between the journal's open and the module's start

        ha.Core.Process(new BindingsRestored([Entry(lifetimeSeconds: 100)], restoredAt), ha.Now);

        Assert.Multiple(() =>
        {
            Assert.That(ha.Published, Is.EqualTo(new[] { new BindingCacheAdd(Entry(lifetimeSeconds: 95)) }), "the data plane reinstalls it");
            Assert.That(ha.Core.GetBindings(ha.Now).Single().LifetimeRemaining, Is.EqualTo(TimeSpan.FromSeconds(95)));
            Assert.That(ha.Core.GetBindings(ha.Now).Single().Sequence, Is.EqualTo(1000));
            Assert.That(ha.Sender.Packets, Is.Empty, "no signalling: nothing asked for it");
        });

        ha.Advance(TimeSpan.FromSeconds(94));
        Assert.That(ha.PublishedOf<BindingCacheRemove>(), Is.Empty);
        ha.Advance(TimeSpan.FromSeconds(1));
        Assert.That(ha.PublishedOf<BindingCacheRemove>().Single().Entry.HomeAddress, Is.EqualTo(Topology.Home));
        Assert.That(ha.Core.BindingCount, Is.Zero);
    }

    [Test]
    public void The_next_binding_update_meets_the_restored_sequence_number_and_refreshes_without_dad()
    {
        var ha = new CoreHarness();
        ha.Core.Process(new BindingsRestored([Entry(sequence: 1000)], ha.Now), ha.Now);

        ha.Deliver(BindingUpdate(1000));
        Assert.That(ha.LastAck(), Is.EqualTo(new BindingAcknowledgement(BindingAcknowledgementStatus.SequenceNumberOutOfWindow, BindingAcknowledgementFlags.None, 1000, 0)));

        ha.Published.Clear();
        ha.Deliver(BindingUpdate(1001, careOf: Topology.CareOf2));
        Assert.Multiple(() =>
        {
            Assert.That(ha.Published.OfType<Dad>(), Is.Empty, "a refresh of a known binding, not a new one");
            Assert.That(ha.PublishedOf<BindingCacheAdd>().Single().Entry.CareOfAddress, Is.EqualTo(Topology.CareOf2));
            Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        });
    }

    [Test]
    public void Entries_the_profile_no_longer_allows_or_that_ran_out_are_removed_and_other_roles_entries_left_alone()
    {
        var third = IPAddress.Parse("2001:db8:1::300");
        var ha = new CoreHarness(Topology.Section(nodes: [Topology.Node(Topology.Home, [Topology.MobileNetwork]), Topology.Node(Topology.OtherHome), Topology.Node(third)]));
        var restoredAt = ha.Now;
        ha.Time.Advance(TimeSpan.FromSeconds(30));
        var correspondents = Entry(home: IPAddress.Parse("2001:db8:9::1"), peer: IPAddress.Parse("2001:db8:c::2"), flags: BusFlags.None);
        var unknownNode = Entry(home: IPAddress.Parse("2001:db8:1::400"));
        var ranOut = Entry(home: Topology.OtherHome, lifetimeSeconds: 30);
        var otherPrefix = Entry(home: third, flags: BusFlags.HomeRegistration | BusFlags.MobileRouter, prefixes: [Prefix.Parse("2001:db8:1:300::/56")]);
        var router = Entry(home: Topology.Home, flags: BusFlags.HomeRegistration | BusFlags.MobileRouter, prefixes: [Topology.MobileNetwork]);

        ha.Core.Process(new BindingsRestored([correspondents, unknownNode, ranOut, otherPrefix, router], restoredAt), ha.Now);

        Assert.That(ha.Published, Is.EqualTo(new Shisa.DataPlane.Bus.MobilityMessage[]
        {
            new BindingCacheRemove(unknownNode),
            new BindingCacheRemove(ranOut),
            new BindingCacheRemove(otherPrefix),
            new BindingCacheAdd(router with { Lifetime = TimeSpan.FromSeconds(70) }),
        }));
    }

    [Test]
    public void A_restored_entry_for_a_home_address_already_bound_changes_nothing()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1000));
        ha.Published.Clear();

        ha.Core.Process(new BindingsRestored([Entry(sequence: 900)], ha.Now), ha.Now);

        Assert.Multiple(() =>
        {
            Assert.That(ha.Published, Is.Empty, "no BcRemove: it would take the live binding's key away");
            Assert.That(ha.Core.GetBindings(ha.Now).Single().Sequence, Is.EqualTo(1000));
        });
    }

    [Test]
    public void Stopping_forgets_the_bindings_without_announcing_a_removal()
    {
        var ha = new CoreHarness();
        ha.Register(BindingUpdate(1000));
        ha.Published.Clear();

        ha.Core.ForgetAll();

        Assert.Multiple(() =>
        {
            Assert.That(ha.Published, Is.Empty, "the data plane keeps forwarding; the journal keeps the binding");
            Assert.That(ha.Core.BindingCount, Is.Zero);
        });
    }

    [Test]
    public void A_reload_that_drops_a_mobile_node_removes_its_binding_and_keeps_the_others()
    {
        var ha = new CoreHarness(Topology.Section(nodes: [Topology.Node(Topology.Home), Topology.Node(Topology.OtherHome)]));
        ha.Register(BindingUpdate(1000));
        ha.Register(BindingUpdate(7, home: Topology.OtherHome));
        ha.Published.Clear();

        ha.Core.Process(new HomeAgentReconfigured(Topology.Section(nodes: [Topology.Node(Topology.OtherHome)])), ha.Now);

        Assert.Multiple(() =>
        {
            Assert.That(ha.PublishedOf<BindingCacheRemove>().Single().Entry.HomeAddress, Is.EqualTo(Topology.Home));
            Assert.That(ha.Core.GetBindings(ha.Now).Select(b => b.HomeAddress), Is.EqualTo(new[] { Topology.OtherHome }));
        });
    }
}
