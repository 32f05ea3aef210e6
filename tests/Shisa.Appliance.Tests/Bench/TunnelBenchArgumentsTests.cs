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
        Assert.That((defaults.Seconds, defaults.Runs, defaults.Sizes), Is.EqualTo((3.0, 3, (IReadOnlyList<int>)[100, 1400])));
        Assert.That(defaults.RateOf(100), Is.EqualTo(30_000));

        Assert.That(BenchArguments.TryParse(["--seconds", "1.5", "--runs", "5", "--sizes", "64,1000", "--rate", "64=1000,1000=max"], out var given, out string error), Is.True, error);
        Assert.That((given.Seconds, given.Runs, given.Sizes), Is.EqualTo((1.5, 5, (IReadOnlyList<int>)[64, 1000])));
        Assert.That((given.RateOf(64), given.RateOf(1000)), Is.EqualTo((1000, 0)));
        Assert.That(BenchArguments.TryParse(["--rate", "max"], out var max, out _) && max.RateOf(100) == 0, Is.True);
    }

    [TestCase("--runs", "0")]
    [TestCase("--sizes", "1500")]
    [TestCase("--rate", "100:5")]
    [TestCase("--seconds")]
    [TestCase("--fast", "1")]
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

        // Summing the pseudo-header and the datagram, checksum included, gives 0xFFFF.
        uint sum = 8 + 101 + 17;
        for (int i = 8; i < packet.Length; i += 2)
        {
            sum += i + 1 < packet.Length ? BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i)) : (uint)packet[i] << 8;
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        Assert.That(sum, Is.EqualTo(0xFFFF));
    }

    [Test]
    public void The_report_gives_medians_losses_and_the_ratio_per_size()
    {
        Measurement[] runs =
        [
            new(BenchPath.Tunnel, 100, 2, 60_000, 60_000, 40_000),
            new(BenchPath.Tunnel, 100, 2, 60_000, 60_000, 50_000),
            new(BenchPath.Tunnel, 100, 2, 60_000, 60_000, 46_000),
            new(BenchPath.Kernel, 100, 2, 60_000, 60_000, 60_000),
            new(BenchPath.Kernel, 100, 2, 60_000, 60_000, 58_000),
            new(BenchPath.Kernel, 100, 2, 60_000, 60_000, 59_000),
        ];

        string[] lines = BenchReport.Format(runs).Split('\n');

        Assert.That(lines[0], Is.EqualTo("payload  offered pps  tunnel pps  loss     kernel pps  loss     tunnel/kernel"));
        Assert.That(lines[1], Is.EqualTo("  100 B        30000       23000   23.3 %       29500    1.7 %           0.78"));
        Assert.That(BenchReport.FormatRun(runs[0]), Is.EqualTo("   100 B  tunnel  offered     30000 pps  received     20000 pps  loss  33.3 %"));
    }
}
