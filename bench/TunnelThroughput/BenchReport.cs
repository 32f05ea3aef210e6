using System.Globalization;
using System.Text;

namespace Shisa.Bench.TunnelThroughput;

/// <summary>
/// One throughput measurement: what the senders offered and what the receiving interface's counter saw, in packets
/// per second, and the CPU time the home agent's appliance process and the whole machine used meanwhile.
/// </summary>
public sealed record Measurement(
    BenchPath Path, Forwarder Forwarder, int PayloadBytes, double Seconds, long Offered, long Sent, long Received,
    double ApplianceCpuSeconds = 0, double MachineCpuSeconds = 0)
{
    public double OfferedPps => Offered / Seconds;

    public double ReceivedPps => Received / Seconds;

    /// <summary>The share of offered packets that never arrived (0 to 1).</summary>
    public double Loss => Offered == 0 ? 0 : Math.Max(0, 1 - ((double)Received / Offered));

    /// <summary>The appliance's CPU time per packet received, in microseconds.</summary>
    public double ApplianceMicrosPerPacket => Received == 0 ? double.NaN : ApplianceCpuSeconds * 1e6 / Received;

    /// <summary>The share of one CPU the appliance used (0 to the number of CPUs): far below 1 under a flood, it was starved of CPU, not slow.</summary>
    public double ApplianceCpuShare => ApplianceCpuSeconds / Seconds;

    /// <summary>The whole machine's busy CPU time per packet received (senders, every kernel, the appliance), in microseconds.</summary>
    public double MachineMicrosPerPacket => Received == 0 ? double.NaN : MachineCpuSeconds * 1e6 / Received;
}

/// <summary>Probe delays (send to arrival at the receiving interface) under a load of <see cref="OfferedPps"/>.</summary>
public sealed record LatencyMeasurement(BenchPath Path, Forwarder Forwarder, int PayloadBytes, double OfferedPps, long Probes, IReadOnlyList<double> DelaysMicros)
{
    public double P50 => BenchReport.Percentile(DelaysMicros, 0.50);

    public double P99 => BenchReport.Percentile(DelaysMicros, 0.99);
}

/// <summary>Medians over runs, the appliance/kernel ratio, CPU per packet and added latency, as text.</summary>
public static class BenchReport
{
    public static double Median(IEnumerable<double> values) => Percentile(values.ToList(), 0.5);

    /// <summary>The <paramref name="fraction"/> quantile with linear interpolation between closest ranks; NaN when empty.</summary>
    public static double Percentile(IReadOnlyList<double> values, double fraction)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        double rank = fraction * (sorted.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }

    public static string FormatRun(Measurement m) => string.Create(
        CultureInfo.InvariantCulture,
        $"  {Name(m.Path),-6} {m.PayloadBytes,4} B  {Name(m.Forwarder),-9}  offered {m.OfferedPps,9:0} pps  received {m.ReceivedPps,9:0} pps  loss {m.Loss * 100,5:0.0} %  cpu/pkt appliance {m.ApplianceMicrosPerPacket,5:0.00} us, machine {m.MachineMicrosPerPacket,5:0.00} us; appliance busy {m.ApplianceCpuShare * 100,3:0} % of a CPU");

    public static string FormatRun(LatencyMeasurement l) => string.Create(
        CultureInfo.InvariantCulture,
        $"  {Name(l.Path),-6} {l.PayloadBytes,4} B  {Name(l.Forwarder),-9}  latency at {l.OfferedPps,9:0} pps: {l.DelaysMicros.Count}/{l.Probes} probes, p50 {l.P50,7:0} us, p99 {l.P99,7:0} us");

    /// <summary>
    /// The summary table: per path and size, the median received pps of the appliance and of the kernel, their ratio,
    /// the CPU per packet (the appliance's own, and the whole machine's for each forwarder) and the latency the
    /// appliance adds over the kernel (p50 and p99 of the probes) at half the appliance's rate.
    /// </summary>
    public static string Format(IReadOnlyList<Measurement> measurements, IReadOnlyList<LatencyMeasurement> latencies)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        ArgumentNullException.ThrowIfNull(latencies);
        var text = new StringBuilder();
        text.Append("path   payload  appliance pps  kernel pps  ratio  cpu/pkt appliance  machine cpu/pkt appl/kern  added latency p50/p99\n");
        foreach (var (path, size) in measurements.Select(m => (m.Path, m.PayloadBytes)).Distinct())
        {
            var appliance = measurements.Where(m => m.Path == path && m.PayloadBytes == size && m.Forwarder == Forwarder.Appliance).ToList();
            var kernel = measurements.Where(m => m.Path == path && m.PayloadBytes == size && m.Forwarder == Forwarder.Kernel).ToList();
            double appliancePps = Median(appliance.Select(m => m.ReceivedPps));
            double kernelPps = Median(kernel.Select(m => m.ReceivedPps));
            double ratio = kernelPps > 0 ? appliancePps / kernelPps : double.NaN;
            var applianceLatency = latencies.FirstOrDefault(l => l.Path == path && l.PayloadBytes == size && l.Forwarder == Forwarder.Appliance);
            var kernelLatency = latencies.FirstOrDefault(l => l.Path == path && l.PayloadBytes == size && l.Forwarder == Forwarder.Kernel);
            string added = applianceLatency is null || kernelLatency is null
                ? "-"
                : string.Create(CultureInfo.InvariantCulture, $"{applianceLatency.P50 - kernelLatency.P50:0} / {applianceLatency.P99 - kernelLatency.P99:0} us");
            text.Append(CultureInfo.InvariantCulture,
                $"{Name(path),-6} {size,5} B  {appliancePps,13:0}  {kernelPps,10:0}  {ratio,5:0.00}  {Median(appliance.Select(m => m.ApplianceMicrosPerPacket)),14:0.00} us  {Median(appliance.Select(m => m.MachineMicrosPerPacket)),12:0.00} / {Median(kernel.Select(m => m.MachineMicrosPerPacket)),5:0.00} us  {added}\n");
        }

        return text.ToString();
    }

    private static string Name(BenchPath path) => path == BenchPath.Encapsulation ? "encap" : "decap";

    private static string Name(Forwarder forwarder) => forwarder == Forwarder.Appliance ? "appliance" : "kernel";
}
