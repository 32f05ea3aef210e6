using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;

namespace Shisa.DataPlane.Tests.Signalling;

/// <summary>Flood resilience where signalling arrives: lanes, rates, bounded memory (issue 16, item 1).</summary>
public class SignallingAdmissionTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress Listed = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::10");

    /// <summary>A Mobility Header packet from <paramref name="source"/>, with a Home Address option when <paramref name="home"/> is set.</summary>
    internal static byte[] Packet(IPAddress source, IPAddress? home = null)
    {
        var buffer = new byte[200];
        Span<byte> src = stackalloc byte[16];
        Span<byte> dst = stackalloc byte[16];
        Span<byte> hoa = stackalloc byte[16];
        source.TryWriteBytes(src, out _);
        HomeAgent.TryWriteBytes(dst, out _);
        home?.TryWriteBytes(hoa, out _);
        var addressing = new Ipv6Addressing(src, dst, 64) { HomeAddress = home is null ? default : hoa };
        Assert.That(Ipv6PacketBuilder.TryWriteHeaders(buffer, addressing, 135, 8, out int headers), Is.True);

        // An 8-octet Mobility Header (a BU's fixed part would follow; admission never looks past the IPv6 headers).
        buffer[headers] = 59;
        buffer[headers + 2] = 5;
        return buffer[..(headers + 8)];
    }

    private static IPAddress Random(Random rng, string prefix = "2001:db8:a1::")
    {
        var bytes = IPAddress.Parse(prefix).GetAddressBytes();
        rng.NextBytes(bytes.AsSpan(8));
        return new IPAddress(bytes);
    }

    [Test]
    public void A_listed_home_address_takes_the_priority_lane_from_its_home_address_option_or_its_source()
    {
        var admission = new SignallingAdmission(new FakeTimeProvider());
        admission.SetPriorityAddresses([Listed]);

        Assert.That(admission.Admit(Packet(CareOf, home: Listed)), Is.EqualTo(SignallingLane.Priority), "away: the HAO");
        Assert.That(admission.Admit(Packet(Listed)), Is.EqualTo(SignallingLane.Priority), "at home: the source");
        Assert.That(admission.Admit(Packet(CareOf, home: IPAddress.Parse("2001:db8:1::999"))), Is.EqualTo(SignallingLane.Bulk));
        Assert.That(admission.PriorityAdmitted, Is.EqualTo(2));
    }

    [Test]
    public void A_reload_replaces_the_priority_addresses()
    {
        var admission = new SignallingAdmission(new FakeTimeProvider());
        admission.SetPriorityAddresses([Listed]);
        admission.SetPriorityAddresses([IPAddress.Parse("2001:db8:1::200")]);

        Assert.That(admission.Admit(Packet(CareOf, home: Listed)), Is.EqualTo(SignallingLane.Bulk));
        Assert.That(admission.Admit(Packet(CareOf, home: IPAddress.Parse("2001:db8:1::200"))), Is.EqualTo(SignallingLane.Priority));
    }

    [Test]
    public void Unlisted_signalling_from_one_source_prefix_is_held_to_its_rate_and_burst()
    {
        var time = new FakeTimeProvider();
        var admission = new SignallingAdmission(time, new SignallingAdmissionLimits { PerPrefixRate = 10, PerPrefixBurst = 5, TotalRate = 1e6, TotalBurst = 1000 });
        var rng = new Random(1);
        var unlisted = IPAddress.Parse("2001:db8:1::999");

        var lanes = Enumerable.Range(0, 50).Select(_ => admission.Admit(Packet(Random(rng), home: unlisted))).ToList();
        Assert.That(lanes.Count(l => l == SignallingLane.Bulk), Is.EqualTo(5), "the burst, whatever the addresses within the /64");
        Assert.That(admission.PrefixRateLimited, Is.EqualTo(45));
        Assert.That(admission.Admit(Packet(Random(rng, "2001:db8:a2::"), home: unlisted)), Is.EqualTo(SignallingLane.Bulk), "another /64 has its own bucket");

        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.That(admission.Admit(Packet(Random(rng), home: unlisted)), Is.EqualTo(SignallingLane.Bulk), "one token per 100 ms at 10/s");
        Assert.That(admission.Admit(Packet(Random(rng), home: unlisted)), Is.EqualTo(SignallingLane.RateLimited));
    }

    [Test]
    public void Unlisted_signalling_from_random_prefixes_is_held_to_the_total_rate_while_listed_nodes_pass()
    {
        var time = new FakeTimeProvider();
        var admission = new SignallingAdmission(time, new SignallingAdmissionLimits { PerPrefixRate = 1000, PerPrefixBurst = 100, TotalRate = 100, TotalBurst = 10 });
        admission.SetPriorityAddresses([Listed]);
        var rng = new Random(2);
        var bytes = new byte[16];
        int bulk = 0;
        for (int i = 0; i < 10_000; i++)
        {
            rng.NextBytes(bytes);
            bytes[0] = 0x20;
            if (admission.Admit(Packet(new IPAddress(bytes), home: IPAddress.Parse("2001:db8:1::999"))) == SignallingLane.Bulk)
            {
                bulk++;
            }
        }

        Assert.That(bulk, Is.EqualTo(10));
        Assert.That(admission.TotalRateLimited, Is.EqualTo(9_990));
        Assert.That(admission.Admit(Packet(CareOf, home: Listed)), Is.EqualTo(SignallingLane.Priority), "the limits never apply to the priority lane");
    }

    [Test]
    public void A_flood_forging_one_listed_home_address_takes_its_share_of_the_priority_lane_and_not_the_others()
    {
        var time = new FakeTimeProvider();
        var other = IPAddress.Parse("2001:db8:1::200");
        var admission = new SignallingAdmission(time, new SignallingAdmissionLimits { PerHomeAddressRate = 10, PerHomeAddressBurst = 5 });
        admission.SetPriorityAddresses([Listed, other]);
        var rng = new Random(4);

        var forged = Enumerable.Range(0, 1000).Select(_ => admission.Admit(Packet(Random(rng, "2001:db8:a2::"), home: Listed))).ToList();

        Assert.That(forged.Count(l => l == SignallingLane.Priority), Is.EqualTo(5), "the burst of the forged address");
        Assert.That(admission.HomeAddressRateLimited, Is.EqualTo(995));
        Assert.That(admission.Admit(Packet(CareOf, home: other)), Is.EqualTo(SignallingLane.Priority), "another listed node is untouched");
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.That(admission.Admit(Packet(CareOf, home: Listed)), Is.EqualTo(SignallingLane.Priority), "one token per 100 ms at 10/s");
    }

    [Test]
    public void Garbage_is_bulk_or_rate_limited_never_a_crash()
    {
        var admission = new SignallingAdmission(new FakeTimeProvider(), new SignallingAdmissionLimits { PerPrefixBurst = 3, TotalBurst = 3 });
        var rng = new Random(3);
        for (int length = 0; length < 120; length++)
        {
            var bytes = new byte[length];
            rng.NextBytes(bytes);
            Assert.That(admission.Admit(bytes), Is.Not.EqualTo(SignallingLane.Priority));
        }
    }

    [Test]
    public void The_hub_copies_only_admitted_packets_and_reads_the_priority_lane_first_even_when_the_bulk_lane_is_full()
    {
        var time = new FakeTimeProvider();
        var hub = new SignallingHub();
        using var subscription = hub.Subscribe("ha", SignallingKinds.MobilityHeader, capacity: 8);
        var admission = new SignallingAdmission(time, new SignallingAdmissionLimits { PerPrefixRate = 1, PerPrefixBurst = 20, TotalRate = 1, TotalBurst = 20 });
        admission.SetPriorityAddresses([Listed]);
        subscription.Admission = admission;
        var unlisted = IPAddress.Parse("2001:db8:1::999");

        var results = Enumerable.Range(0, 100).Select(_ => hub.Deliver(Packet(CareOf, home: unlisted), SignallingKinds.MobilityHeader, "eth0", 2, time.GetUtcNow())).ToList();
        var legitimate = hub.Deliver(Packet(CareOf, home: Listed), SignallingKinds.MobilityHeader, "eth0", 2, time.GetUtcNow());

        Assert.That(results.Count(r => r.Taken == 1), Is.EqualTo(20), "the burst is queued");
        Assert.That(results.Count(r => r is { Wanted: 1, Taken: 0 }), Is.EqualTo(80), "the rest is refused before a copy");
        Assert.That(legitimate, Is.EqualTo(new SignallingDelivery(1, 1)));
        Assert.That(subscription.Dropped, Is.EqualTo(12), "the bulk lane keeps its 8 newest");
        Assert.That(hub.Unclaimed, Is.Zero, "refused by rate is not unclaimed");

        Assert.That(subscription.Reader.TryRead(out var first), Is.True);
        Assert.That(Ipv6Packet.TryParse(first!.Packet.Span, out var ip) && ip.HasHomeAddress && new IPAddress(ip.HomeAddress).Equals(Listed), Is.True,
            "the listed node's packet, though it arrived last");
        Assert.That(subscription.Reader.Count, Is.EqualTo(8));
    }

    [Test]
    public async Task A_waiting_reader_wakes_for_either_lane_and_ends_when_the_subscription_is_disposed()
    {
        var hub = new SignallingHub();
        var subscription = hub.Subscribe("ha", SignallingKinds.MobilityHeader);
        var admission = new SignallingAdmission(new FakeTimeProvider());
        admission.SetPriorityAddresses([Listed]);
        subscription.Admission = admission;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var wait = subscription.Reader.WaitToReadAsync(timeout.Token).AsTask();
        Assert.That(wait.IsCompleted, Is.False);
        hub.Deliver(Packet(CareOf, home: Listed), SignallingKinds.MobilityHeader, "eth0", 2, DateTimeOffset.UnixEpoch);
        Assert.That(await wait, Is.True, "woken by the priority lane");
        Assert.That(subscription.Reader.TryRead(out _), Is.True);

        wait = subscription.Reader.WaitToReadAsync(timeout.Token).AsTask();
        hub.Deliver(Packet(CareOf), SignallingKinds.MobilityHeader, "eth0", 2, DateTimeOffset.UnixEpoch);
        Assert.That(await wait, Is.True, "woken by the bulk lane");
        Assert.That(subscription.Reader.TryRead(out _), Is.True);

        wait = subscription.Reader.WaitToReadAsync(timeout.Token).AsTask();
        subscription.Dispose();
        Assert.That(await wait, Is.False);
    }
}
