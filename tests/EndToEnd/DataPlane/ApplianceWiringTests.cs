using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.Appliance.Hosting;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Engine;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Kernel.Netlink;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.DataPlane;

/// <summary>
/// <c>shisa run</c> with the data plane: the engine starts before the modules (they get its signalling hub and
/// sender), applies what a module publishes, shows its counters on the status API, stops after the modules and
/// leaves the kernel as it found it.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ApplianceWiringTests
{
    [Test]
    public async Task The_runner_starts_the_engine_first_and_stops_it_last()
    {
        Assume.That(Host.IsRoot, Is.True, "needs root (network namespaces)");
        using var topology = MobilityTopology.Create(new TopologyOptions { StartRouterAdvertisements = false });
        string before = Host.Run("ip", "-n", topology.Ha, "-6", "route", "show", "table", "all").StandardOutput
            + Host.Run("ip", "-n", topology.Ha, "-6", "neigh", "show", "proxy").StandardOutput
            + Host.Exec(topology.Ha, "nft", "list", "tables").StandardOutput;

        var profile = new Profile(
            new NodeSection("ha1", new([Role.HomeAgent])) { StateDirectory = Path.Combine(topology.Names.ScratchDirectory, "ha1.state") },
            new StatusSection(new IPEndPoint(IPAddress.Loopback, 0)),
            new([new InterfaceSection(MobilityTopology.HomeBridge, LinkKind.Home), new InterfaceSection("ha-up", LinkKind.Backbone)]),
            new HomeAgentSection(MobilityTopology.HomeAgentAddress, Prefix.Parse("2001:db8:1::/64"), 100, TimeSpan.FromSeconds(420), default),
            null, null, null, null, null);

        DataPlaneEngine? engine = null;
        var probe = new ProbeModule(() => engine);
        var catalog = new ModuleCatalog().Add("probe", [Role.HomeAgent], (services, _) => services.AddRoleModule(_ => probe));
        Uri? statusUrl = null;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var error = new StringWriter();
        var run = Task.Run(() => ApplianceRunner.RunAsync(
            profile,
            catalog,
            () => throw new InvalidOperationException("the engine's sender is used"),
            NullLoggerFactory.Instance,
            error,
            stop.Token,
            url => statusUrl = url,
            (p, bus, hub, time, loggers, journal) => engine = new DataPlaneEngine(
                DataPlaneOptionsMapper.Map(p) with { NetworkNamespace = topology.Ha },
                bus, hub, time, loggers, NetlinkKernel.Open(topology.Ha), journal)));

        await DataPlaneEngineTests.WaitUntilAsync(() => probe.Started || run.IsCompleted, TimeSpan.FromSeconds(30));
        Assert.That(run.IsCompleted, Is.False, error.ToString());
        Assert.That(probe.EngineRunningAtStart, Is.True, "the engine runs before the modules start");
        Assert.That(probe.GotEngineHub && probe.GotEngineSender, Is.True, "the modules get the engine's hub and sender");

        // The engine fills its table first and installs the route right after: wait for the route itself.
        static bool Routed(string ns) => Host.Run("ip", "-n", ns, "-6", "route", "show", "2001:db8:1::100").StandardOutput.Contains("dev shisa0", StringComparison.Ordinal);
        await DataPlaneEngineTests.WaitUntilAsync(() => engine!.BindingCache!.Count == 1 && Routed(topology.Ha), TimeSpan.FromSeconds(10));
        Assert.That(Routed(topology.Ha), Is.True, "route of the home address into the TUN");

        using (var http = new HttpClient())
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(statusUrl!, "api/status")));
            var counters = json.RootElement.GetProperty("counters");
            Assert.That(counters.TryGetProperty("dataplane_encapsulated_packets", out _), Is.True, counters.ToString());
            Assert.That(counters.GetProperty("dataplane_bindings_cache").GetInt64(), Is.EqualTo(1));
        }

        await stop.CancelAsync();
        Assert.That(await run, Is.Zero, error.ToString());
        Assert.That(probe.EngineRunningAtStop, Is.True, "the engine stops after the modules");
        string after = Host.Run("ip", "-n", topology.Ha, "-6", "route", "show", "table", "all").StandardOutput
            + Host.Run("ip", "-n", topology.Ha, "-6", "neigh", "show", "proxy").StandardOutput
            + Host.Exec(topology.Ha, "nft", "list", "tables").StandardOutput;
        Assert.That(after, Is.EqualTo(before));
    }

    /// <summary>A stand-in home agent module: publishes one binding and notes what it saw of the data plane.</summary>
    private sealed class ProbeModule(Func<DataPlaneEngine?> engine) : IRoleModule
    {
        public string Name => "probe";

        public IReadOnlyList<Role> Provides => [Role.HomeAgent];

        public bool Started { get; private set; }

        public bool EngineRunningAtStart { get; private set; }

        public bool EngineRunningAtStop { get; private set; }

        public bool GotEngineHub { get; private set; }

        public bool GotEngineSender { get; private set; }

        public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
        {
            var e = engine();
            EngineRunningAtStart = e?.IsRunning == true;
            GotEngineHub = ReferenceEquals(context.Signalling, e?.Signalling);
            GotEngineSender = ReferenceEquals(context.PacketSender, e?.SignallingSender);
            context.Bus.Publish(new BindingCacheAdd(new BindingCacheEntry(
                MobilityTopology.HomeAddress,
                IPAddress.Parse("2001:db8:a1::10"),
                MobilityTopology.HomeAgentAddress,
                BindingUpdateFlags.HomeRegistration,
                TimeSpan.FromSeconds(60),
                1,
                default)));
            Started = true;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            EngineRunningAtStop = engine()?.IsRunning == true;
            return Task.CompletedTask;
        }
    }
}
