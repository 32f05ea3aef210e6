using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.State;
using Shisa.Modules.Configuration;
using Shisa.Modules.Correspondent;
using Shisa.Modules.Hosting;
using Shisa.Modules.Tests.Hosting;
using static Shisa.Modules.Tests.Correspondent.Vectors;

namespace Shisa.Modules.Tests.Correspondent;

public class CorrespondentModuleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static Profile CnProfile(bool routeOptimization = true, params Role[] more) => new(
        new NodeSection("cn", new EquatableArray<Role>([Role.CorrespondentNode, .. more])),
        new StatusSection(null),
        EquatableArray<InterfaceSection>.Empty,
        HomeAgent: null,
        MobileNode: null,
        MobileRouter: null,
        Correspondent: new CorrespondentSection(routeOptimization),
        MovementDetector: null,
        Plugins: null);

    [Test]
    public async Task An_event_that_fails_is_logged_and_counted_and_the_next_one_handled()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var bus = new MobilityBus(time);
        var hub = new SignallingHub();
        var sender = new RecordingSender { ThrowNext = 1 };
        var module = new CorrespondentModule();
        await module.StartAsync(new ModuleContext(CorrespondentModule.ModuleName, CnProfile(), bus, sender, hub, time, NullLoggerFactory.Instance), CancellationToken.None);
        try
        {
            module.Node!.Secrets.Install(HomeNonceIndex, Bytes(HomeNonce), Bytes(Kcn), time.GetUtcNow());
            hub.Deliver(Packet(HotiHex));
            hub.Deliver(Packet(HotiHex));

            Assert.That(Hex(await NextAsync(sender.Reader)), Is.EqualTo(HotHex), "the second HoTI is answered: the pump lives on");
            Assert.That(module.GetCounters().Single(c => c.Key == "cn_events_failed").Value, Is.EqualTo(1));
        }
        finally
        {
            await module.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public async Task The_whole_module_answers_through_the_hub_and_the_bus_and_acts_on_its_timer()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var bus = new MobilityBus(time);
        var hub = new SignallingHub();
        var sender = new RecordingSender();
        var context = new ModuleContext(CorrespondentModule.ModuleName, CnProfile(), bus, sender, hub, time, NullLoggerFactory.Instance);
        using var watch = bus.Subscribe("test", MessageKinds.BindingCache);
        var module = new CorrespondentModule();

        await module.StartAsync(context, CancellationToken.None);
        try
        {
            var secrets = module.Node!.Secrets;
            secrets.Install(HomeNonceIndex, Bytes(HomeNonce), Bytes(Kcn), time.GetUtcNow());
            hub.Deliver(Packet(HotiHex));
            Assert.That(Hex(await NextAsync(sender.Reader)), Is.EqualTo(HotHex));

            secrets.Install(CareOfNonceIndex, Bytes(CareOfNonce), Bytes(Kcn), time.GetUtcNow());
            hub.Deliver(Packet(CotiHex));
            Assert.That(Hex(await NextAsync(sender.Reader)), Is.EqualTo(CotHex));

            hub.Deliver(Packet(BuHex));
            var add = await NextAsync(watch.Reader);
            Assert.That(add.Message, Is.InstanceOf<BindingCacheAdd>());
            Assert.That(add.Origin, Is.EqualTo(CorrespondentModule.ModuleName));
            Assert.That(Hex(await NextAsync(sender.Reader)), Is.EqualTo(BaHex));

            bus.Publish(new BeHint(BindingErrorStatus.UnknownBindingForHomeAddressOption, CareOf, Cn, Home), "data_plane");
            Assert.That(Hex(await NextAsync(sender.Reader)), Is.EqualTo(BeUnknownBindingHex));

            time.Advance(TimeSpan.FromSeconds(360));
            Assert.That(Hex(await NextAsync(sender.Reader)), Is.EqualTo(BrrHex));

            time.Advance(TimeSpan.FromSeconds(40));
            var remove = await NextAsync(watch.Reader);
            Assert.That(remove.Message, Is.EqualTo(new BindingCacheRemove(((BindingCacheAdd)add.Message).Entry)));

            var snapshot = module.GetSnapshot()!;
            Assert.That(snapshot.Bindings, Is.Empty);
            Assert.That(snapshot.Counters.BindingsExpired, Is.EqualTo(1));
            Assert.That(snapshot.Counters.BindingRefreshRequestsSent, Is.EqualTo(1));
        }
        finally
        {
            await module.StopAsync(CancellationToken.None);
        }

        Assert.That(module.GetSnapshot(), Is.Null);
        Assert.That(hub.Subscriptions, Is.Empty, "unsubscribed");
    }

    [Test]
    public async Task Stopping_keeps_the_bindings_it_made()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var bus = new MobilityBus(time);
        var hub = new SignallingHub();
        var sender = new RecordingSender();
        var module = new CorrespondentModule();
        using var watch = bus.Subscribe("test", MessageKinds.BindingCache);
        await module.StartAsync(new ModuleContext(CorrespondentModule.ModuleName, CnProfile(), bus, sender, hub, time, NullLoggerFactory.Instance), CancellationToken.None);
        InstallBoth(module.Node!.Secrets, time.GetUtcNow());
        hub.Deliver(Packet(BuHex));
        Assert.That((await NextAsync(watch.Reader)).Message, Is.InstanceOf<BindingCacheAdd>());

        await module.StopAsync(CancellationToken.None);

        Assert.That(watch.Reader.TryRead(out var after), Is.False, $"no removal at the stop (DESIGN 5), got {after.Message}");
    }

    [Test]
    public async Task A_module_started_with_restored_bindings_announces_them_and_expires_them_on_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var bus = new MobilityBus(time);
        var hub = new SignallingHub();
        using var watch = bus.Subscribe("test", MessageKinds.BindingCache);
        var entry = new BindingCacheEntry(Home, CareOf, Cn, BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 0x1234, EquatableArray<Prefix>.Empty);
        var module = new CorrespondentModule(new CorrespondentOptions { RefreshRequestFraction = 0 }, new RestoredState([entry], [], time.GetUtcNow()));

        await module.StartAsync(new ModuleContext(CorrespondentModule.ModuleName, CnProfile(), bus, new RecordingSender(), hub, time, NullLoggerFactory.Instance), CancellationToken.None);
        try
        {
            Assert.That((await NextAsync(watch.Reader)).Message, Is.EqualTo(new BindingCacheAdd(entry)));
            Assert.That(module.GetSnapshot()!.Bindings.Single().Sequence, Is.EqualTo(0x1234));
            time.Advance(TimeSpan.FromSeconds(60));
            Assert.That((await NextAsync(watch.Reader)).Message, Is.EqualTo(new BindingCacheRemove(entry)));
        }
        finally
        {
            await module.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public async Task The_profile_can_refuse_route_optimization()
    {
        var time = new FakeTimeProvider();
        using var bus = new MobilityBus(time);
        var hub = new SignallingHub();
        var sender = new RecordingSender();
        var module = new CorrespondentModule();
        await module.StartAsync(new ModuleContext(CorrespondentModule.ModuleName, CnProfile(routeOptimization: false), bus, sender, hub, time, NullLoggerFactory.Instance), CancellationToken.None);
        try
        {
            hub.Deliver(Packet(BuHex));
            var ba = Read(await NextAsync(sender.Reader));
            Assert.That(((Shisa.DataPlane.Wire.Mobility.BindingAcknowledgement)ba.Message).Status, Is.EqualTo(Shisa.DataPlane.Wire.Mobility.BindingAcknowledgementStatus.AdministrativelyProhibited));
            Assert.That(module.GetSnapshot()!.RouteOptimization, Is.False);
        }
        finally
        {
            await module.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public void A_failed_start_leaves_no_subscription_behind()
    {
        var time = new FakeTimeProvider();
        var bus = new MobilityBus(time);
        bus.Dispose();
        var hub = new SignallingHub();
        var module = new CorrespondentModule();

        Assert.That(
            () => module.StartAsync(new ModuleContext(CorrespondentModule.ModuleName, CnProfile(), bus, new RecordingSender(), hub, time, NullLoggerFactory.Instance), CancellationToken.None),
            Throws.TypeOf<ObjectDisposedException>());
        Assert.That(hub.Subscriptions, Is.Empty);
        Assert.That(module.GetSnapshot(), Is.Null);
    }

    [Test]
    public async Task An_exception_while_handling_one_packet_does_not_stop_the_next()
    {
        var time = new FakeTimeProvider();
        using var bus = new MobilityBus(time);
        var hub = new SignallingHub();
        var sender = new ThrowOnceSender();
        var module = new CorrespondentModule();
        await module.StartAsync(new ModuleContext(CorrespondentModule.ModuleName, CnProfile(), bus, sender, hub, time, NullLoggerFactory.Instance), CancellationToken.None);
        try
        {
            hub.Deliver(Packet(CotiHex));
            hub.Deliver(Packet(CotiHex));
            Assert.That(Read(await NextAsync(sender.Inner.Reader)).Message, Is.InstanceOf<Shisa.DataPlane.Wire.Mobility.CareOfTest>());
        }
        finally
        {
            await module.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public void Options_from_a_profile_with_a_home_agent_leave_home_registrations_and_binding_errors_to_it()
    {
        var alone = CorrespondentOptions.FromProfile(CnProfile());
        var withHomeAgent = CorrespondentOptions.FromProfile(CnProfile(true, Role.HomeAgent));

        Assert.That((alone.RefuseHomeRegistrations, alone.AnswerUnrecognizedTypes), Is.EqualTo((true, true)));
        Assert.That((withHomeAgent.RefuseHomeRegistrations, withHomeAgent.AnswerUnrecognizedTypes), Is.EqualTo((false, false)));
    }

    [Test]
    public async Task Register_and_AddCorrespondent_let_the_host_run_the_role()
    {
        var catalog = CorrespondentModule.Register(new ModuleCatalog());
        var time = new FakeTimeProvider();
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(time)
            .AddSingleton<IPacketSender>(new RecordingSender())
            .AddShisaModules(CnProfile(), catalog);
        using var provider = new MiniServiceProvider(services);
        var host = provider.GetRequiredService<ModuleHost>();

        await host.StartAsync(CancellationToken.None);
        var status = host.GetStatus().Single();
        await host.StopAsync(CancellationToken.None);

        Assert.That(status.Name, Is.EqualTo("correspondent_node"));
        Assert.That(status.State, Is.EqualTo(ModuleState.Running));
        Assert.That(catalog.TryGetProvider(Role.CorrespondentNode, out _), Is.True);
    }

    private static async Task<T> NextAsync<T>(ChannelReader<T> reader)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await reader.ReadAsync(timeout.Token);
    }

    private sealed class ThrowOnceSender : IPacketSender
    {
        private int _calls;

        public RecordingSender Inner { get; } = new();

        public bool TrySend(ReadOnlySpan<byte> ipv6Packet) =>
            Interlocked.Increment(ref _calls) == 1 ? throw new InvalidOperationException("boom") : Inner.TrySend(ipv6Packet);
    }
}
