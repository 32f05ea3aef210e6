using Shisa.DataPlane.Bus;
using Shisa.Modules.HomeAgent;
using static Shisa.Modules.Tests.HomeAgent.Packets;

namespace Shisa.Modules.Tests.HomeAgent;

/// <summary>shisa ctl flush and timers against the home agent's core (issue 18).</summary>
public class FlushTests
{
    private static CoreHarness TwoBindings()
    {
        var ha = new CoreHarness(Topology.Section(nodes: [Topology.Node(Topology.Home), Topology.Node(Topology.OtherHome)]));
        ha.Register(BindingUpdate(10, lifetimeUnits: 15));
        ha.Time.Advance(TimeSpan.FromSeconds(5));
        ha.Register(BindingUpdate(20, lifetimeUnits: 30, home: Topology.OtherHome, careOf: Topology.CareOf2));
        Assert.That(ha.Core.BindingCount, Is.EqualTo(2));
        ha.Published.Clear();
        return ha;
    }

    [Test]
    public void Flushing_one_home_address_removes_its_binding_only_and_publishes_the_removal_as_expiry_does()
    {
        var ha = TwoBindings();
        int sent = ha.Sender.Packets.Count;

        var removed = ha.Core.Flush(Topology.Home);

        Assert.That(removed.Select(e => e.HomeAddress), Is.EqualTo(new[] { Topology.Home }));
        Assert.That(ha.Published, Is.EqualTo(new MobilityMessage[] { new BindingCacheRemove(removed[0]) }));
        Assert.That(ha.Core.GetBindings(ha.Now).Select(b => b.HomeAddress), Is.EqualTo(new[] { Topology.OtherHome }));
        Assert.That(ha.Sender.Packets, Has.Count.EqualTo(sent), "nothing is sent to the mobile node");

        // Its expiry deadline is stale now: nothing more is removed when it comes.
        ha.Published.Clear();
        ha.Advance(TimeSpan.FromSeconds(56));
        Assert.That(ha.Published, Is.Empty);
        Assert.That(ha.Core.BindingCount, Is.EqualTo(1));
    }

    [Test]
    public void Flushing_a_home_address_without_binding_changes_nothing_and_flushing_all_removes_every_one()
    {
        var ha = TwoBindings();
        Assert.That(ha.Core.Flush(System.Net.IPAddress.Parse("2001:db8:1::999")), Is.Empty);
        Assert.That(ha.Published, Is.Empty);
        Assert.That(ha.Core.BindingCount, Is.EqualTo(2));

        Assert.That(ha.Core.Flush(null).Select(e => e.HomeAddress), Is.EquivalentTo(new[] { Topology.Home, Topology.OtherHome }));
        Assert.That(ha.PublishedOf<BindingCacheRemove>(), Has.Length.EqualTo(2));
        Assert.That(ha.Core.BindingCount, Is.Zero);
        Assert.That(ha.Core.GetScheduled(), Is.Empty, "no live timer is left");
    }

    [Test]
    public void The_schedule_lists_live_expiries_earliest_first_and_skips_stale_ones()
    {
        var ha = TwoBindings();
        var start = ha.Now - TimeSpan.FromSeconds(5);
        Assert.That(ha.Core.GetScheduled(), Is.EqualTo(new[]
        {
            ($"binding expiry {Topology.Home}", start + TimeSpan.FromSeconds(60)),
            ($"binding expiry {Topology.OtherHome}", ha.Now + TimeSpan.FromSeconds(120)),
        }));

        // A refresh replaces the expiry: the old entry stays queued, but is not listed.
        ha.Time.Advance(TimeSpan.FromSeconds(1));
        ha.Register(BindingUpdate(11, lifetimeUnits: 30));
        Assert.That(ha.Core.GetScheduled().Select(s => s.Purpose), Is.EqualTo(new[] { $"binding expiry {Topology.OtherHome}", $"binding expiry {Topology.Home}" }));
        Assert.That(ha.Core.GetScheduled()[1].Due, Is.EqualTo(ha.Now + TimeSpan.FromSeconds(120)));
    }
}
