using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Shisa.Appliance.Demo;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;

namespace Shisa.Bench.TunnelThroughput;

/// <summary>
/// Packets per second through the home agent's tunnel paths against the kernel forwarding plain IPv6 over the same
/// namespace hops (bench/README.md). One run: the DESIGN 9 topology, a real home agent and a mobile node registered
/// from ar1; then for each path and payload size UDP floods from several sender threads (more than the kernel
/// forwards), counted by nftables on the receiving interface, and the added latency at half the tunnel's rate.
/// </summary>
public static partial class Program
{
    private const string CoreFromCnTable = "100";
    private const string CoreFromAr1Table = "101";
    private const string HaUplinkAddress = "2001:db8:f0:1::2";
    private const int ProbeIntervalMilliseconds = 1;

    // Linux reports /proc times in USER_HZ, 100 on every architecture the appliance targets (x86-64, arm64).
    private const double ClockTicksPerSecond = 100;

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
        using var mn = ApplianceProcess.Start(topology, topology.Mn, "mn", DemoProfiles.MobileNode(lifetime: 900));
        using var bound = await mn.WaitForStatusAsync(s => DemoRunner.BoundCareOf(s, DemoTopology.Foreign1Prefix) is not null, TimeSpan.FromSeconds(30), stop.Token)
            ?? throw new DemoException("the mobile node did not register from ar1", mn.Output);
        var careOf = DemoRunner.BoundCareOf(bound.RootElement, DemoTopology.Foreign1Prefix)!;
        _ = await ha.WaitForStatusAsync(s => DemoRunner.CachedCareOf(s, DemoTopology.Foreign1Prefix) is not null, TimeSpan.FromSeconds(10), stop.Token)
            ?? throw new DemoException("the home agent holds no binding", ha.Output);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tunnel-throughput: topology {topology.Names.Stem} up, home address {DemoTopology.HomeAddress} registered from care-of address {careOf} ({clock.Elapsed.TotalSeconds:0.0} s)"));

        // The mobile node registered; the home agent keeps its binding (900 s) and the benchmark's own senders play
        // its part, so the mobile node is killed: its sockets would take CPU and copies from what is measured.
        mn.Kill();

        // Baseline routes: in core, traffic from cn to the care-of address and traffic from ar1 to cn go to ha
        // first, and ha's kernel forwards it back through core: the tunnel paths' hops exactly.
        NamespaceCommands.Run("ip", "-n", topology.Core, "-6", "rule", "add", "iif", "core-cn", "table", CoreFromCnTable, "priority", "100");
        NamespaceCommands.Run("ip", "-n", topology.Core, "-6", "route", "add", $"{careOf}/128", "via", HaUplinkAddress, "table", CoreFromCnTable);
        NamespaceCommands.Run("ip", "-n", topology.Core, "-6", "rule", "add", "iif", "core-ar1", "table", CoreFromAr1Table, "priority", "101");
        NamespaceCommands.Run("ip", "-n", topology.Core, "-6", "route", "add", $"{DemoTopology.CorrespondentAddress}/128", "via", HaUplinkAddress, "table", CoreFromAr1Table);

        var flows = BenchFlow.For(topology.Cn, topology.Mn, careOf, DemoTopology.HomeAgentAddress, DemoTopology.HomeAddress, DemoTopology.CorrespondentAddress);
        foreach (var receiver in flows.GroupBy(f => (f.ReceiverNamespace, f.ReceiverInterface)))
        {
            InstallCounters(receiver.Key.ReceiverNamespace, receiver.Key.ReceiverInterface, receiver.ToList());
        }

        var senders = flows.Select(f => f.SenderNamespace).Distinct().ToDictionary(
            ns => ns,
            ns => Enumerable.Range(0, arguments.Senders).Select(_ => NetworkNamespace.Invoke(ns, () => RawIpv6Sender.Open())).ToArray());
        try
        {
            int haPid = ha.Process.ProcessId;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"UDP floods from {arguments.Senders} sender threads ({RateText(arguments)}), counted by nftables on the receiving interface; {arguments.Runs} x {arguments.Seconds:0.#} s per path, forwarder and size, medians; latency probes every {ProbeIntervalMilliseconds} ms at half the appliance's rate"));
            List<Measurement> all = [];
            List<LatencyMeasurement> latencies = [];
            foreach (var path in arguments.Paths)
            {
                foreach (int size in arguments.Sizes)
                {
                    var appliance = flows.Single(f => f.Path == path && f.Forwarder == Forwarder.Appliance);
                    var kernel = flows.Single(f => f.Path == path && f.Forwarder == Forwarder.Kernel);

                    // Resolve neighbours and routes on both paths first.
                    Measure(appliance, senders[appliance.SenderNamespace], haPid, size, 0.3, 20_000);
                    Measure(kernel, senders[kernel.SenderNamespace], haPid, size, 0.3, 20_000);
                    for (int run = 0; run < arguments.Runs && !stop.IsCancellationRequested; run++)
                    {
                        foreach (var flow in (BenchFlow[])[appliance, kernel])
                        {
                            var m = Measure(flow, senders[flow.SenderNamespace], haPid, size, arguments.Seconds, arguments.RateOf(size));
                            Console.WriteLine(BenchReport.FormatRun(m));
                            all.Add(m);
                        }
                    }

                    double half = BenchReport.Median(all.Where(m => m.Path == path && m.PayloadBytes == size && m.Forwarder == Forwarder.Appliance).Select(m => m.ReceivedPps)) / 2;
                    foreach (var flow in (BenchFlow[])[appliance, kernel])
                    {
                        if (stop.IsCancellationRequested || !(half >= 1))
                        {
                            break;
                        }

                        var latency = MeasureLatency(flow, senders[flow.SenderNamespace], size, arguments.Seconds, (int)half);
                        Console.WriteLine(BenchReport.FormatRun(latency));
                        latencies.Add(latency);
                    }
                }
            }

            Console.WriteLine();
            Console.Write(BenchReport.Format(all, latencies));
            string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({clock.Elapsed.TotalSeconds:0} s in all, {Environment.ProcessorCount} CPUs, load average {load})"));
            return stop.IsCancellationRequested ? 130 : 0;
        }
        finally
        {
            foreach (var sender in senders.Values.SelectMany(s => s))
            {
                sender.Dispose();
            }
        }
    }

    private static string RateText(BenchArguments arguments) =>
        string.Join(", ", arguments.Sizes.Select(s => arguments.RateOf(s) == 0
            ? $"{s} B unpaced"
            : string.Create(CultureInfo.InvariantCulture, $"{s} B at {arguments.RateOf(s)} pps")));

    /// <summary>A <c>netdev</c> table on the receiving interface's ingress hook: one named counter per flow, counted packets dropped.</summary>
    private static void InstallCounters(string ns, string device, IReadOnlyList<BenchFlow> flows)
    {
        var rules = new System.Text.StringBuilder();
        rules.Append("table netdev shisabench {\n");
        foreach (var flow in flows)
        {
            rules.Append(CultureInfo.InvariantCulture, $"  counter {flow.CounterName} {{ }}\n");
        }

        rules.Append(CultureInfo.InvariantCulture, $"  chain rx {{\n    type filter hook ingress device \"{device}\" priority -500; policy accept;\n");
        foreach (var flow in flows)
        {
            rules.Append(CultureInfo.InvariantCulture, $"    {flow.CounterMatch} counter name \"{flow.CounterName}\" drop\n");
        }

        rules.Append("  }\n}\n");
        string file = Path.Combine(Path.GetTempPath(), $"shisabench-{Environment.ProcessId}-{ns}.nft");
        File.WriteAllText(file, rules.ToString());
        try
        {
            NamespaceCommands.Exec(ns, "nft", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static long ReadCounter(BenchFlow flow)
    {
        string text = NamespaceCommands.Exec(flow.ReceiverNamespace, "nft", "list", "counter", "netdev", "shisabench", flow.CounterName).StandardOutput;
        var match = CounterPackets().Match(text);
        return match.Success
            ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new DemoException($"no packet count in the nftables counter {flow.CounterName}", text);
    }

    [GeneratedRegex(@"packets (\d+)")]
    private static partial Regex CounterPackets();

    private static Measurement Measure(BenchFlow flow, RawIpv6Sender[] senders, int haPid, int payload, double seconds, int rate)
    {
        long before = ReadCounter(flow);
        var cpu = CpuTimes.Read(haPid);
        var (offered, sent) = Blast(flow, senders, payload, seconds, rate, PacketBatch.DefaultCapacity);
        Thread.Sleep(300); // what is still in flight
        var used = CpuTimes.Read(haPid) - cpu;
        long received = ReadCounter(flow) - before;
        return new Measurement(flow.Path, flow.Forwarder, payload, seconds, offered, sent, received, used.Process, used.Machine);
    }

    /// <summary>
    /// The flow at <paramref name="rate"/> (half what the appliance carries) from the sender threads, in small batches,
    /// and one probe per millisecond from this thread, timed from its send to its arrival at the receiving
    /// interface's packet socket (Stopwatch timestamps: CLOCK_MONOTONIC, the same in every namespace).
    /// </summary>
    private static LatencyMeasurement MeasureLatency(BenchFlow flow, RawIpv6Sender[] senders, int payload, double seconds, int rate)
    {
        int probePayload = Math.Max(payload, UdpPacket.ProbePayloadBytes);
        using var port = NetworkNamespace.Invoke(flow.ReceiverNamespace, () => AfPacketPort.Open(
            flow.ReceiverInterface,
            new AfPacketPortOptions
            {
                // ETH_P_ALL: a tap, which sees the frame before the ingress hook drops it; a socket bound to
                // ETH_P_IPV6 is served after that hook and would see nothing.
                Protocol = AfPacketPortOptions.AllProtocols,
                Filter = ClassicBpfProgram.Compile(flow.ProbeFilter),
                ReceiveBufferSize = 4 << 20,
                CompleteChecksums = false,
            }));
        using var probeSender = NetworkNamespace.Invoke(flow.SenderNamespace, () => RawIpv6Sender.Open(maxBatch: 1));

        var delays = new List<double>();
        using var receiving = new CancellationTokenSource();
        var receiver = new Thread(() => CollectProbes(port, flow.ReceivedUdpOffset, delays, receiving.Token)) { IsBackground = true, Name = "bench probes" };
        receiver.Start();
        Thread.Sleep(50);

        long probes = 0;
        var load = new Thread(() => Blast(flow, senders, payload, seconds, rate, 8)) { IsBackground = true, Name = "bench load" };
        load.Start();
        var probe = new PacketBatch(1, 2048);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            probe.Clear();
            var slot = probe.GetNextSlot()[..flow.PacketLength(probePayload)];
            flow.Write(slot, Stopwatch.GetTimestamp());
            probe.Commit(slot.Length);
            probes += probeSender.Send(probe);
            Thread.Sleep(ProbeIntervalMilliseconds);
        }

        load.Join();
        Thread.Sleep(300);
        receiving.Cancel();
        receiver.Join();
        return new LatencyMeasurement(flow.Path, flow.Forwarder, payload, rate, probes, delays);
    }

    private static void CollectProbes(AfPacketPort port, int udpOffset, List<double> delays, CancellationToken stop)
    {
        var batch = new PacketBatch();
        while (!stop.IsCancellationRequested)
        {
            int n = port.Receive(batch, 20);
            long now = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                if (batch[i].Length > udpOffset && UdpPacket.ProbeTimestamp(batch[i][udpOffset..]) is long sentAt)
                {
                    delays.Add((now - sentAt) * 1e6 / Stopwatch.Frequency);
                }
            }
        }
    }

    /// <summary>
    /// The flow's packet from every sender thread for <paramref name="seconds"/>, together at <paramref name="rate"/>
    /// per second (0: unpaced), in sendmmsg batches of <paramref name="batchSize"/>.
    /// </summary>
    private static (long Offered, long Sent) Blast(BenchFlow flow, RawIpv6Sender[] senders, int payload, double seconds, int rate, int batchSize)
    {
        var packet = new byte[flow.PacketLength(payload)];
        flow.Write(packet, null);
        long offered = 0;
        long sent = 0;
        var threads = senders.Select(sender => new Thread(() =>
        {
            var batch = new PacketBatch(batchSize, 2048);
            while (batch.TryAdd(packet))
            {
            }

            double perThread = (double)rate / senders.Length;
            long myOffered = 0;
            long mySent = 0;
            var clock = Stopwatch.StartNew();
            while (true)
            {
                double elapsed = clock.Elapsed.TotalSeconds;
                if (elapsed >= seconds)
                {
                    break;
                }

                if (rate > 0 && myOffered >= elapsed * perThread)
                {
                    // Ahead of the offered load: yield the CPU to the forwarding path rather than spin.
                    Thread.Sleep(1);
                    continue;
                }

                mySent += sender.Send(batch);
                myOffered += batch.Count;
            }

            Interlocked.Add(ref offered, myOffered);
            Interlocked.Add(ref sent, mySent);
        }) { IsBackground = true, Name = "bench tx" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return (offered, sent);
    }

    /// <summary>CPU seconds used by one process (user + system) and by the whole machine (all but idle and iowait).</summary>
    private readonly record struct CpuTimes(double Process, double Machine)
    {
        public static CpuTimes operator -(CpuTimes a, CpuTimes b) => new(a.Process - b.Process, a.Machine - b.Machine);

        public static CpuTimes Read(int pid)
        {
            // /proc/PID/stat: after "(comm)", field 3 is the state; utime and stime are fields 14 and 15 (proc(5)).
            string stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            double process = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;

            // /proc/stat "cpu user nice system idle iowait irq softirq steal ...".
            string[] cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long busy = 0;
            for (int i = 1; i < Math.Min(cpu.Length, 9); i++)
            {
                busy += i is 4 or 5 ? 0 : long.Parse(cpu[i], CultureInfo.InvariantCulture);
            }

            return new CpuTimes(process, busy / ClockTicksPerSecond);
        }
    }
}
