using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Correspondent;
using Shisa.Modules.MobileNode.ReturnRoutability;
using State = Shisa.Modules.MobileNode.ReturnRoutability.CorrespondentRegistrationState;
using WireBindingErrorStatus = Shisa.DataPlane.Wire.Mobility.BindingErrorStatus;

namespace Shisa.Modules.Tests.MobileNode.ReturnRoutability;

/// <summary>
/// The mobile node's route optimization against the real correspondent node (Shisa.Modules/Correspondent), in
/// memory, with timers on a FakeTimeProvider: RrHint, HoTI/HoT, CoTI/CoT, BU/BA, movement, return home, refreshes,
/// and the ways a correspondent is given up for good.
/// </summary>
public sealed class RouteOptimizationExchangeTests
{
    private static BindingUpdateListEntry Entry(RoNetwork net, IPAddress careOf) =>
        new(Ro.Cn, Ro.Home, careOf, Shisa.DataPlane.Bus.BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(420), net.Machine!.Sequence, BindingUpdateListState.Bound);

    private static List<MobilityHeaderType> Types(IEnumerable<Shisa.Modules.Common.ReceivedMobilityMessage> messages) => [.. messages.Select(m => m.Message.Type)];

    [Test]
    public void RrHint_runs_return_routability_and_the_binding_with_the_correspondent()
    {
        var net = new RoNetwork();
        net.Registered();
        net.Hint();

        Assert.Multiple(() =>
        {
            Assert.That(Types(net.FromMn), Is.EqualTo(new[] { MobilityHeaderType.HomeTestInit, MobilityHeaderType.CareOfTestInit, MobilityHeaderType.BindingUpdate }));
            Assert.That((net.FromMn[0].Source, net.FromMn[0].Destination, net.FromMn[0].HomeAddress), Is.EqualTo((Ro.Home, Ro.Cn, (IPAddress?)null)), "HoTI from the home address");
            Assert.That((net.FromMn[1].Source, net.FromMn[1].HomeAddress), Is.EqualTo((Ro.CareOf, (IPAddress?)null)), "CoTI from the care-of address");
            Assert.That((net.FromMn[2].Source, net.FromMn[2].HomeAddress), Is.EqualTo((Ro.CareOf, Ro.Home)), "BU from the care-of address with a HAO");
            Assert.That(Types(net.CnSender.Sent), Is.EqualTo(new[] { MobilityHeaderType.HomeTest, MobilityHeaderType.CareOfTest, MobilityHeaderType.BindingAcknowledgement }));
            Assert.That(net.Machine!.State, Is.EqualTo(State.Bound));
            Assert.That(net.MnPublished, Is.EqualTo(new[] { new BindingUpdateListAdd(Entry(net, Ro.CareOf)) }));
            Assert.That(net.CnPublished.OfType<BindingCacheAdd>().Single().Entry.CareOfAddress, Is.EqualTo(Ro.CareOf));
            Assert.That(net.Cn.BindingCount, Is.EqualTo(1));
        });

        var status = net.Manager.GetStatus(net.Now);
        Assert.Multiple(() =>
        {
            Assert.That(status.Peers.Single().State, Is.EqualTo("BOUND"));
            Assert.That(status.Peers.Single().LifetimeRemaining, Is.EqualTo(TimeSpan.FromSeconds(420)));
            Assert.That(status.Peers.Single().HomeTokenAge, Is.EqualTo(TimeSpan.Zero));
            Assert.That(status.Counters.Bound, Is.EqualTo(1));
            Assert.That(status.Counters.ToNamedCounters(), Does.Contain(new KeyValuePair<string, long>("ro_bu_sent", 1)));
        });

        // A second hint while bound changes nothing.
        net.Hint();
        Assert.That(net.FromMn, Has.Count.EqualTo(3));
    }

    [Test]
    public void Moving_sends_a_new_CoTI_and_BU_reusing_the_home_token()
    {
        var net = new RoNetwork();
        net.Bind();
        net.FromMn.Clear();
        net.MnPublished.Clear();
        net.Advance(TimeSpan.FromSeconds(30));

        net.HomeChange(new CareOfAddressChanged(Ro.CareOf2));
        Assert.That(net.FromMn, Is.Empty, "RFC 6275 11.7.2: not before the home registration of the new care-of address");
        Assert.That(net.MnPublished.Single(), Is.InstanceOf<BindingUpdateListRemove>(), "the old care-of address is not used any more");
        net.Registered(Ro.CareOf2);
        Assert.Multiple(() =>
        {
            Assert.That(Types(net.FromMn), Is.EqualTo(new[] { MobilityHeaderType.CareOfTestInit, MobilityHeaderType.BindingUpdate }));
            Assert.That(net.FromMn.All(m => m.Source.Equals(Ro.CareOf2)), Is.True);
            Assert.That(net.MnPublished, Is.EqualTo(new Shisa.DataPlane.Bus.MobilityMessage[]
            {
                new BindingUpdateListRemove(Entry(net, Ro.CareOf) with { Sequence = (ushort)(net.Machine!.Sequence - 1) }),
                new BindingUpdateListAdd(Entry(net, Ro.CareOf2)),
            }));
            Assert.That(net.CnPublished.OfType<BindingCacheAdd>().Last().Entry.CareOfAddress, Is.EqualTo(Ro.CareOf2));
        });

        // A second acknowledgement of the same home registration changes nothing more.
        net.Registered(Ro.CareOf2);
        Assert.That(net.FromMn, Has.Count.EqualTo(2));
    }

    [Test]
    public void Moving_after_the_home_token_aged_waits_for_the_home_registration()
    {
        var net = new RoNetwork(Ro.Options() with { Lifetime = TimeSpan.FromSeconds(300) });
        net.Bind();
        net.Advance(TimeSpan.FromSeconds(220));
        net.FromMn.Clear();

        net.HomeChange(new CareOfAddressChanged(Ro.CareOf2));
        Assert.That(net.FromMn, Is.Empty, "the HoTI waits for the new tunnel");
        net.Registered(Ro.CareOf2);
        Assert.Multiple(() =>
        {
            Assert.That(Types(net.FromMn), Is.EqualTo(new[] { MobilityHeaderType.HomeTestInit, MobilityHeaderType.CareOfTestInit, MobilityHeaderType.BindingUpdate }));
            Assert.That(net.Machine!.State, Is.EqualTo(State.Bound));
            Assert.That(net.Machine.CareOfAddress, Is.EqualTo(Ro.CareOf2));
        });
    }

    [Test]
    public void Returning_home_deletes_the_binding_at_the_correspondent_then_removes_the_entry()
    {
        var net = new RoNetwork();
        net.Bind();
        net.FromMn.Clear();
        net.Advance(TimeSpan.FromSeconds(10));
        net.HomeChange(ReturnedHomeLink.Instance);

        var dereg = net.FromMn.Single();
        var bu = (BindingUpdate)dereg.Message;
        Assert.Multiple(() =>
        {
            Assert.That((dereg.Source, dereg.HomeAddress, bu.LifetimeUnits), Is.EqualTo((Ro.Home, (IPAddress?)null, (ushort)0)));
            Assert.That(net.MnPublished.Last(), Is.InstanceOf<BindingUpdateListRemove>());
            Assert.That(net.CnPublished.Last(), Is.InstanceOf<BindingCacheRemove>(), "the correspondent verified Kbm = SHA1(home token)");
            Assert.That(net.Cn.BindingCount, Is.Zero);
            Assert.That(net.Machine!.State, Is.EqualTo(State.Start));
            Assert.That(net.Manager.GetCounters().Deregistered, Is.EqualTo(1));
        });

        // At home an RrHint starts nothing.
        net.Hint();
        Assert.That(net.FromMn, Has.Count.EqualTo(1));
        Assert.That(net.Manager.GetCounters().RrHintsNotRegistered, Is.EqualTo(1));
    }

    [Test]
    public void The_binding_is_refreshed_before_it_expires_with_fresh_tokens()
    {
        var net = new RoNetwork();
        net.Bind();
        net.FromMn.Clear();
        net.Advance(TimeSpan.FromSeconds(335));
        Assert.That(net.FromMn, Is.Empty);
        net.Advance(TimeSpan.FromSeconds(1));
        Assert.Multiple(() =>
        {
            Assert.That(Types(net.FromMn), Is.EqualTo(new[] { MobilityHeaderType.HomeTestInit, MobilityHeaderType.CareOfTestInit, MobilityHeaderType.BindingUpdate }));
            Assert.That(net.Machine!.State, Is.EqualTo(State.Bound));
            Assert.That(net.MnPublished.OfType<BindingUpdateListRemove>(), Is.Empty, "never back to the tunnel");
            Assert.That(net.MnPublished.OfType<BindingUpdateListAdd>().Count(), Is.EqualTo(2));
            Assert.That(net.Manager.GetStatus(net.Now).Peers.Single().LifetimeRemaining, Is.EqualTo(TimeSpan.FromSeconds(420)));
        });
    }

    [Test]
    public void A_binding_refresh_request_from_the_correspondent_refreshes_the_binding()
    {
        var net = new RoNetwork(cnOptions: new CorrespondentOptions { RefreshRequestFraction = 0.6 });
        net.Bind();
        net.FromMn.Clear();
        net.Advance(TimeSpan.FromSeconds(170));
        Assert.Multiple(() =>
        {
            Assert.That(net.Manager.GetCounters().RefreshRequestsReceived, Is.EqualTo(1), "the BRR at 40 % of 420 s");
            Assert.That(Types(net.FromMn), Is.EqualTo(new[] { MobilityHeaderType.BindingUpdate }), "tokens 168 s old are reused");
            Assert.That(net.Machine!.State, Is.EqualTo(State.Bound));
        });
    }

    [Test]
    public void Binding_Error_status_2_gives_the_correspondent_up_for_good()
    {
        var net = new RoNetwork();
        net.Bind();
        net.FromMn.Clear();
        var be = Ro.Packet(new BindingError(WireBindingErrorStatus.UnrecognizedMobilityHeaderType, IPAddress.IPv6Any), new Ipv6Envelope(Ro.Cn, Ro.Home));
        net.Driver.Receive(Ro.Read(be), net.Now);

        Assert.Multiple(() =>
        {
            Assert.That(net.Manager.IsGivenUp(Ro.Cn), Is.True);
            Assert.That(net.MnPublished.Last(), Is.InstanceOf<BindingUpdateListRemove>());
            Assert.That(net.Machine, Is.Null);
        });

        net.Hint();
        net.Advance(TimeSpan.FromSeconds(60));
        Assert.Multiple(() =>
        {
            Assert.That(net.FromMn, Is.Empty);
            Assert.That(net.Manager.GetCounters().RrHintsGivenUp, Is.EqualTo(1));
            Assert.That(net.Manager.GetStatus(net.Now).GivenUp.Single().Reason, Does.Contain("status 2"));
        });
    }

    [Test]
    public void A_correspondent_without_Mobile_IPv6_answers_with_a_parameter_problem_and_is_never_tried_again()
    {
        // A plain Linux correspondent: the MH it does not know draws ICMPv6 Parameter Problem code 1 at the Next Header.
        var net = new RoNetwork { Connected = false };
        net.Registered();
        net.Hint();
        var hoti = net.MnSender.All[0];
        net.Driver.OnParameterProblem(Ro.ParameterProblem(hoti, ParameterProblemCode.UnrecognizedNextHeader, 6, Ro.Cn), net.Now);

        Assert.Multiple(() =>
        {
            Assert.That(net.Manager.IsGivenUp(Ro.Cn), Is.True);
            Assert.That(net.Manager.GetCounters().ParameterProblemsReceived, Is.EqualTo(1));
            Assert.That(net.MnPublished, Is.Empty);
        });

        net.FromMn.Clear();
        net.Advance(TimeSpan.FromSeconds(60));
        net.Hint();
        net.Advance(TimeSpan.FromSeconds(60));
        Assert.That(net.FromMn, Is.Empty, "no retransmission, no new attempt");
    }

    [Test]
    public void A_parameter_problem_about_the_home_address_option_gives_up_a_bound_correspondent()
    {
        var net = new RoNetwork();
        net.Bind();
        var bu = net.MnSender.All.Last();
        int haoOffset = 46;
        Assert.That(bu[haoOffset], Is.EqualTo(HomeAddressOption.OptionType));
        net.Driver.OnParameterProblem(Ro.ParameterProblem(bu, ParameterProblemCode.UnrecognizedOption, (uint)haoOffset, Ro.Cn), net.Now);
        Assert.Multiple(() =>
        {
            Assert.That(net.Manager.IsGivenUp(Ro.Cn), Is.True);
            Assert.That(net.MnPublished.Last(), Is.InstanceOf<BindingUpdateListRemove>());
        });
    }

    [Test]
    public void A_correspondent_that_never_answers_is_given_up_after_MAX_RO_FAILURE_timeouts()
    {
        var net = new RoNetwork { Connected = false };
        net.Registered();
        net.Hint();
        net.Advance(TimeSpan.FromSeconds(6));
        Assert.That(net.Manager.IsGivenUp(Ro.Cn), Is.False);
        net.Advance(TimeSpan.FromSeconds(1));
        Assert.Multiple(() =>
        {
            Assert.That(net.Manager.IsGivenUp(Ro.Cn), Is.True, "timeouts at 1, 3 and 7 s");
            Assert.That(Types(net.FromMn).Count(t => t == MobilityHeaderType.HomeTestInit), Is.EqualTo(3));
            Assert.That(net.Manager.GetCounters().Retransmissions, Is.EqualTo(4));
            Assert.That(net.Manager.NextDeadline, Is.Null);
        });

        net.Connected = true;
        net.FromMn.Clear();
        net.Hint();
        net.Advance(TimeSpan.FromSeconds(60));
        Assert.That(net.FromMn, Is.Empty);
    }

    [Test]
    public void An_opted_out_correspondent_is_never_started()
    {
        var net = new RoNetwork(Ro.Options(Ro.Cn)) { Connected = false };
        net.Registered();
        net.Hint();
        net.Hint(Ro.Cn2);
        Assert.Multiple(() =>
        {
            Assert.That(net.FromMn.Where(m => m.Destination.Equals(Ro.Cn)), Is.Empty);
            Assert.That(net.Manager.Find(Ro.Cn), Is.Null);
            Assert.That(net.Manager.GetCounters().RrHintsOptedOut, Is.EqualTo(1));
            Assert.That(net.Manager.GetStatus(net.Now).OptOut.Single(), Is.EqualTo(Ro.Cn));
            Assert.That(net.Manager.Find(Ro.Cn2)?.State, Is.EqualTo(State.WaitHomeAndCareOfTest), "another correspondent is");
        });
    }

    [Test]
    public void Binding_Error_status_1_goes_back_to_the_tunnel_and_the_next_hint_binds_again()
    {
        var net = new RoNetwork();
        net.Bind();
        var be = Ro.Packet(new BindingError(WireBindingErrorStatus.UnknownBindingForHomeAddressOption, Ro.Home), new Ipv6Envelope(Ro.Cn, Ro.CareOf));
        net.Driver.Receive(Ro.Read(be), net.Now);
        Assert.Multiple(() =>
        {
            Assert.That(net.Machine!.State, Is.EqualTo(State.Start));
            Assert.That(net.Machine.Failures, Is.EqualTo(1));
            Assert.That(net.MnPublished.Last(), Is.InstanceOf<BindingUpdateListRemove>());
        });
        net.Hint();
        Assert.That(net.Machine!.State, Is.EqualTo(State.Bound));
    }

    [Test]
    public void Hints_wait_for_the_home_registration_and_the_table_is_bounded()
    {
        var net = new RoNetwork(Ro.Options() with { MaxPeers = 2 });
        net.Hint();
        Assert.That(net.Manager.GetCounters().RrHintsNotRegistered, Is.EqualTo(1));

        net.Connected = false;
        net.Registered();
        net.Hint(Ro.Cn);
        net.Hint(Ro.Cn2);
        net.Hint(Ro.Cn3);
        Assert.Multiple(() =>
        {
            Assert.That(net.Manager.GetCounters().RrHintsNoRoom, Is.EqualTo(1));
            Assert.That(net.Manager.Find(Ro.Cn3), Is.Null);
        });
    }

    [Test]
    public void Stop_deletes_the_binding_from_the_care_of_address_and_removes_the_entry()
    {
        var net = new RoNetwork();
        net.Bind();
        net.FromMn.Clear();
        net.Driver.Stop(net.Now);
        net.Pump();
        Assert.Multiple(() =>
        {
            var dereg = net.FromMn.Single();
            Assert.That((dereg.Source, dereg.HomeAddress, ((BindingUpdate)dereg.Message).LifetimeUnits), Is.EqualTo((Ro.CareOf, (IPAddress?)Ro.Home, (ushort)0)));
            Assert.That(net.Cn.BindingCount, Is.Zero);
            Assert.That(net.MnPublished.Last(), Is.InstanceOf<BindingUpdateListRemove>());
            Assert.That(net.Manager.NextDeadline, Is.Null);
        });
    }
}
