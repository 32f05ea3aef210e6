using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Correspondent;
using static Shisa.Modules.Tests.Correspondent.Vectors;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;

namespace Shisa.Modules.Tests.Correspondent;

/// <summary>
/// DESIGN 5: the correspondent's bindings outlive the process; at the next start the journal's entries come back with
/// their remaining lifetimes and sequence numbers and are announced again.
/// </summary>
public class CorrespondentRestartTests
{
    // The vector BU's binding: sequence 0x1234.
    private static BindingCacheEntry Entry(int lifetimeSeconds = 100, ushort sequence = 0x1234, BusFlags flags = BusFlags.Acknowledge) =>
        new(Home, CareOf, Cn, flags, TimeSpan.FromSeconds(lifetimeSeconds), sequence, EquatableArray<Prefix>.Empty);

    [Test]
    public void A_restored_binding_comes_back_with_its_remaining_lifetime_is_announced_again_and_expires_on_time()
    {
        var f = new NodeFixture(new CorrespondentOptions { RefreshRequestFraction = 0 });
        var restoredAt = f.Now;
        f.Now += TimeSpan.FromSeconds(10);

        f.Node.Restore([Entry(lifetimeSeconds: 100)], restoredAt, f.Now);

        Assert.Multiple(() =>
        {
            Assert.That(f.Published, Is.EqualTo(new[] { new BindingCacheAdd(Entry(lifetimeSeconds: 90)) }));
            Assert.That(f.Node.GetSnapshot(f.Now).Bindings.Single().LifetimeRemaining, Is.EqualTo(TimeSpan.FromSeconds(90)));
            Assert.That(f.Node.NextDeadline, Is.LessThanOrEqualTo(f.Now + TimeSpan.FromSeconds(90)));
        });

        f.Published.Clear();
        f.Advance(TimeSpan.FromSeconds(89));
        Assert.That(f.Published, Is.Empty);
        f.Advance(TimeSpan.FromSeconds(1));
        Assert.That(f.Published, Is.EqualTo(new[] { new BindingCacheRemove(Entry(lifetimeSeconds: 90)) }));
    }

    [Test]
    public void The_next_binding_update_meets_the_restored_sequence_number()
    {
        var f = new NodeFixture();
        f.Node.Restore([Entry(sequence: 0x1234)], f.Now, f.Now);
        f.Published.Clear();

        Assert.That(f.Receive(BuHex), Is.EqualTo(CorrespondentOutcome.BindingRefused));
        var ba = (BindingAcknowledgement)Read(f.Sender.Single()).Message;
        Assert.Multiple(() =>
        {
            Assert.That(ba.Status, Is.EqualTo(BindingAcknowledgementStatus.SequenceNumberOutOfWindow));
            Assert.That(ba.Sequence, Is.EqualTo(0x1234));
        });

        Assert.That(f.Receive(DeregHex), Is.EqualTo(CorrespondentOutcome.BindingDeleted), "0x1235 is newer: the deregistration deletes the restored binding");
        Assert.That(f.Published.OfType<BindingCacheRemove>().Single().Entry.HomeAddress, Is.EqualTo(Home));
    }

    [Test]
    public void A_restored_entry_for_a_binding_already_held_changes_nothing()
    {
        var f = new NodeFixture();
        f.Receive(BuHex);
        f.Published.Clear();

        f.Node.Restore([Entry(sequence: 0x1000)], f.Now, f.Now);

        Assert.Multiple(() =>
        {
            Assert.That(f.Published, Is.Empty);
            Assert.That(f.Node.GetSnapshot(f.Now).Bindings.Single().Sequence, Is.EqualTo(0x1234));
        });
    }

    [Test]
    public void Home_registrations_are_left_alone_and_entries_that_ran_out_or_are_refused_are_removed()
    {
        var homeRegistration = Entry(flags: BusFlags.HomeRegistration) with { Peer = HomeAgentAddress };
        var f = new NodeFixture();
        f.Node.Restore([homeRegistration, Entry(lifetimeSeconds: 5)], f.Now - TimeSpan.FromSeconds(5), f.Now);
        Assert.That(f.Published, Is.EqualTo(new[] { new BindingCacheRemove(Entry(lifetimeSeconds: 5)) }));

        var refusing = new NodeFixture(new CorrespondentOptions(RouteOptimization: false));
        refusing.Node.Restore([Entry()], refusing.Now, refusing.Now);
        Assert.Multiple(() =>
        {
            Assert.That(refusing.Published, Is.EqualTo(new[] { new BindingCacheRemove(Entry()) }));
            Assert.That(refusing.Node.BindingCount, Is.Zero);
        });
    }
}
