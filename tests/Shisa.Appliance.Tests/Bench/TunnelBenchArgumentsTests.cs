using System.Buffers.Binary;
using System.Net;
using Shisa.Bench.TunnelThroughput;

namespace Shisa.Appliance.Tests.Bench;

/// <summary>The tunnel benchmark's arguments, packet and report (its figures belong to bench/run.sh, not to tests).</summary>
public class TunnelBenchArgumentsTests
{
    [Test]
    public void Defaults_and_explicit_values_parse()
    {
        Assert.That(BenchArguments.TryParse([], out var defaults, out _), Is.True);
        Assert.That((defaults.Seconds, defaults.Runs, defaults.Sizes, defaults.Senders), Is.EqualTo((2.0, 3, (IReadOnlyList<int>)[100, 1400], 4)));
        Assert.That(defaults.Paths, Is.EqualTo((BenchPath[])[BenchPath.Encapsulation, BenchPath.Decapsulation]));
        Assert.That(defaults.RateOf(100), Is.Zero, "unpaced by default: the benchmark offers more than the kernel forwards");

        Assert.That(BenchArguments.TryParse(["--seconds", "1.5", "--runs", "5", "--sizes", "64,1000", "--rate", "64=1000,1000=max", "--senders", "2", "--paths", "decap"], out var given, out string error), Is.True, error);
        Assert.That((given.Seconds, given.Runs, given.Sizes, given.Senders), Is.EqualTo((1.5, 5, (IReadOnlyList<int>)[64, 1000], 2)));
        Assert.That(given.Paths, Is.EqualTo((BenchPath[])[BenchPath.Decapsulation]));
        Assert.That((given.RateOf(64), given.RateOf(1000)), Is.EqualTo((1000, 0)));
        Assert.That(BenchArguments.TryParse(["--rate", "max"], out var max, out _) && max.RateOf(100) == 0, Is.True);
    }

    [TestCase("--runs", "0")]
    [TestCase("--sizes", "1500")]
    [TestCase("--rate", "100:5")]
    [TestCase("--seconds")]
    [TestCase("--fast", "1")]
    [TestCase("--senders", "0")]
    [TestCase("--paths", "tun")]
    public void Bad_arguments_are_refused_with_a_reason(params string[] args)
    {
        Assert.That(BenchArguments.TryParse(args, out _, out string error), Is.False);
        Assert.That(error, Does.Contain(args[0]));
    }

    [Test]
    public void The_UDP_packet_has_a_valid_checksum()
    {
        byte[] packet = UdpPacket.Build(IPAddress.Parse("2001:db8:c::2"), IPAddress.Parse("2001:db8:1::100"), 101);
        Assert.That(packet, Has.Length.EqualTo(40 + 8 + 101));
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)), Is.EqualTo(8 + 101));

        Assert.That(ChecksumSum(packet), Is.EqualTo(0xFFFF));
    }

    /// <summary>The pseudo-header and the datagram of an IPv6 + UDP packet summed, checksum included: 0xFFFF when it is right.</summary>
    private static uint ChecksumSum(ReadOnlySpan<byte> packet)
    {
        uint sum = (uint)(packet.Length - 40) + 17;
        for (int i = 8; i < packet.Length; i += 2)
        {
            sum += i + 1 < packet.Length ? BinaryPrimitives.ReadUInt16BigEndian(packet[i..]) : (uint)packet[i] << 8;
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return sum;
    }

    [Test]
    public void A_probe_carries_its_timestamp_and_a_reverse_tunnelled_packet_its_outer_header()
    {
        var careOf = IPAddress.Parse("2001:db8:a1::5");
        var flow = BenchFlow.For("cn", "mn", careOf, IPAddress.Parse("2001:db8:1::1"), IPAddress.Parse("2001:db8:1::100"), IPAddress.Parse("2001:db8:c::2"))
            .Single(f => f.Path == BenchPath.Decapsulation && f.Forwarder == Forwarder.Appliance);
        var packet = new byte[flow.PacketLength(16)];
        flow.Write(packet, 123_456_789);

        Assert.That(packet, Has.Length.EqualTo(40 + 40 + 8 + 16));
        Assert.That((packet[6], BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4))), Is.EqualTo(((byte)41, (ushort)(40 + 8 + 16))));
        Assert.That(new IPAddress(packet.AsSpan(8, 16)), Is.EqualTo(careOf));
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(80)), Is.EqualTo(BenchFlow.ProbeSourcePort));
        Assert.That(UdpPacket.ProbeTimestamp(packet.AsSpan(80)), Is.EqualTo(123_456_789));
        Assert.That(UdpPacket.ProbeTimestamp(UdpPacket.Build(careOf, careOf, 100).AsSpan(40)), Is.Null, "a load packet is no probe");
        Assert.That(ChecksumSum(packet.AsSpan(40)), Is.EqualTo(0xFFFF));
    }

    [Test]
    public void Percentiles_interpolate_between_ranks()
    {
        double[] values = [5, 1, 4, 2, 3];
        Assert.That((BenchReport.Percentile(values, 0.5), BenchReport.Percentile(values, 0.99), BenchReport.Percentile([], 0.5)), Is.EqualTo((3.0, 4.96, double.NaN)).Within(1e-9));
    }

    [Test]
    public void The_report_gives_medians_the_ratio_cpu_per_packet_and_added_latency_per_path_and_size()
    {
        Measurement[] runs =
        [
            new(BenchPath.Encapsulation, Forwarder.Appliance, 100, 2, 600_000, 600_000, 40_000, 0.4, 1.0),
            new(BenchPath.Encapsulation, Forwarder.Appliance, 100, 2, 600_000, 600_000, 50_000, 0.5, 1.0),
            new(BenchPath.Encapsulation, Forwarder.Appliance, 100, 2, 600_000, 600_000, 46_000, 0.46, 0.92),
            new(BenchPath.Encapsulation, Forwarder.Kernel, 100, 2, 600_000, 600_000, 100_000, 0, 1.0),
            new(BenchPath.Encapsulation, Forwarder.Kernel, 100, 2, 600_000, 600_000, 120_000, 0, 1.2),
            new(BenchPath.Encapsulation, Forwarder.Kernel, 100, 2, 600_000, 600_000, 110_000, 0, 1.1),
        ];
        LatencyMeasurement[] latencies =
        [
            new(BenchPath.Encapsulation, Forwarder.Appliance, 100, 11_500, 3, [100, 200, 300]),
            new(BenchPath.Encapsulation, Forwarder.Kernel, 100, 11_500, 3, [50, 60, 70]),
        ];

        string[] lines = BenchReport.Format(runs, latencies).Split('\n');

        Assert.That(lines[0], Is.EqualTo("path   payload  appliance pps  kernel pps  ratio  cpu/pkt appliance  machine cpu/pkt appl/kern  added latency p50/p99"));
        Assert.That(lines[1], Is.EqualTo("encap    100 B          23000       55000   0.42           10.00 us         20.00 / 10.00 us  140 / 228 us"));
        Assert.That(lines[2], Is.Empty);
        Assert.That(BenchReport.FormatRun(runs[0]), Is.EqualTo("  encap   100 B  appliance  offered    300000 pps  received     20000 pps  loss  93.3 %  cpu/pkt appliance 10.00 us, machine 25.00 us; appliance busy  20 % of a CPU"));
        Assert.That(BenchReport.FormatRun(latencies[0]), Is.EqualTo("  encap   100 B  appliance  latency at     11500 pps: 3/3 probes, p50     200 us, p99     298 us"));
    }
}
