using System.Diagnostics;
using System.Runtime.Versioning;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.DataPlane;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Engine;
using Shisa.DataPlane.Forwarding;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Kernel.Netlink;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.State;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Configuration;
using Shisa.Modules.HomeAgent;

// binding-scale [N ...]: registers N distinct mobile nodes through the home agent's signalling core (real Binding
// Update packets in, Binding Acknowledgements out) into the forwarding-state writer, which installs them in a real
// kernel (a throwaway network namespace, over netlink) and journals them; prints bindings/s, memory per binding,
// and the time to restore them from the journal. DAD of each home address is answered at once: the benchmark
// measures the home agent, not the RFC 4862 one-second probe wait.
[assembly: SupportedOSPlatform("linux")]

var counts = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [10_000, 100_000];
if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("SUDO_USER") is null && geteuid() != 0)
{
    Console.Error.WriteLine("binding-scale: run as root (it builds a network namespace)");
    return 1;
}

Console.WriteLine("N        bindings/s  install_s  submitted_s  rss_MiB  rss_B/binding  heap_B/binding  dataplane_B/binding  journal_MiB  restore_s  reinstall_s");
foreach (int n in counts)
{
    Console.WriteLine(Run(n));
}

Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
return 0;

static string Run(int n)
{
    string ns = $"shisa-bench-{Environment.ProcessId}";
    string state = Directory.CreateTempSubdirectory("shisa-bench-").FullName;
    Exec("ip", "netns", "add", ns);
    try
    {
        Exec("ip", "-n", ns, "link", "add", "home0", "type", "veth", "peer", "name", "home0-p");
        Exec("ip", "-n", ns, "link", "set", "home0", "up");
        Exec("ip", "-n", ns, "link", "set", "lo", "up");
        Exec("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1");
        var options = new DataPlaneEngineOptions
        {
            NodeTypes = NodeType.HomeAgent,
            Interfaces = new([new EngineInterface("home0", EngineLinkKind.Home)]),
            HomeAgentAddress = HomeAgent,
            HomePrefix = HomePrefix,
            MaxBindings = n,
            NetworkNamespace = ns,
        };

        var time = TimeProvider.System;
        using var kernel = NetlinkKernel.Open(ns);
        using var tun = NetworkNamespace.Invoke(ns, () => TunDevice.Create("shisa0"));
        tun.SetUp();
        long rssBefore = Rss();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        using var bus = new MobilityBus(time);
        var journal = BindingJournal.Open(state, time, NullLogger.Instance);
        var writer = new ForwardingStateWriter(options, kernel, "shisa0", journal, time, NullLogger.Instance);
        using var subscription = bus.Subscribe("bench", MessageKinds.BindingCache, 4096);
        var acks = new CountingSender();
        var sender = writer.CreateSender(acks, () => subscription.LastOffered);
        writer.Start();
        var consumer = new Thread(() => writer.Run(subscription, () => false)) { IsBackground = true };
        consumer.Start();

        var nodes = new AuthorizedMobileNode[n];
        for (int i = 0; i < n; i++)
        {
            nodes[i] = new AuthorizedMobileNode(HomeAddressOf(i), default, null, default);
        }

        var section = new HomeAgentSection(HomeAgent, HomePrefix, n, TimeSpan.FromSeconds(420), new(nodes));
        List<Dad> dadRequests = [];
        var core = new HomeAgentCore(section, sender, m =>
        {
            if (m is Dad { Message: DadMessage.Do } dad)
            {
                dadRequests.Add(dad);
            }
            else
            {
                bus.Publish(m, "home_agent");
            }
        }, homeLink: new HomeLink("home0", 2));

        var buffer = new byte[MobilityPackets.MaxPacketLength];
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            // As mobile nodes' retransmissions would: no more BAs waiting for the writer than its queue holds.
            while (sender.Waiting > OrderedSignallingSender.Capacity / 2)
            {
                Thread.Sleep(1);
            }

            var now = time.GetUtcNow();
            var update = new BindingUpdate(1, Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.A | Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.H, 100);
            var envelope = new Ipv6Envelope(CareOfOf(i), HomeAgent, HomeAddress: HomeAddressOf(i));
            MobilityPackets.TryWrite(update, envelope, buffer, out int length);
            core.Process(new SignallingReceived(new SignallingPacket(buffer[..length], SignallingKinds.MobilityHeader, "home0", 2, now)), now);
            foreach (var dad in dadRequests)
            {
                core.Process(new DadReported(dad with { Message = DadMessage.Success }), now);
            }

            dadRequests.Clear();
        }

        double submitted = clock.Elapsed.TotalSeconds;
        while (acks.Count < n && clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            Thread.Sleep(5);
        }

        double install = clock.Elapsed.TotalSeconds;
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        long rssAfter = Rss();
        int routes = kernel.ListRoutes().Count;
        subscription.Dispose();
        consumer.Join();
        if (acks.Count < n || routes < n)
        {
            throw new InvalidOperationException($"only {acks.Count} BAs and {routes} routes of {n} after {install:F0} s");
        }

        journal.Dispose();
        long journalBytes = new FileInfo(Path.Combine(state, BindingJournal.FileName)).Length;
        writer.Stop();

        // Restart: the journal read back, every binding re-applied to the kernel.
        clock.Restart();
        using var restored = BindingJournal.Open(state, time, NullLogger.Instance);
        double restore = clock.Elapsed.TotalSeconds;
        if (restored.Restored.BindingCache.Count != n)
        {
            throw new InvalidOperationException($"restored {restored.Restored.BindingCache.Count} of {n}");
        }

        clock.Restart();
        var again = new ForwardingStateWriter(options, kernel, "shisa0", null, time, NullLogger.Instance);
        again.Start();
        again.ApplyBatch([.. restored.Restored.BindingCache.Select(e => new BindingCacheAdd(e))], 0);
        double reinstall = clock.Elapsed.TotalSeconds;
        again.Stop();

        double dataPlane = DataPlaneBytesPerBinding(options, restored.Restored.BindingCache);
        return string.Create(CultureInfo.InvariantCulture,
            $"{n,-8} {n / install,10:F0}  {install,9:F2}  {submitted,11:F2}  {(rssAfter - rssBefore) / 1048576.0,7:F1}  {(rssAfter - rssBefore) / (double)n,13:F0}  {(heapAfter - heapBefore) / (double)n,14:F0}  {dataPlane,19:F0}  {journalBytes / 1048576.0,11:F1}  {restore,9:F2}  {reinstall,11:F2}");
    }
    finally
    {
        Exec("ip", "netns", "del", ns);
        Directory.Delete(state, recursive: true);
    }
}

// The data plane's own share: the writer's binding table and desired kernel state for the same bindings, measured
// on the managed heap with a kernel that keeps nothing.
static double DataPlaneBytesPerBinding(DataPlaneEngineOptions options, IReadOnlyList<BindingCacheEntry> entries)
{
    var messages = entries.Select(e => (Shisa.DataPlane.Bus.MobilityMessage)new BindingCacheAdd(e)).ToList();
    long before = GC.GetTotalMemory(forceFullCollection: true);
    var writer = new ForwardingStateWriter(options, new DiscardingKernel(), "shisa0", null, TimeProvider.System, NullLogger.Instance);
    writer.Start();
    writer.ApplyBatch(messages, 0);
    long after = GC.GetTotalMemory(forceFullCollection: true);
    GC.KeepAlive(writer);
    return (after - before) / (double)entries.Count;
}

static IPAddress HomeAddressOf(int i) => AddressKey.ToAddress(AddressKey.From(IPAddress.Parse("2001:db8:1::1:0")) + (UInt128)i);

static IPAddress CareOfOf(int i) => AddressKey.ToAddress(AddressKey.From(IPAddress.Parse("2001:db8:a1::1:0")) + (UInt128)i);

static long Rss()
{
    foreach (string line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
    }

    return 0;
}

static void Exec(string program, params string[] arguments)
{
    using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {process.StandardError.ReadToEnd()}");
    }
}

[System.Runtime.InteropServices.DllImport("libc")]
static extern uint geteuid();

internal static partial class Program
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly Prefix HomePrefix = Prefix.Parse("2001:db8:1::/64");
}

/// <summary>A kernel that accepts everything and keeps nothing (the data plane's memory share alone).</summary>
internal sealed class DiscardingKernel : IKernel
{
    public void ReplaceTable(string tableName, MobilityFilter filter) { }
    public void DeleteTable(string tableName) { }
    public bool HasTable(string tableName) => true;
    public void ReplaceRoute(KernelRoute route) { }
    public void DeleteRoute(KernelRoute route) { }
    public IReadOnlyList<KernelRoute> ListRoutes() => [];
    public IReadOnlyList<KernelRoute> ListDefaultRoutes(string device) => [];
    public void AddRule(KernelRule rule) { }
    public void DeleteRule(KernelRule rule) { }
    public IReadOnlyList<KernelRule> ListRules() => [];
    public void ReplaceAddress(KernelAddress address) { }

    public void ReplaceAddress(KernelAddress address, TimeSpan validLifetime, TimeSpan preferredLifetime) { }
    public void DeleteAddress(KernelAddress address) { }
    public IReadOnlyList<KernelAddress> ListAddresses(string device) => [];
    public string ReadSysctl(string key) => "0";
    public void WriteSysctl(string key, string value) { }
    public void ForgetLink(string device) { }
    public void Dispose() { }
}

/// <summary>Counts the Binding Acknowledgements the home agent sends (released by the writer once installed and journalled).</summary>
internal sealed class CountingSender : IPacketSender
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
    {
        Interlocked.Increment(ref _count);
        return true;
    }
}
