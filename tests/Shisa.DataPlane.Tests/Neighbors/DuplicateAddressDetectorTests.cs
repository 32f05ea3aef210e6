using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Neighbors;

namespace Shisa.DataPlane.Tests.Neighbors;

public class DuplicateAddressDetectorTests
{
    private static readonly IPAddress Address = IPAddress.Parse("2001:db8:1::100");
    private readonly List<(string Interface, IPAddress Target)> _probes = [];
    private readonly List<Dad> _results = [];
    private FakeTimeProvider _time = null!;
    private bool _sendWorks;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _probes.Clear();
        _results.Clear();
        _sendWorks = true;
    }

    private DuplicateAddressDetector Create(int transmits = 1, int maxProbes = 64, int maxWaiting = 4096) => new(
        _time,
        (name, target) =>
        {
            _probes.Add((name, new IPAddress(target)));
            return _sendWorks;
        },
        _results.Add,
        TimeSpan.FromSeconds(1),
        transmits,
        maxProbes,
        maxWaiting);

    [Test]
    public void Silence_for_RetransTimer_is_success()
    {
        using var dad = Create();
        dad.Handle(new Dad(DadMessage.Do, Address, "br-home", 3));
        Assert.That(_probes, Is.EqualTo(new[] { ("br-home", Address) }));
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(_results, Is.Empty);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(_results, Is.EqualTo(new[] { new Dad(DadMessage.Success, Address, "br-home", 3) }));
        Assert.That(dad.Running, Is.Zero);
        Assert.That(dad.Succeeded, Is.EqualTo(1));
    }

    [Test]
    public void An_advertisement_for_the_address_is_failure()
    {
        using var dad = Create();
        dad.Start(Address, "br-home");
        dad.OnNeighborMessage("br-home", NeighborPackets.NeighborAdvertisement, Address.GetAddressBytes(), fromUnspecified: false);
        Assert.That(_results, Is.EqualTo(new[] { new Dad(DadMessage.Fail, Address, "br-home", 0) }));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(_results, Has.Count.EqualTo(1), "no success after the failure");
    }

    [Test]
    public void Another_node_probing_the_same_address_is_failure_but_address_resolution_is_not()
    {
        using var dad = Create();
        dad.Start(Address, "eth0");
        dad.OnNeighborMessage("eth0", NeighborPackets.NeighborSolicitation, Address.GetAddressBytes(), fromUnspecified: false);
        dad.OnNeighborMessage("eth1", NeighborPackets.NeighborAdvertisement, Address.GetAddressBytes(), fromUnspecified: false);
        dad.OnNeighborMessage("eth0", NeighborPackets.NeighborAdvertisement, IPAddress.Parse("2001:db8:1::101").GetAddressBytes(), fromUnspecified: false);
        Assert.That(_results, Is.Empty, "resolution, another interface, another target");
        dad.OnNeighborMessage("eth0", NeighborPackets.NeighborSolicitation, Address.GetAddressBytes(), fromUnspecified: true);
        Assert.That(_results.Single().Message, Is.EqualTo(DadMessage.Fail));
    }

    [Test]
    public void Several_transmits_are_RetransTimer_apart()
    {
        using var dad = Create(transmits: 3);
        dad.Start(Address, "eth0");
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(_probes, Has.Count.EqualTo(2));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(_probes, Has.Count.EqualTo(3));
        Assert.That(_results, Is.Empty);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(_results.Single().Message, Is.EqualTo(DadMessage.Success));
    }

    [Test]
    public void A_probe_that_cannot_be_sent_is_failure()
    {
        _sendWorks = false;
        using var dad = Create();
        dad.Start(Address, "nowhere");
        Assert.That(_results.Single().Message, Is.EqualTo(DadMessage.Fail));
        Assert.That(dad.Running, Is.Zero);
    }

    [Test]
    public void Stop_cancels_without_a_result_and_a_duplicate_request_is_ignored()
    {
        using var dad = Create();
        Assert.That(dad.Start(Address, "eth0"), Is.True);
        Assert.That(dad.Start(Address, "eth0"), Is.False);
        dad.Handle(new Dad(DadMessage.Stop, Address, "eth0", 0));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(_results, Is.Empty);
        Assert.That(_probes, Has.Count.EqualTo(1));
    }

    [Test]
    public void At_most_MaxProbes_run_at_once_and_with_no_room_to_wait_a_request_is_answered_busy_never_success()
    {
        using var dad = Create(maxProbes: 2, maxWaiting: 0);
        Assert.That(dad.Start(IPAddress.Parse("2001:db8::1"), "eth0"), Is.True);
        Assert.That(dad.Start(IPAddress.Parse("2001:db8::2"), "eth0"), Is.True);
        Assert.That(dad.Start(IPAddress.Parse("2001:db8::3"), "eth0", 7), Is.False);
        Assert.That(dad.Rejected, Is.EqualTo(1));
        Assert.That(_results, Is.EqualTo(new[] { new Dad(DadMessage.Busy, IPAddress.Parse("2001:db8::3"), "eth0", 7) }));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(_results.Count(r => r.Message == DadMessage.Success), Is.EqualTo(2));
        Assert.That(_results.Where(r => r.Address.Equals(IPAddress.Parse("2001:db8::3"))).Select(r => r.Message), Is.EqualTo(new[] { DadMessage.Busy }));
        Assert.That(dad.Start(IPAddress.Parse("2001:db8::3"), "eth0"), Is.True);
    }

    [Test]
    public void A_saturated_detector_queues_requests_and_probes_each_when_a_probe_ends()
    {
        using var dad = Create(maxProbes: 2, maxWaiting: 2);
        var addresses = Enumerable.Range(1, 5).Select(i => IPAddress.Parse($"2001:db8::{i}")).ToArray();
        Assert.That(addresses.Select(a => dad.Start(a, "eth0")), Is.EqualTo(new[] { true, true, true, true, false }));
        Assert.That((dad.Running, dad.Waiting, dad.Queued), Is.EqualTo((2, 2, 2L)));
        Assert.That(_probes.Select(p => p.Target), Is.EqualTo(addresses[..2]), "the waiting ones are not probed yet");
        Assert.That(_results.Single(), Is.EqualTo(new Dad(DadMessage.Busy, addresses[4], "eth0", 0)));

        Assert.That(dad.Cancel(addresses[3]), Is.True, "a waiting request can be withdrawn");
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(_probes.Select(p => p.Target), Is.EqualTo(addresses[..3]), "a finished probe makes room for the next waiting one");
        Assert.That(_results.Where(r => r.Message == DadMessage.Success).Select(r => r.Address), Is.EqualTo(addresses[..2]));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(_results.Where(r => r.Message == DadMessage.Success).Select(r => r.Address), Is.EqualTo(addresses[..3]),
            "probed for its full RetransTimer after it started, not when it was asked");
        Assert.That((dad.Running, dad.Waiting), Is.EqualTo((0, 0)));
    }
}
