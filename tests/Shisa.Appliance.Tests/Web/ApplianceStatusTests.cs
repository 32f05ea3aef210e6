using System.Net;
using Shisa.Appliance.Hosting;
using Shisa.Appliance.Profiles;
using Shisa.Appliance.Web;
using Shisa.DataPlane.Bus;
using Shisa.Modules.Hosting;
using Shisa.Modules.MobileNode;

namespace Shisa.Appliance.Tests.Web;

public class ApplianceStatusTests
{
    private const string Profile = "[node]\nname = \"x\"\nroles = [\"correspondent_node\"]\n[correspondent_node]\n";

    private sealed class Moves : IHandoverSource
    {
        private readonly Lock _gate = new();
        private readonly List<Handover> _list = [];

        public void Add(Handover h)
        {
            lock (_gate)
            {
                _list.Add(h);
            }
        }

        public IReadOnlyList<Handover> GetHandovers()
        {
            lock (_gate)
            {
                return [.. _list];
            }
        }
    }

    [Test]
    public async Task Handovers_of_a_source_reach_the_snapshot_newest_first_and_the_histogram_counts_each_once()
    {
        using var bus = new MobilityBus(TimeProvider.System);
        await using var status = new ApplianceStatus(ProfileLoader.Parse(Profile, "p.toml").Profile!, bus, TimeProvider.System);
        var moves = new Moves();
        status.AddHandovers(moves);
        var t0 = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var a = IPAddress.Parse("2001:db8:a1::10");
        var b = IPAddress.Parse("2001:db8:a2::10");
        moves.Add(new Handover(null, a, "eth1", t0, t0.AddMilliseconds(120)));
        moves.Add(new Handover(a, b, "wlan0", t0.AddMinutes(1), t0.AddMinutes(1).AddMilliseconds(2600)));

        var first = status.Capture();
        var second = status.Capture();

        Assert.That(second.Handovers, Has.Count.EqualTo(2));
        Assert.That(second.Handovers[0], Is.EqualTo(new HandoverStatus(t0.AddMinutes(1), a.ToString(), b.ToString(), "wlan0", 2600)));
        Assert.That(second.Handovers[1], Is.EqualTo(new HandoverStatus(t0, null, a.ToString(), "eth1", 120)));
        Assert.That(first.HandoverDurations!.Count, Is.EqualTo(2));
        Assert.That(second.HandoverDurations!.Count, Is.EqualTo(2), "seen twice, counted once");
        Assert.That(second.HandoverDurations.SumSeconds, Is.EqualTo(2.72).Within(1e-9));
    }

    [Test]
    public void Mobile_node_counters_get_mn_names_and_acknowledgements_by_status_number()
    {
        var counters = new MobileNodeCounters(
            BindingUpdatesSent: 5,
            Retransmissions: 1,
            SendFailures: 0,
            BindingAcknowledgementsByStatus: new EquatableArray<KeyValuePair<string, long>>(new KeyValuePair<string, long>[] { new("0 Accepted", 3), new("129 AdministrativelyProhibited", 1) }),
            AcknowledgementsIgnored: 0,
            AuthenticationFailures: 0,
            BindingRefreshRequests: 0,
            Handovers: 2,
            HaadRequestsSent: 0,
            PrefixSolicitationsSent: 0,
            PrefixAdvertisementsReceived: 0);

        var named = counters.ToNamedCounters().ToDictionary();

        Assert.That(named["mn_binding_updates_sent"], Is.EqualTo(5));
        Assert.That(named["mn_handovers"], Is.EqualTo(2));
        Assert.That(named["mn_binding_acks_received_status_0"], Is.EqualTo(3));
        Assert.That(named["mn_binding_acks_received_status_129"], Is.EqualTo(1));
    }

    private sealed class Detections(params Detection[] detections) : IDetectionSource
    {
        public IReadOnlyList<Detection> GetDetections() => detections;
    }

    [Test]
    public async Task A_handover_the_detector_saw_gets_its_breakdown_and_our_share()
    {
        using var bus = new MobilityBus(TimeProvider.System);
        await using var status = new ApplianceStatus(ProfileLoader.Parse(Profile, "p.toml").Profile!, bus, TimeProvider.System);
        var t0 = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var a = IPAddress.Parse("2001:db8:a1::10");
        var b = IPAddress.Parse("2001:db8:a2::10");
        var moves = new Moves();
        var detector = new Detections(
            new Detection("eth1", b, t0.AddSeconds(-30), "link-up", null, null, null, t0.AddSeconds(-29)), // an older visit to the same address
            new Detection("eth1", b, t0, "link-up", t0.AddMilliseconds(2), t0.AddMilliseconds(300), "RA", t0.AddMilliseconds(310)));
        status.AddHandovers(moves);
        moves.Add(new Handover(a, b, "eth1", t0.AddMilliseconds(313), t0.AddMilliseconds(350)));
        moves.Add(new Handover(b, a, "eth1", t0.AddSeconds(10), t0.AddSeconds(10.1)));
        status.AddDetections(detector);

        var handovers = status.Capture().Handovers;
        Assert.That(handovers[0].Breakdown, Is.Null, "the detector never reported that one");
        Assert.That(handovers[1].Breakdown, Is.EqualTo(new HandoverBreakdown("link-up", 2, 300, "RA", 310, 313, 350, 5)),
            "link-up 0, RS 2, RA 300, address 310, BU 313, BA 350; ours: 2 ms to the RS and 3 ms to the BU");
    }

    [Test]
    public void The_first_packet_through_after_the_acknowledgement_ends_the_latest_handovers_breakdown_once()
    {
        var t0 = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var a = IPAddress.Parse("2001:db8:a1::10");
        var b = IPAddress.Parse("2001:db8:a2::10");
        var log = new HandoverLog();
        var moves = new Moves();
        log.Add(moves);
        log.Add(new Detections(
            new Detection("eth1", b, t0, "link-up", t0.AddMilliseconds(1), t0.AddMilliseconds(3), "RA", t0.AddMilliseconds(5)),
            new Detection("eth1", a, t0.AddSeconds(10), "link-up", t0.AddSeconds(10.001), t0.AddSeconds(10.002), "NA", t0.AddSeconds(10.004))));
        DateTimeOffset? first = t0.AddMilliseconds(-500); // a packet of the previous registration
        log.AddFirstPacket(() => first);

        moves.Add(new Handover(a, b, "eth1", t0.AddMilliseconds(6), t0.AddMilliseconds(20)));
        log.Collect();
        Assert.That(log.Recent()[0].Breakdown!.FirstPacketMs, Is.Null, "nothing through since the acknowledgement yet");

        first = t0.AddMilliseconds(31);
        Assert.That(log.Recent()[0].Breakdown!.FirstPacketMs, Is.EqualTo(31));

        moves.Add(new Handover(b, a, "eth1", t0.AddSeconds(10.005), t0.AddSeconds(10.02)));
        log.Collect();
        first = t0.AddSeconds(10.025);
        var recent = log.Recent();
        Assert.That(recent[0].Breakdown!.FirstPacketMs, Is.EqualTo(25), "the new move's first packet");
        Assert.That(recent[1].Breakdown!.FirstPacketMs, Is.EqualTo(31), "the older move keeps its own");
    }

    [Test]
    public async Task A_new_follower_of_the_events_gets_the_recent_messages_first_then_each_new_one_once()
    {
        using var bus = new MobilityBus(TimeProvider.System);
        await using var status = new ApplianceStatus(ProfileLoader.Parse(Profile, "p.toml").Profile!, bus, TimeProvider.System);
        for (int i = 0; i < ApplianceStatus.ReplayedEvents + 5; i++)
        {
            bus.Publish(new MovementInfo(MovementCommand.Scan, null, "mn0", i, false), "test");
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<long>();
        await foreach (var e in status.FollowEvents(cancel.Token))
        {
            seen.Add(e.Sequence);
            if (seen.Count == ApplianceStatus.ReplayedEvents)
            {
                bus.Publish(new MovementInfo(MovementCommand.Scan, null, "mn0", 99, false), "test");
            }

            if (seen.Count == ApplianceStatus.ReplayedEvents + 1)
            {
                break;
            }
        }

        Assert.That(seen[0], Is.EqualTo(bus.LastSequence - ApplianceStatus.ReplayedEvents), "the last ones the bus remembers, oldest first");
        Assert.That(seen, Is.Ordered.Ascending.And.Unique);
        Assert.That(seen[^1], Is.EqualTo(bus.LastSequence), "then the live one");
    }
}
