using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.Modules.Configuration;
using Shisa.Modules.MovementDetection;

namespace Shisa.Modules.Tests.MovementDetection;

public class RouterDetectionTests
{
    private static readonly IPAddress Ar1 = IPAddress.Parse("fe80::a1");
    private static readonly IPAddress Ar2 = IPAddress.Parse("fe80::a2");
    private static readonly Prefix P1 = new(IPAddress.Parse("2001:db8:a1::"), 64);
    private static readonly Prefix P2 = new(IPAddress.Parse("2001:db8:a2::"), 64);

    private static RouterDetection With(params MovementDetectionMethod[] methods) => new(new MovementDetectorSection(new EquatableArray<MovementDetectionMethod>(methods)));

    private static RouterAdvertisement Ra(Prefix prefix, double intervalSeconds = 3, double retransSeconds = 0) => new(
        TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(retransSeconds), intervalSeconds > 0 ? TimeSpan.FromSeconds(intervalSeconds) : null,
        [new PrefixInformation((byte)prefix.Length, true, true, false, 120, 30, prefix.Network!)]);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Test]
    public void Ra_solicits_at_once_on_link_up_and_backs_off_until_an_advertisement()
    {
        var detection = With(MovementDetectionMethod.Ra);
        Assert.That(detection.OnLinkUp(S(0)), Is.EqualTo(new DetectionAction[] { new SendRouterSolicitation() }));
        Assert.That(detection.NextDeadline, Is.EqualTo(S(4)), "RFC 7559: IRT 4 s");
        Assert.That(detection.OnTimer(S(4)), Is.EqualTo(new DetectionAction[] { new SendRouterSolicitation() }));
        Assert.That(detection.NextDeadline, Is.EqualTo(S(12)), "doubled");
        detection.OnTimer(S(12));
        Assert.That(detection.NextDeadline, Is.EqualTo(S(28)));
        for (double t = 28; t < 20000; t = detection.NextDeadline!.Value.TotalSeconds)
        {
            detection.OnTimer(S(t));
        }

        var before = detection.NextDeadline!.Value;
        detection.OnTimer(before);
        Assert.That(detection.NextDeadline - before, Is.EqualTo(RouterDetection.MaxSolicitationInterval), "bounded by MRT");
        var actions = detection.OnRouterAdvertisement(Ar1, Ra(P1, intervalSeconds: 0), before + S(1));
        Assert.That(actions.OfType<LinkConfirmed>().Single().Prefixes, Is.EqualTo(new[] { P1 }));
        Assert.That(detection.NextDeadline, Is.Null, "an RA ends the solicitations; no interval advertised: nothing to time");
    }

    [Test]
    public void Ra_declares_the_router_lost_when_its_advertised_interval_passes_without_an_advertisement()
    {
        var detection = With(MovementDetectionMethod.Ra);
        detection.OnLinkUp(S(0));
        detection.OnRouterAdvertisement(Ar1, Ra(P1, intervalSeconds: 3), S(0.2));
        detection.OnRouterAdvertisement(Ar1, Ra(P1, intervalSeconds: 3), S(2));
        Assert.That(detection.NextDeadline, Is.EqualTo(S(5)));
        Assert.That(detection.OnTimer(S(4.9)), Is.Empty);
        var actions = detection.OnTimer(S(5));
        Assert.That(actions, Is.EqualTo(new DetectionAction[] { new RouterLost(Ar1, [P1], "ra"), new SendRouterSolicitation() }).Using<DetectionAction>(Same));
        Assert.That(detection.CurrentRouter, Is.Null);
        Assert.That(detection.OnRouterAdvertisement(Ar2, Ra(P2), S(5.3)).OfType<LinkConfirmed>().Single().Router, Is.EqualTo(Ar2));
    }

    [Test]
    public void Without_ra_a_silent_router_is_never_lost_by_its_interval()
    {
        var detection = With(MovementDetectionMethod.Link, MovementDetectionMethod.Dna);
        Assert.That(detection.OnLinkUp(S(0)), Is.EqualTo(new DetectionAction[] { new SendRouterSolicitation() }), "DNA's RS; nobody to probe yet");
        detection.OnRouterAdvertisement(Ar1, Ra(P1), S(1));
        Assert.That(detection.NextDeadline, Is.Null);
        Assert.That(detection.OnTimer(S(100)), Is.Empty);
    }

    [Test]
    public void Nud_probes_a_silent_router_and_calls_it_lost_after_the_probes_fail()
    {
        var detection = With(MovementDetectionMethod.Ra, MovementDetectionMethod.Nud);
        detection.OnLinkUp(S(0));
        detection.OnRouterAdvertisement(Ar1, Ra(P1, intervalSeconds: 3, retransSeconds: 0.5), S(0.1));
        Assert.That(detection.OnTimer(S(3.1)), Is.EqualTo(new DetectionAction[] { new SendNeighborSolicitation(Ar1) }).Using<DetectionAction>(Same), "first probe, not yet a loss");
        Assert.That(detection.NextDeadline, Is.EqualTo(S(3.6)), "the router's Retrans Timer");
        Assert.That(detection.OnTimer(S(3.6)), Is.EqualTo(new DetectionAction[] { new SendNeighborSolicitation(Ar1) }).Using<DetectionAction>(Same));
        Assert.That(detection.OnTimer(S(4.1)), Is.EqualTo(new DetectionAction[] { new SendNeighborSolicitation(Ar1) }).Using<DetectionAction>(Same));
        Assert.That(detection.OnTimer(S(4.6)).OfType<RouterLost>().Single(), Is.EqualTo(new RouterLost(Ar1, [P1], "nud")).Using<DetectionAction>(Same));
    }

    [Test]
    public void Nud_keeps_the_router_that_answers_a_probe_after_a_link_flap()
    {
        var detection = With(MovementDetectionMethod.Nud);
        detection.OnRouterAdvertisement(Ar1, Ra(P1), S(0));
        detection.OnLinkDown();
        Assert.That(detection.OnLinkUp(S(5)), Is.EqualTo(new DetectionAction[] { new SendNeighborSolicitation(Ar1) }).Using<DetectionAction>(Same));
        Assert.That(detection.OnNeighborAdvertisement(Ar1, solicited: false, S(5.1)), Is.Empty, "an unsolicited NA is no reachability confirmation");
        Assert.That(detection.OnNeighborAdvertisement(Ar1, solicited: true, S(5.2)).Single(), Is.EqualTo(new LinkConfirmed(Ar1, [P1], "nud")).Using<DetectionAction>(Same));
        Assert.That(detection.NextDeadline, Is.Null);
        Assert.That(detection.CurrentRouter, Is.EqualTo(Ar1));
    }

    [Test]
    public void Nud_alone_calls_the_router_lost_when_it_does_not_answer_after_a_link_flap()
    {
        var detection = With(MovementDetectionMethod.Nud);
        detection.OnRouterAdvertisement(Ar1, Ra(P1), S(0));
        detection.OnLinkDown();
        detection.OnLinkUp(S(5));
        detection.OnTimer(S(6));
        detection.OnTimer(S(7));
        Assert.That(detection.OnTimer(S(8)), Is.EqualTo(new DetectionAction[] { new RouterLost(Ar1, [P1], "nud"), new SendRouterSolicitation() }).Using<DetectionAction>(Same),
            "lost, and the new link's router asked at once");
    }

    [Test]
    public void Nud_alone_solicits_on_link_up_while_it_knows_no_router_and_only_probes_once_it_does()
    {
        var detection = With(MovementDetectionMethod.Nud);
        Assert.That(detection.OnLinkUp(S(0)), Is.EqualTo(new DetectionAction[] { new SendRouterSolicitation() }), "nothing to probe: ask");
        detection.OnRouterAdvertisement(Ar1, Ra(P1), S(0.3));
        Assert.That(detection.NextDeadline, Is.Null, "the RA ended the solicitations");
        detection.OnLinkDown();
        Assert.That(detection.OnLinkUp(S(5)), Is.EqualTo(new DetectionAction[] { new SendNeighborSolicitation(Ar1) }).Using<DetectionAction>(Same));
    }

    [Test]
    public void Dna_confirms_a_remembered_router_from_its_answer_without_waiting_for_an_advertisement()
    {
        var detection = With(MovementDetectionMethod.Ra, MovementDetectionMethod.Dna);
        detection.OnLinkUp(S(0));
        detection.OnRouterAdvertisement(Ar1, Ra(P1), S(0.1));
        detection.OnLinkDown();
        detection.OnLinkUp(S(10));
        detection.OnRouterAdvertisement(Ar2, Ra(P2), S(10.2)); // moved to ar2: DNA's probe to ar1 went unanswered
        detection.OnLinkDown();

        var up = detection.OnLinkUp(S(20));
        Assert.That(up, Is.EquivalentTo(new DetectionAction[] { new SendRouterSolicitation(), new SendNeighborSolicitation(Ar2), new SendNeighborSolicitation(Ar1) }).Using<DetectionAction>(Same),
            "RS and unicast NS to every remembered router together");
        var answer = detection.OnNeighborAdvertisement(Ar1, solicited: true, S(20.01));
        Assert.That(answer.OfType<RouterLost>().Single(), Is.EqualTo(new RouterLost(Ar2, [P2], "dna")).Using<DetectionAction>(Same));
        Assert.That(answer.OfType<LinkConfirmed>().Single(), Is.EqualTo(new LinkConfirmed(Ar1, [P1], "dna")).Using<DetectionAction>(Same), "back on ar1's link with its known prefix");
        Assert.That(detection.CurrentRouter, Is.EqualTo(Ar1));
    }

    [Test]
    public void Dna_gives_back_the_address_held_on_a_remembered_link_with_what_is_left_of_its_lifetimes()
    {
        var held = IPAddress.Parse("2001:db8:a1::1234");
        var detection = With(MovementDetectionMethod.Dna);
        detection.OnLinkUp(S(0));
        detection.OnRouterAdvertisement(Ar1, Ra(P1), S(0.1)); // valid 120 s, preferred 30 s
        detection.Held(held);
        detection.Held(IPAddress.Parse("2001:db8:ff::1")); // not under ar1's prefix: not ar1's to remember
        detection.OnLinkDown();
        detection.OnLinkUp(S(10));
        detection.OnRouterAdvertisement(Ar2, Ra(P2), S(10.2));
        detection.OnLinkDown();

        detection.OnLinkUp(S(20.1));
        var confirmed = detection.OnNeighborAdvertisement(Ar1, solicited: true, S(20.1)).OfType<LinkConfirmed>().Single();
        Assert.That(confirmed.By, Is.EqualTo("dna"));
        Assert.That(confirmed.Remembered, Is.EqualTo(new[] { new RememberedAddress(held, 64, S(100), S(10)) }), "lifetimes counted from ar1's last RA");

        detection.OnLinkDown();
        detection.OnLinkUp(S(200));
        Assert.That(detection.OnNeighborAdvertisement(Ar1, solicited: true, S(200)).OfType<LinkConfirmed>().Single().Remembered, Is.Empty,
            "past the prefix's valid lifetime the address is not given back");
    }

    [Test]
    public void Dna_mismatch_an_advertisement_with_other_prefixes_moves_at_once()
    {
        var detection = With(MovementDetectionMethod.Ra, MovementDetectionMethod.Dna);
        detection.OnLinkUp(S(0));
        detection.OnRouterAdvertisement(Ar1, Ra(P1), S(0.1));
        detection.OnLinkDown();
        detection.OnLinkUp(S(10));
        Assert.That(detection.OnNeighborAdvertisement(Ar2, solicited: true, S(10.05)), Is.Empty, "an answer from a router never seen says nothing");
        var actions = detection.OnRouterAdvertisement(Ar2, Ra(P2), S(10.3));
        Assert.That(actions.OfType<RouterLost>().Single(), Is.EqualTo(new RouterLost(Ar1, [P1], "dna")).Using<DetectionAction>(Same));
        Assert.That(actions.OfType<LinkConfirmed>().Single().Router, Is.EqualTo(Ar2));
        Assert.That(detection.OnNeighborAdvertisement(Ar1, solicited: true, S(10.4)), Is.Empty, "a late answer after the decision changes nothing");
    }

    [Test]
    public void Dna_remembers_a_bounded_number_of_routers_keeping_the_current_one()
    {
        var detection = With(MovementDetectionMethod.Dna);
        detection.OnRouterAdvertisement(Ar1, Ra(P1), S(0));
        for (int i = 0; i < 20; i++)
        {
            detection.OnRouterAdvertisement(IPAddress.Parse($"fe80::b{i:x}"), Ra(new Prefix(IPAddress.Parse($"2001:db8:b{i:x}::"), 64)), S(1 + i));
        }

        Assert.That(detection.RememberedRouters, Has.Count.EqualTo(RouterDetection.MaxRememberedRouters));
        Assert.That(detection.RememberedRouters, Does.Contain(Ar1), "the current router stays");
    }

    // Records holding lists compare the lists by reference: compare what they say.
    private static bool Same(DetectionAction a, DetectionAction b) => (a, b) switch
    {
        (RouterLost x, RouterLost y) => x.Router.Equals(y.Router) && x.By == y.By && x.Prefixes.SequenceEqual(y.Prefixes),
        (LinkConfirmed x, LinkConfirmed y) => x.Router.Equals(y.Router) && x.By == y.By && x.Prefixes.SequenceEqual(y.Prefixes),
        _ => a.Equals(b),
    };
}
