using System.Globalization;
using System.Text;

namespace Shisa.Bench.TunnelThroughput;

/// <summary>Which way the packets went.</summary>
public enum BenchPath
{
    /// <summary>cn -> core -> ha, where the home agent's appliance tunnels them (IPv6-in-IPv6) -> core -> ar1 -> mn0.</summary>
    Tunnel,

    /// <summary>The same hops, plain IPv6 to the care-of address, forwarded by the kernel in ha.</summary>
    Kernel,
}

/// <summary>One measurement: what the sender offered and what arrived on mn0, in packets per second.</summary>
public sealed record Measurement(BenchPath Path, int PayloadBytes, double Seconds, long Offered, long Sent, long Received)
{
    public double OfferedPps => Offered / Seconds;

    public double ReceivedPps => Received / Seconds;

    /// <summary>The share of offered packets that never arrived (0 to 1).</summary>
    public double Loss => Offered == 0 ? 0 : Math.Max(0, 1 - ((double)Received / Offered));
}

/// <summary>Medians over runs and the tunnel/kernel ratio, as text.</summary>
public static class BenchReport
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static string FormatRun(Measurement m) => string.Create(
        CultureInfo.InvariantCulture,
        $"  {m.PayloadBytes,4} B  {Name(m.Path),-6}  offered {m.OfferedPps,9:0} pps  received {m.ReceivedPps,9:0} pps  loss {m.Loss * 100,5:0.0} %");

    /// <summary>The summary table: per size, the median received pps of each path, the loss at the offered load and the ratio.</summary>
    public static string Format(IReadOnlyList<Measurement> measurements)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        var text = new StringBuilder();
        text.Append("payload  offered pps  tunnel pps  loss     kernel pps  loss     tunnel/kernel\n");
        foreach (int size in measurements.Select(m => m.PayloadBytes).Distinct())
        {
            var tunnel = measurements.Where(m => m.PayloadBytes == size && m.Path == BenchPath.Tunnel).ToList();
            var kernel = measurements.Where(m => m.PayloadBytes == size && m.Path == BenchPath.Kernel).ToList();
            double offered = Median(measurements.Where(m => m.PayloadBytes == size).Select(m => m.OfferedPps));
            double tunnelPps = Median(tunnel.Select(m => m.ReceivedPps));
            double kernelPps = Median(kernel.Select(m => m.ReceivedPps));
            double ratio = kernelPps > 0 ? tunnelPps / kernelPps : double.NaN;
            text.Append(CultureInfo.InvariantCulture,
                $"{size,5} B  {offered,11:0}  {tunnelPps,10:0}  {Median(tunnel.Select(m => m.Loss)) * 100,5:0.0} %  {kernelPps,10:0}  {Median(kernel.Select(m => m.Loss)) * 100,5:0.0} %  {ratio,13:0.00}\n");
        }

        return text.ToString();
    }

    private static string Name(BenchPath path) => path == BenchPath.Tunnel ? "tunnel" : "kernel";
}
