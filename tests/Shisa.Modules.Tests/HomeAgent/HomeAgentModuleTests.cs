using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.State;
using Shisa.Modules.Configuration;
using Shisa.Modules.HomeAgent;
using Shisa.Modules.Hosting;
using Shisa.Modules.Tests.Hosting;
using static Shisa.Modules.Tests.HomeAgent.Packets;

namespace Shisa.Modules.Tests.HomeAgent;

public class HomeAgentModuleTests
{
    private static Profile HomeAgentProfile() => new(
        new NodeSection("ha1", new EquatableArray<Role>([Role.HomeAgent])),
        new StatusSection(null),
        new EquatableArray<InterfaceSection>([new InterfaceSection("ha0", LinkKind.Home)]),
        Topology.Section(),
        MobileNode: null,
        MobileRouter: null,
        Correspondent: null,
        MovementDetector: null,
        Plugins: null);

    [Test]
    [CancelAfter(10_000)]
    public async Task A_started_module_registers_a_mobile_node_through_the_hub_and_the_bus_and_expires_it(CancellationToken cancellationToken)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var bus = new MobilityBus(time);
        var hub = new SignallingHub();
        var sender = new RecordingSender();
        using var dataPlane = bus.Subscribe("data_plane", MessageKinds.Dad | MessageKinds.BindingCache);
        var module = new HomeAgentModule();
        var context = new ModuleContext(module.Name, HomeAgentProfile(), bus, sender, hub, time, NullLoggerFactory.Instance);
        await module.StartAsync(context, cancellationToken);

        Assert.That(hub.Deliver(new SignallingPacket(Vectors.Packet("mh_bu.json", "bu_home_registration_altcoa"), SignallingKinds.MobilityHeader, "ha0", 3, time.GetUtcNow())), Is.EqualTo(1));

        var dad = (await dataPlane.Reader.ReadAsync(cancellationToken)).Message;
        Assert.That(dad, Is.EqualTo(new Dad(DadMessage.Do, Topology.Home, "ha0", 0)));
        bus.Publish(new Dad(DadMessage.Success, Topology.Home, "ha0", 3), "data_plane");
        Assert.That((await dataPlane.Reader.ReadAsync(cancellationToken)).Message, Is.InstanceOf<Dad>(), "our own answer, as the bus delivers it");

        var add = (await dataPlane.Reader.ReadAsync(cancellationToken)).Message;
        Assert.That(add, Is.EqualTo(new BindingCacheAdd(new BindingCacheEntry(Topology.Home, Topology.CareOf, Topology.HomeAgent,
            BindingUpdateFlags.Acknowledge | BindingUpdateFlags.HomeRegistration, TimeSpan.FromSeconds(120), 1000, EquatableArray<Prefix>.Empty))));
        Assert.That(Hex(await sender.WaitForAsync(1, cancellationToken)), Is.EqualTo(Hex(Vectors.Packet("mh_ba.json", "ba_accepted"))));
        Assert.That(bus.GetRecent().Single(e => e.Message is BindingCacheAdd).Origin, Is.EqualTo("home_agent"));

        var snapshot = module.GetSnapshot();
        Assert.That(snapshot.Bindings.Single().HomeAddress, Is.EqualTo(Topology.Home));
        Assert.That(snapshot.Counters.AcknowledgementsSentByStatus[Shisa.DataPlane.Wire.Mobility.BindingAcknowledgementStatus.Accepted], Is.EqualTo(1));

        time.Advance(TimeSpan.FromSeconds(120)); // GetSnapshot above waited for the timer to be re-armed
        var remove = (await dataPlane.Reader.ReadAsync(cancellationToken)).Message;
        Assert.That(remove, Is.EqualTo(new BindingCacheRemove(((BindingCacheAdd)add).Entry)));
        Assert.That(module.GetSnapshot().Bindings, Is.Empty);

        await module.StopAsync(cancellationToken);
        Assert.That(hub.Subscriptions, Is.Empty, "the signalling subscription is gone");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task A_mobile_node_without_authentication_is_warned_about_at_start(CancellationToken cancellationToken)
    {
        var time = new FakeTimeProvider();
        using var bus = new MobilityBus(time);
        var logs = new WarningCollector();
        var profile = HomeAgentProfile() with
        {
            HomeAgent = Topology.Section(nodes: [Topology.Node(Topology.Home), Topology.Node(Topology.OtherHome, authenticated: true)]),
        };
        await using var module = new HomeAgentModule();
        await module.StartAsync(new ModuleContext(module.Name, profile, bus, new RecordingSender(), new SignallingHub(), time, logs), cancellationToken);

        Assert.That(logs.Warnings, Has.One.Contains("2001:db8:1::100").And.Contains("without authentication"));
        Assert.That(logs.Warnings.Where(w => w.Contains("2001:db8:1::200", StringComparison.Ordinal)), Is.Empty, "the one with an SPI");
    }

    private sealed class WarningCollector : Microsoft.Extensions.Logging.ILoggerFactory, Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Warnings { get; } = [];

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == Microsoft.Extensions.Logging.LogLevel.Warning)
            {
                lock (Warnings)
                {
                    Warnings.Add(formatter(state, exception));
                }
            }
        }

        public void Dispose()
        {
        }
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task An_event_that_fails_is_logged_and_counted_and_the_next_one_handled(CancellationToken cancellationToken)
    {
        var time = new FakeTimeProvider();
        using var bus = new MobilityBus(time);
        var hub = new SignallingHub();
        var sender = new RecordingSender { ThrowNext = 1 };
        await using var module = new HomeAgentModule();
        await module.StartAsync(new ModuleContext(module.Name, HomeAgentProfile(), bus, sender, hub, time, NullLoggerFactory.Instance), cancellationToken);
        var unlisted = System.Net.IPAddress.Parse("2001:db8:1::999");

        hub.Deliver(new SignallingPacket(BindingUpdate(1, home: unlisted), SignallingKinds.MobilityHeader, "ha0", 3, time.GetUtcNow()));
        hub.Deliver(new SignallingPacket(BindingUpdate(2, home: unlisted), SignallingKinds.MobilityHeader, "ha0", 3, time.GetUtcNow()));

        await sender.WaitForAsync(1, cancellationToken);
        Assert.That(module.GetCounters().Single(c => c.Key == "ha_events_failed").Value, Is.EqualTo(1), "the first BU's answer threw");
        Assert.That(module.GetSnapshot().Counters.BindingUpdatesReceived, Is.EqualTo(2), "the second was handled");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Stopping_announces_no_removal_the_bindings_outlive_the_process(CancellationToken cancellationToken)
    {
        var time = new FakeTimeProvider();
        using var bus = new MobilityBus(time);
        var hub = new SignallingHub();
        using var dataPlane = bus.Subscribe("data_plane", MessageKinds.BindingCache | MessageKinds.Dad);
        await using var module = new HomeAgentModule(new HomeAgentTuning { DadTimeout = TimeSpan.FromSeconds(1) });
        await module.StartAsync(new ModuleContext(module.Name, HomeAgentProfile(), bus, new RecordingSender(), hub, time, NullLoggerFactory.Instance), cancellationToken);
        hub.Deliver(new SignallingPacket(BindingUpdate(1), SignallingKinds.MobilityHeader, "ha0", 3, time.GetUtcNow()));

        // The data plane's detector answers Success.
        var dad = (Dad)(await dataPlane.Reader.ReadAsync(cancellationToken)).Message;
        bus.Publish(dad with { Message = DadMessage.Success }, "data_plane");
        Assert.That((await dataPlane.Reader.ReadAsync(cancellationToken)).Message, Is.InstanceOf<Dad>(), "our own answer, as the bus delivers it");
        Assert.That((await dataPlane.Reader.ReadAsync(cancellationToken)).Message, Is.InstanceOf<BindingCacheAdd>());

        await module.StopAsync(cancellationToken);
        Assert.That(dataPlane.Reader.TryRead(out var after), Is.False, $"nothing after the stop, got {after.Message}");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task A_module_started_with_restored_bindings_announces_them_before_reading_signalling_and_expires_them_on_time(CancellationToken cancellationToken)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var bus = new MobilityBus(time);
        var hub = new SignallingHub();
        using var dataPlane = bus.Subscribe("data_plane", MessageKinds.BindingCache);
        var entry = new BindingCacheEntry(Topology.Home, Topology.CareOf, Topology.HomeAgent,
            BindingUpdateFlags.Acknowledge | BindingUpdateFlags.HomeRegistration, TimeSpan.FromSeconds(90), 4242, EquatableArray<Prefix>.Empty);
        var restored = new RestoredState([entry], [], time.GetUtcNow());
        await using var module = new HomeAgentModule(null, null, restored);
        await module.StartAsync(new ModuleContext(module.Name, HomeAgentProfile(), bus, new RecordingSender(), hub, time, NullLoggerFactory.Instance), cancellationToken);

        Assert.That((await dataPlane.Reader.ReadAsync(cancellationToken)).Message, Is.EqualTo(new BindingCacheAdd(entry)));
        var binding = module.GetSnapshot().Bindings.Single();
        Assert.Multiple(() =>
        {
            Assert.That(binding.Sequence, Is.EqualTo(4242));
            Assert.That(binding.LifetimeRemaining, Is.EqualTo(TimeSpan.FromSeconds(90)));
        });

        time.Advance(TimeSpan.FromSeconds(90));
        Assert.That((await dataPlane.Reader.ReadAsync(cancellationToken)).Message, Is.EqualTo(new BindingCacheRemove(entry)));
        await module.StopAsync(cancellationToken);
    }

    [Test]
    public async Task The_catalog_entry_and_AddHomeAgent_give_a_host_that_runs_the_module()
    {
        var catalog = HomeAgentModule.Register(new ModuleCatalog());
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(new FakeTimeProvider())
            .AddSingleton<IPacketSender>(new RecordingSender())
            .AddShisaModules(HomeAgentProfile(), catalog);
        using var provider = new MiniServiceProvider(services);

        var host = provider.GetRequiredService<ModuleHost>();
        Assert.That(host.StartOrder.Single(), Is.InstanceOf<HomeAgentModule>());
        await host.StartAsync(CancellationToken.None);
        Assert.That(host.GetStatus().Single().State, Is.EqualTo(ModuleState.Running));
        await host.StopAsync(CancellationToken.None);
        Assert.That(host.GetStatus().Single().State, Is.EqualTo(ModuleState.Stopped));
    }

    [Test]
    public async Task A_profile_without_a_home_agent_section_fails_the_start()
    {
        var module = new HomeAgentModule();
        var profile = HomeAgentProfile() with { HomeAgent = null };
        using var bus = new MobilityBus();
        var context = new ModuleContext(module.Name, profile, bus, new RecordingSender(), new SignallingHub(), TimeProvider.System, NullLoggerFactory.Instance);

        Assert.That(async () => await module.StartAsync(context, CancellationToken.None), Throws.InvalidOperationException.With.Message.Contains("[home_agent]"));
        await Task.CompletedTask;
    }
}
