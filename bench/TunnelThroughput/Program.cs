using System.Diagnostics;
using System.Globalization;
using System.Net;
using Shisa.Appliance.Demo;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;

namespace Shisa.Bench.TunnelThroughput;

/// <summary>
/// Packets per second through the home agent's tunnel path against the kernel forwarding plain IPv6 over the same
/// namespace hops (bench/README.md). One run: the DESIGN 9 topology, a real home agent and mobile node registered
/// from ar1, then for each payload size and run a UDP stream from cn at a fixed offered load, counted on mn0.
/// </summary>
public static class Program
{
    private const string CoreAlternateTable = "100";

    public static async Task<int> Main(string[] args)
    {
        if (!BenchArguments.TryParse(args, out var arguments, out string error))
        {
            await Console.Error.WriteLineAsync($"tunnel-throughput: {error}\n{BenchArguments.Usage}");
            return 2;
        }

        if (arguments.Help)
        {
            Console.WriteLine(BenchArguments.Usage);
            return 0;
        }

        if (!Environment.IsPrivilegedProcess)
        {
            await Console.Error.WriteLineAsync("tunnel-throughput: needs root (network namespaces); run bench/run.sh with sudo");
            return 2;
        }

        try
        {
            return await RunAsync(arguments);
        }
        catch (DemoException failure)
        {
            await Console.Error.WriteLineAsync($"tunnel-throughput: {failure.Message}\n{failure.Detail}");
            return 1;
        }
    }

    private static async Task<int> RunAsync(BenchArguments arguments)
    {
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        using var topology = DemoTopology.Create(new TopologyOptions { InitialLink = AccessLink.Foreign1 });
        using var ha = ApplianceProcess.Start(topology, topology.Ha, "ha", DemoProfiles.HomeAgent());
        _ = await ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(30), stop.Token)
            ?? throw new DemoException("the home agent's status page did not answer", ha.Output);
        using var mn = ApplianceProcess.Start(topology, topology.Mn, "mn", DemoProfiles.MobileNode(lifetime: 300));
        using var bound = await mn.WaitForStatusAsync(s => DemoRunner.BoundCareOf(s, DemoTopology.Foreign1Prefix) is not null, TimeSpan.FromSeconds(30), stop.Token)
            ?? throw new DemoException("the mobile node did not register from ar1", mn.Output);
        var careOf = DemoRunner.BoundCareOf(bound.RootElement, DemoTopology.Foreign1Prefix)!;
        _ = await ha.WaitForStatusAsync(s => DemoRunner.CachedCareOf(s, DemoTopology.Foreign1Prefix) is not null, TimeSpan.FromSeconds(10), stop.Token)
            ?? throw new DemoException("the home agent holds no binding", ha.Output);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tunnel-throughput: topology {topology.Names.Stem} up, home address {DemoTopology.HomeAddress} registered from care-of address {careOf} ({clock.Elapsed.TotalSeconds:0.0} s)"));

        // The mobile node registered; now it only sleeps (SIGSTOP), so its decapsulation takes no CPU from the paths measured.
        mn.Process.Signal("STOP");
        try
        {
            // Baseline route: from cn, the care-of address goes to ha first (a policy rule on core's cn-side
            // interface), and ha's kernel forwards it back through core to ar1: the tunnel path's hops exactly.
            NamespaceCommands.Run("ip", "-n", topology.Core, "-6", "rule", "add", "iif", "core-cn", "table", CoreAlternateTable, "priority", "100");
            NamespaceCommands.Run("ip", "-n", topology.Core, "-6", "route", "add", $"{careOf}/128", "via", "2001:db8:f0:1::2", "table", CoreAlternateTable);

            using var sender = NetworkNamespace.Invoke(topology.Cn, () => RawIpv6Sender.Open());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"UDP from cn, counted on mn0; tunnel: to the home address (ha's appliance encapsulates); kernel: to the care-of address via ha; {arguments.Runs} x {arguments.Seconds:0.#} s each, medians"));
            List<Measurement> all = [];
            foreach (int size in arguments.Sizes)
            {
                // Resolve neighbours and routes on both paths first.
                Measure(topology, sender, BenchPath.Tunnel, careOf, size, 0.3, 20_000);
                Measure(topology, sender, BenchPath.Kernel, careOf, size, 0.3, 20_000);
                for (int run = 0; run < arguments.Runs && !stop.IsCancellationRequested; run++)
                {
                    foreach (var path in (BenchPath[])[BenchPath.Tunnel, BenchPath.Kernel])
                    {
                        var m = Measure(topology, sender, path, careOf, size, arguments.Seconds, arguments.RateOf(size));
                        Console.WriteLine(BenchReport.FormatRun(m));
                        all.Add(m);
                    }
                }
            }

            Console.WriteLine();
            Console.Write(BenchReport.Format(all));
            string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({clock.Elapsed.TotalSeconds:0} s in all, {Environment.ProcessorCount} CPUs, load average {load})"));
            return stop.IsCancellationRequested ? 130 : 0;
        }
        finally
        {
            mn.Process.Signal("CONT");
        }
    }

    private static Measurement Measure(DemoTopology topology, RawIpv6Sender sender, BenchPath path, IPAddress careOf, int payload, double seconds, int rate)
    {
        var destination = path == BenchPath.Tunnel ? DemoTopology.HomeAddress : careOf;
        byte[] packet = UdpPacket.Build(DemoTopology.CorrespondentAddress, destination, payload);
        int frameLength = 14 + packet.Length + (path == BenchPath.Tunnel ? 40 : 0);
        byte nextHeader = path == BenchPath.Tunnel ? (byte)41 : (byte)17;
        using var port = NetworkNamespace.Invoke(topology.Mn, () => AfPacketPort.Open(
            DemoTopology.MobileInterface,
            new AfPacketPortOptions
            {
                Protocol = AfPacketPortOptions.Ipv6Protocol,
                Filter = ClassicBpfProgram.Ipv6NextHeaders(nextHeader),
                ReceiveBufferSize = 32 << 20,
                CompleteChecksums = false,
            }));

        long received = 0;
        using var receiving = new CancellationTokenSource();
        var receiver = new Thread(() => received = Count(port, frameLength, receiving.Token)) { IsBackground = true, Name = "bench rx" };
        receiver.Start();
        Thread.Sleep(50);
        var (offered, sent) = Blast(sender, packet, seconds, rate);
        Thread.Sleep(300); // what is still in flight
        receiving.Cancel();
        receiver.Join();
        return new Measurement(path, payload, seconds, offered, sent, received);
    }

    /// <summary>Sends <paramref name="packet"/> for <paramref name="seconds"/> at <paramref name="rate"/> per second (0: unpaced) in sendmmsg batches.</summary>
    private static (long Offered, long Sent) Blast(RawIpv6Sender sender, byte[] packet, double seconds, int rate)
    {
        var batch = new PacketBatch(PacketBatch.DefaultCapacity, 2048);
        while (batch.TryAdd(packet))
        {
        }

        long offered = 0;
        long sent = 0;
        var clock = Stopwatch.StartNew();
        double duration = seconds;
        while (true)
        {
            double elapsed = clock.Elapsed.TotalSeconds;
            if (elapsed >= duration)
            {
                break;
            }

            if (rate > 0 && offered >= elapsed * rate)
            {
                // Ahead of the offered load: yield the CPU to the forwarding path rather than spin.
                Thread.Sleep(1);
                continue;
            }

            sent += sender.Send(batch);
            offered += batch.Count;
        }

        return (offered, sent);
    }

    private static long Count(AfPacketPort port, int frameLength, CancellationToken stop)
    {
        var batch = new PacketBatch();
        long count = 0;
        while (!stop.IsCancellationRequested)
        {
            int n = port.Receive(batch, 20);
            for (int i = 0; i < n; i++)
            {
                if (batch.Info(i).OriginalLength == frameLength || batch[i].Length == frameLength)
                {
                    count++;
                }
            }
        }

        return count;
    }
}
