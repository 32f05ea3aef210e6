using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.MobileNode;
using static Shisa.Modules.Tests.MobileNode.HomeRegistrationTests;

namespace Shisa.Modules.Tests.MobileNode;

/// <summary>RFC 5648 at the mobile node: one binding id per uplink, bulk registration, one binding deregistered when its uplink goes.</summary>
public class MultipleCareOfRegistrationTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static HomeRegistration Machine() =>
        new(new HomeRegistrationOptions(Home, 64, HomeAgentAddress, TimeSpan.FromSeconds(120), InitialSequence: 1000,
            UplinkBindingIds: name => name switch { "mn0" => 1, "mn1" => 2, _ => null }));

    private static IReadOnlyList<HomeRegistrationAction> At(HomeRegistration machine, double seconds, HomeRegistrationEvent e) =>
        machine.Handle(e, T0 + TimeSpan.FromSeconds(seconds));

    private static BaReceived Ack(ushort sequence, BindingAcknowledgementStatus status, params (ushort Id, byte Status)[] echoed) =>
        new(new BindingAcknowledgement(status, BindingAcknowledgementFlags.None, sequence, 30)
        {
            Options = MobilityOptionList.Create([.. echoed.Select(e => (MobilityOption)new BindingIdentifierOption(e.Id, e.Status, BindingIdentifierFlags.O))]),
        }, HomeAgentAddress, CareOf, Home);

    private static BindingUpdateListEntry[] Published<T>(IReadOnlyList<HomeRegistrationAction> actions)
        where T : Shisa.DataPlane.Bus.MobilityMessage =>
        [.. actions.OfType<PublishMessage>().Select(p => p.Message).OfType<T>().Select(m => m switch
        {
            BindingUpdateListAdd a => a.Entry,
            BindingUpdateListRemove r => r.Entry,
            _ => throw new InvalidOperationException(),
        })];

    private static HomeRegistration BothBound()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "mn0"));
        var bulk = At(machine, 0.1, new MovedTo(CareOf2, "mn1")).OfType<SendBindingUpdate>().Single().Request;
        Assert.That(bulk.BindingIdentifiers.Select(o => (o.BindingId, o.CareOfAddress, o.Flags)),
            Is.EqualTo(new[] { ((ushort)1, CareOf, BindingIdentifierFlags.O), ((ushort)2, CareOf2, BindingIdentifierFlags.O) }), "one bulk registration of both uplinks");
        Assert.That(bulk.Source, Is.EqualTo(CareOf), "sent from the preferred uplink");
        var bound = At(machine, 0.2, Ack(bulk.Sequence, BindingAcknowledgementStatus.Accepted, (1, 0), (2, 0)));
        Assert.That(Published<BindingUpdateListAdd>(bound).Select(e => (e.BindingId, e.CareOfAddress)), Is.EqualTo(new[] { ((ushort)1, CareOf), ((ushort)2, CareOf2) }));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Bound));
        return machine;
    }

    [Test]
    public void Every_uplink_is_registered_in_one_bulk_binding_update_and_each_accepted_binding_id_gets_its_entry()
    {
        var machine = BothBound();
        Assert.That(machine.PublishedEntry!.BindingId, Is.EqualTo(1), "the preferred uplink's entry");
        Assert.That(machine.PublishedUplinks, Has.Count.EqualTo(2));
    }

    [Test]
    public void An_uplink_that_goes_is_withdrawn_at_once_and_deregistered_alone_from_the_next_uplink()
    {
        var machine = BothBound();

        var actions = At(machine, 5, new CareOfAddressLost(CareOf));

        Assert.That(Published<BindingUpdateListRemove>(actions).Single().BindingId, Is.EqualTo(1));
        Assert.That(Published<BindingUpdateListAdd>(actions), Is.Empty, "the other binding is left as it is");
        var send = actions.OfType<SendBindingUpdate>().Single();
        Assert.That(send.Ahead, Is.True, "it leaves from an installed uplink: it does not wait for the withdrawal to be applied");
        var dereg = send.Request;
        Assert.That((dereg.Lifetime, dereg.Source, dereg.HomeAddressOption), Is.EqualTo((TimeSpan.Zero, CareOf2, Home)));
        Assert.That(dereg.BindingIdentifiers.Select(o => o.BindingId), Is.EqualTo(new ushort[] { 1 }));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Bound));
        Assert.That((machine.CareOfAddress, machine.PublishedEntry!.BindingId), Is.EqualTo((CareOf2, (ushort)2)));
        var answer = new BaReceived(new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, dereg.Sequence, 0), HomeAgentAddress, CareOf2, Home);
        Assert.That(At(machine, 5.1, answer), Is.EqualTo(new HomeRegistrationAction[] { new BindingDeregistered(BindingAcknowledgementStatus.Accepted) }), "its answer is taken, not ignored");
        Assert.That(At(machine, 5.2, answer).OfType<Ignored>(), Is.Not.Empty, "once");

        var back = At(machine, 8, new MovedTo(CareOf, "mn0")).OfType<SendBindingUpdate>().Single().Request;
        Assert.That(back.BindingIdentifiers.Select(o => o.BindingId), Is.EqualTo(new ushort[] { 1, 2 }), "plugged back: both registered again");
        Assert.That(back.Source, Is.EqualTo(CareOf));
    }

    [Test]
    public void A_deregistration_from_an_uplink_not_bound_yet_waits_for_the_state_published_before_it()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "mn0"));
        At(machine, 0.1, new MovedTo(CareOf2, "mn1"));

        var send = At(machine, 0.2, new CareOfAddressLost(CareOf)).OfType<SendBindingUpdate>().Single();

        Assert.That(send.Request.BindingIdentifiers.Select(o => o.BindingId), Is.EqualTo(new ushort[] { 1 }));
        Assert.That(send.Ahead, Is.False, "mn1's own state may still be queued behind the writer");
    }

    [Test]
    public void A_binding_id_the_home_agent_refused_in_a_partial_acceptance_gets_no_entry()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "mn0"));
        var bulk = At(machine, 0.1, new MovedTo(CareOf2, "mn1")).OfType<SendBindingUpdate>().Single().Request;

        var bound = At(machine, 0.2, Ack(bulk.Sequence, BindingAcknowledgementStatus.McoaNotComplete, (1, 0), (2, 130)));

        Assert.That(Published<BindingUpdateListAdd>(bound).Select(e => e.BindingId), Is.EqualTo(new ushort[] { 1 }));
    }

    [Test]
    public void After_166_the_preferred_uplink_registers_alone_without_binding_ids()
    {
        var machine = Machine();
        var first = At(machine, 0, new MovedTo(CareOf, "mn0")).OfType<SendBindingUpdate>().Single().Request;
        At(machine, 0.1, Ack(first.Sequence, BindingAcknowledgementStatus.McoaProhibited, (1, 166)));

        var retry = At(machine, 2, RegistrationTimeout.Instance).OfType<SendBindingUpdate>().Single().Request;
        Assert.That(retry.BindingIdentifiers, Is.Empty);
        var bound = At(machine, 2.1, Ack(retry.Sequence, BindingAcknowledgementStatus.Accepted));
        Assert.That(Published<BindingUpdateListAdd>(bound).Single().BindingId, Is.EqualTo(0));
    }

    [Test]
    public void An_interface_that_is_not_an_uplink_is_ignored()
    {
        var machine = Machine();
        Assert.That(At(machine, 0, new MovedTo(IPAddress.Parse("2001:db8:99::1"), "wlan7")).OfType<Ignored>().Single().Reason, Does.Contain("not an uplink"));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
    }
}
