using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Configuration;
using Shisa.Modules.MobileNode;
using Shisa.Modules.MobileRouter;
using static Shisa.Modules.Tests.MobileNode.HomeRegistrationTests;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.Tests.MobileRouter;

/// <summary>The home registration machine shaped for a mobile router (RFC 3963), driven event by event.</summary>
public class MobileRouterRegistrationTests
{
    internal static readonly Prefix MobileNetwork = Prefix.Parse("2001:db8:1:100::/56");
    internal static readonly IPAddress NemoHomeAgent = IPAddress.Parse("2001:db8:1::2");
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const WireFlags AHR = WireFlags.A | WireFlags.H | WireFlags.R;
    private const BusFlags RouterFlags = BusFlags.Acknowledge | BusFlags.HomeRegistration | BusFlags.MobileRouter;

    private DateTimeOffset _now = T0;

    private static MobileRouterSection Section(MobileRouterMode mode, params Prefix[] prefixes) =>
        new(new EquatableArray<Prefix>(prefixes), mode, new EquatableArray<string>(["eth1"]));

    private static HomeRegistration Machine(MobileRouterMode mode = MobileRouterMode.Explicit, bool discover = false) =>
        new(new HomeRegistrationOptions(Home, 64, discover ? null : HomeAgentAddress, TimeSpan.FromSeconds(120), InitialSequence: 1000,
            MobileRouter: MobileRouterModule.RegistrationFor(Section(mode, MobileNetwork))));

    private IReadOnlyList<HomeRegistrationAction> At(HomeRegistration machine, double seconds, HomeRegistrationEvent e)
    {
        _now = T0 + TimeSpan.FromSeconds(seconds);
        return machine.Handle(e, _now);
    }

    private static BaReceived Ba(ushort sequence, BindingAcknowledgementStatus status = BindingAcknowledgementStatus.Accepted, ushort lifetimeUnits = 30,
        BindingAcknowledgementFlags flags = BindingAcknowledgementFlags.R, IPAddress? from = null) =>
        new(new BindingAcknowledgement(status, flags, sequence, lifetimeUnits), from ?? HomeAgentAddress, CareOf, Home);

    [Test]
    public void Explicit_mode_sets_r_and_lists_every_configured_prefix()
    {
        var machine = Machine();
        var bu = At(machine, 0, new MovedTo(CareOf, "eth0")).OfType<SendBindingUpdate>().Single().Request;

        Assert.That(bu, Is.EqualTo(new BindingUpdateRequest(1001, AHR, TimeSpan.FromSeconds(120), CareOf, HomeAgentAddress, Home,
            MobileNetworkPrefixes: new EquatableArray<Prefix>([MobileNetwork]))));
    }

    [Test]
    public void Implicit_mode_sets_r_and_lists_no_prefix()
    {
        var machine = Machine(MobileRouterMode.Implicit);
        var bu = At(machine, 0, new MovedTo(CareOf, "eth0")).OfType<SendBindingUpdate>().Single().Request;

        Assert.That(bu.Flags, Is.EqualTo(AHR));
        Assert.That(bu.MobileNetworkPrefixes, Is.Empty);
    }

    [TestCase(MobileRouterMode.Explicit)]
    [TestCase(MobileRouterMode.Implicit)]
    public void Accepted_with_r_publishes_the_binding_with_r_and_the_configured_prefixes(MobileRouterMode mode)
    {
        var machine = Machine(mode);
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        var actions = At(machine, 0.2, Ba(1001));

        var add = (BindingUpdateListAdd)actions.OfType<PublishMessage>().Single().Message;
        Assert.That(add.Entry, Is.EqualTo(new BindingUpdateListEntry(HomeAgentAddress, Home, CareOf, RouterFlags, TimeSpan.FromSeconds(120), 1001,
            BindingUpdateListState.Bound, new EquatableArray<Prefix>([MobileNetwork]))));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Bound));
    }

    [TestCase(BindingAcknowledgementStatus.MobileRouterOperationNotPermitted)]
    [TestCase(BindingAcknowledgementStatus.InvalidPrefix)]
    [TestCase(BindingAcknowledgementStatus.NotAuthorizedForPrefix)]
    [TestCase(BindingAcknowledgementStatus.ForwardingSetupFailed)]
    public void A_nemo_refusal_publishes_nothing_and_backs_off(BindingAcknowledgementStatus status)
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        var actions = At(machine, 0.2, Ba(1001, status, 0, BindingAcknowledgementFlags.None));

        Assert.That(actions.OfType<PublishMessage>(), Is.Empty);
        Assert.That(actions.OfType<Refused>().Single(), Is.EqualTo(new Refused(status, GaveUp: false)));
        Assert.That(actions.OfType<ArmTimer>().Single().After, Is.EqualTo(TimeSpan.FromSeconds(3)), "the back-off doubles");
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.WaitAck));
    }

    [Test]
    public void Accepted_without_r_deregisters_there_then_discovers_with_r_and_registers_with_the_home_agent_found()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));

        // RFC 3963 4.2, 5.3: accepted, but without R: that home agent does not support mobile routers.
        var leave = At(machine, 0.2, Ba(1001, flags: BindingAcknowledgementFlags.None));
        Assert.That(leave.OfType<PublishMessage>(), Is.Empty, "the data plane is told nothing about that binding");
        Assert.That(leave.OfType<HomeAgentUnsuitable>().Single().HomeAgent, Is.EqualTo(HomeAgentAddress));
        Assert.That(leave.OfType<SendBindingUpdate>().Single().Request,
            Is.EqualTo(new BindingUpdateRequest(1002, AHR, TimeSpan.Zero, CareOf, HomeAgentAddress, Home)), "deregistration there");
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.LeavingHomeAgent));
        Assert.That(machine.State.Name(), Is.EqualTo("LEAVING"));

        // The deregistration's acknowledgement (without R, as that home agent answers): DHAAD with R (RFC 3963 7.1).
        var discover = At(machine, 0.4, Ba(1002, lifetimeUnits: 0, flags: BindingAcknowledgementFlags.None));
        var haad = discover.OfType<SendHaadRequest>().Single();
        Assert.That(haad, Is.EqualTo(new SendHaadRequest(1001, CareOf, IPAddress.Parse("2001:db8:1:0:fdff:ffff:ffff:fffe"), false, MobileRouterSupport: true)));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Discovering));
        Assert.That(machine.HomeAgent, Is.Null);

        // The unsuitable home agent is skipped even when a reply lists it first.
        var register = At(machine, 1, new HaadReplyReceived(new HomeAgentAddressDiscoveryReply(1001, true, [HomeAgentAddress, NemoHomeAgent]), NemoHomeAgent));
        Assert.That(register.OfType<SendBindingUpdate>().Single().Request, Is.EqualTo(new BindingUpdateRequest(1003, AHR, TimeSpan.FromSeconds(120), CareOf, NemoHomeAgent, Home,
            MobileNetworkPrefixes: new EquatableArray<Prefix>([MobileNetwork]))));

        var bound = At(machine, 1.2, Ba(1003, from: NemoHomeAgent));
        var add = (BindingUpdateListAdd)bound.OfType<PublishMessage>().Single().Message;
        Assert.That(add.Entry.Peer, Is.EqualTo(NemoHomeAgent));
        Assert.That(add.Entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([MobileNetwork])));
        Assert.That(machine.UnsuitableHomeAgents, Is.EqualTo(new[] { HomeAgentAddress }));
    }

    [Test]
    public void A_refresh_accepted_without_r_withdraws_the_published_binding_before_leaving()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        At(machine, 0.2, Ba(1001));
        At(machine, 96.2, RegistrationTimeout.Instance);

        var actions = At(machine, 96.4, Ba(1002, flags: BindingAcknowledgementFlags.None));

        Assert.That(actions.OfType<PublishMessage>().Single().Message, Is.InstanceOf<BindingUpdateListRemove>());
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.LeavingHomeAgent));
    }

    [Test]
    public void An_unanswered_deregistration_still_ends_in_discovery()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        At(machine, 0.2, Ba(1001, flags: BindingAcknowledgementFlags.None));

        IReadOnlyList<HomeRegistrationAction> actions = [];
        for (int i = 1; i <= MobileIpv6Constants.MaxDeregistrationRetries + 1; i++)
        {
            actions = At(machine, 100 * i, RegistrationTimeout.Instance);
        }

        Assert.That(actions.OfType<SendHaadRequest>().Single().MobileRouterSupport, Is.True);
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Discovering));
    }

    [Test]
    public void A_mobile_router_discovering_from_the_start_asks_with_r()
    {
        var machine = Machine(discover: true);
        var actions = At(machine, 0, new MovedTo(CareOf, "eth0"));

        Assert.That(actions.OfType<SendHaadRequest>().Single().MobileRouterSupport, Is.True);
    }

    [Test]
    public void A_mobile_host_ignores_the_r_flag_and_asks_dhaad_without_it()
    {
        var host = new HomeRegistration(new HomeRegistrationOptions(Home, 64, null, TimeSpan.FromSeconds(120), 1000));
        Assert.That(At(host, 0, new MovedTo(CareOf, "eth0")).OfType<SendHaadRequest>().Single().MobileRouterSupport, Is.False);

        var bound = new HomeRegistration(new HomeRegistrationOptions(Home, 64, HomeAgentAddress, TimeSpan.FromSeconds(120), 1000));
        At(bound, 0, new MovedTo(CareOf, "eth0"));
        var add = (BindingUpdateListAdd)At(bound, 0.2, Ba(1001, flags: BindingAcknowledgementFlags.None)).OfType<PublishMessage>().Single().Message;
        Assert.That(add.Entry.Flags, Is.EqualTo(BusFlags.Acknowledge | BusFlags.HomeRegistration));
        Assert.That(add.Entry.MobileNetworkPrefixes, Is.Empty);
    }

    [Test]
    public void Stopping_while_bound_deregisters_with_r()
    {
        var machine = Machine();
        At(machine, 0, new MovedTo(CareOf, "eth0"));
        At(machine, 0.2, Ba(1001));

        var actions = At(machine, 10, StopRequested.Instance);
        Assert.That(actions.OfType<SendBindingUpdate>().Single().Request, Is.EqualTo(new BindingUpdateRequest(1002, AHR, TimeSpan.Zero, CareOf, HomeAgentAddress, Home)));

        var done = At(machine, 10.2, Ba(1002, lifetimeUnits: 0));
        var remove = (BindingUpdateListRemove)done.OfType<PublishMessage>().Single().Message;
        Assert.That(remove.Entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([MobileNetwork])));
        Assert.That(machine.State, Is.EqualTo(HomeRegistrationState.Idle));
    }
}
