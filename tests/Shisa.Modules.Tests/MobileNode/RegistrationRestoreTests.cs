using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.MobileNode;
using static Shisa.Modules.Tests.MobileNode.HomeRegistrationTests;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.Tests.MobileNode;

/// <summary>
/// DESIGN 5: a home registration that outlived a crash (a clean stop deregisters) comes back from the journal as
/// the binding update list entry, published again at once so the tunnel stays up, and is refreshed at once with the
/// next sequence number.
/// </summary>
public class RegistrationRestoreTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static HomeRegistration Machine(IPAddress? homeAgent = null) =>
        new(new HomeRegistrationOptions(Home, 64, homeAgent ?? HomeAgentAddress, TimeSpan.FromSeconds(120), InitialSequence: 7));

    private static BindingUpdateListEntry Entry(int lifetimeSeconds = 100, ushort sequence = 4000) =>
        new(HomeAgentAddress, Home, CareOf, BusFlags.Acknowledge | BusFlags.HomeRegistration, TimeSpan.FromSeconds(lifetimeSeconds), sequence,
            BindingUpdateListState.Bound);

    private static BaReceived Ba(ushort sequence, BindingAcknowledgementStatus status = BindingAcknowledgementStatus.Accepted) =>
        new(new BindingAcknowledgement(status, BindingAcknowledgementFlags.None, sequence, 30), HomeAgentAddress, CareOf, Home);

    [Test]
    public void A_restored_binding_is_published_again_and_refreshed_at_once_with_the_next_sequence_number()
    {
        var machine = Machine();
        var actions = machine.Handle(new RegistrationRestored(Entry(lifetimeSeconds: 100, sequence: 4000), T0), T0 + TimeSpan.FromSeconds(4));

        Assert.Multiple(() =>
        {
            Assert.That(actions.OfType<PublishMessage>().Single().Message, Is.EqualTo(new BindingUpdateListAdd(Entry(lifetimeSeconds: 96))), "the tunnel stays up");
            Assert.That(actions.OfType<SendBindingUpdate>().Single().Request,
                Is.EqualTo(new BindingUpdateRequest(4001, WireFlags.A | WireFlags.H, TimeSpan.FromSeconds(120), CareOf, HomeAgentAddress, Home)));
            Assert.That(actions.OfType<ArmTimer>().Single().After, Is.EqualTo(MobileIpv6Constants.InitialBindAckTimeout));
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAckRefresh));
            Assert.That(machine.BindingExpires, Is.EqualTo(T0 + TimeSpan.FromSeconds(100)));
            Assert.That(actions.OfType<PublishMessage>().Select(p => p.Message), Has.None.InstanceOf<BindingUpdateListRemove>(), "no tear-down");
        });

        var bound = machine.Handle(Ba(4001), T0 + TimeSpan.FromSeconds(5));
        Assert.Multiple(() =>
        {
            Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Bound));
            Assert.That(bound.OfType<Registered>().Single().Refresh, Is.True);
            Assert.That(((BindingUpdateListAdd)bound.OfType<PublishMessage>().Single().Message).Entry.Sequence, Is.EqualTo(4001));
        });
    }

    [Test]
    public void The_same_care_of_address_reported_after_the_restore_sends_nothing_more()
    {
        var machine = Machine();
        machine.Handle(new RegistrationRestored(Entry(), T0), T0);

        var actions = machine.Handle(new MovedTo(CareOf, "eth0"), T0 + TimeSpan.FromSeconds(0.1));

        Assert.That(actions.OfType<SendBindingUpdate>(), Is.Empty);
    }

    [Test]
    public void A_home_agent_whose_sequence_moved_on_answers_135_and_the_refresh_goes_on_from_its_number()
    {
        var machine = Machine();
        machine.Handle(new RegistrationRestored(Entry(sequence: 4000), T0), T0);

        var actions = machine.Handle(Ba(4010, BindingAcknowledgementStatus.SequenceNumberOutOfWindow), T0 + TimeSpan.FromSeconds(0.2));

        Assert.That(actions.OfType<SendBindingUpdate>().Single().Request.Sequence, Is.EqualTo(4011));
    }

    [Test]
    public void A_binding_that_ran_out_or_is_with_another_home_agent_is_withdrawn_not_restored()
    {
        var ranOut = Machine();
        var actions = ranOut.Handle(new RegistrationRestored(Entry(lifetimeSeconds: 10), T0), T0 + TimeSpan.FromSeconds(10));
        Assert.Multiple(() =>
        {
            Assert.That(actions.OfType<PublishMessage>().Single().Message, Is.EqualTo(new BindingUpdateListRemove(Entry(lifetimeSeconds: 10))));
            Assert.That(actions.OfType<SendBindingUpdate>(), Is.Empty);
            Assert.That(ranOut.State, Is.EqualTo(HomeRegistrationState.Idle));
        });

        var moved = Machine(homeAgent: IPAddress.Parse("2001:db8:1::2"));
        actions = moved.Handle(new RegistrationRestored(Entry(), T0), T0);
        Assert.Multiple(() =>
        {
            Assert.That(actions.OfType<PublishMessage>().Single().Message, Is.InstanceOf<BindingUpdateListRemove>());
            Assert.That(moved.PublishedEntry, Is.Null);
        });
    }
}
