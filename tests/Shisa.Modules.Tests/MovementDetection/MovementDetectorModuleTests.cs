using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;
using Shisa.Modules.MobileNode;
using Shisa.Modules.MovementDetection;
using Shisa.Modules.Tests.MobileNode;

namespace Shisa.Modules.Tests.MovementDetection;

public class MovementDetectorModuleTests
{
    private static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");

    private sealed class FakeWatcher : INetworkWatcher
    {
        private Action<NetworkSnapshot>? _changed;

        public string Kind => "fake";

        public void Start(Action<NetworkSnapshot> changed) => _changed = changed;

        public void Push(NetworkSnapshot snapshot) => _changed!(snapshot);

        public void Dispose()
        {
        }
    }

    private static Profile Profile() => new(
        new NodeSection("mn", new EquatableArray<Role>([Role.MobileNode, Role.MovementDetector])),
        new StatusSection(null),
        EquatableArray<InterfaceSection>.Empty,
        HomeAgent: null,
        MobileNode: new MobileNodeSection(Home, 64, HomeAgent, new EquatableArray<string>(["mn0"]), TimeSpan.FromSeconds(120), false, null, EquatableArray<byte>.Empty),
        MobileRouter: null,
        Correspondent: null,
        MovementDetector: MovementDetectorSection.Default,
        Plugins: null);

    private static NetworkSnapshot Attached(IPAddress address, AddressFlags flags = AddressFlags.None) =>
        new([new LinkState(5, "mn0", true)], [new InterfaceAddress(5, address, 64, flags, AddressScope.Universe)]);

    [Test]
    public void It_provides_the_movement_detector_role_and_registers_in_a_catalog()
    {
        var catalog = MovementDetectorModule.Register(new ModuleCatalog());
        Assert.That(catalog.TryGetProvider(Role.MovementDetector, out var entry), Is.True);
        Assert.That(new MovementDetectorModule().Provides, Is.EqualTo(new[] { Role.MovementDetector }));
        Assert.That(new ServiceCollection().AddMovementDetector().Single().ImplementationType, Is.EqualTo(typeof(MovementDetectorModule)));
        _ = entry;
    }

    [Test]
    public async Task Address_changes_become_movement_on_the_bus()
    {
        var time = new FakeTimeProvider();
        using var bus = new MobilityBus(time);
        using var movements = bus.Subscribe("test", MessageKinds.MovementInfo);
        var watcher = new FakeWatcher();
        var module = new MovementDetectorModule(_ => watcher);
        await module.StartAsync(new ModuleContext(MovementDetectorModule.ModuleName, Profile(), bus, new RecordingSender(), new SignallingHub(), time, NullLoggerFactory.Instance), CancellationToken.None);

        watcher.Push(Attached(CareOf, AddressFlags.Tentative | AddressFlags.Optimistic));
        watcher.Push(Attached(IPAddress.Parse("2001:db8:1::ff:fe00:10")));
        watcher.Push(NetworkSnapshot.Empty);

        Assert.That(movements.Reader.TryRead(out var first), Is.True);
        Assert.That(first.Message, Is.EqualTo(new MovementInfo(MovementCommand.NewCareOfAddress, CareOf, "mn0", 5, false)));
        Assert.That(first.Origin, Is.EqualTo("movement_detector"));
        Assert.That(movements.Reader.TryRead(out var second), Is.True);
        Assert.That(((MovementInfo)second.Message).Command, Is.EqualTo(MovementCommand.ReturnedHome));
        Assert.That(movements.Reader.TryRead(out var third), Is.True);
        Assert.That(third.Message, Is.EqualTo(new MovementInfo(MovementCommand.Scan, null, "mn0", 5, true)), "the home link is gone: only look again");
        Assert.That(movements.Reader.TryRead(out _), Is.False, "leaving home with nowhere to go says nothing more");
        await module.StopAsync(CancellationToken.None);
    }

    [Test]
    public async Task Detector_and_mobile_node_together_register_a_new_care_of_address()
    {
        var time = new FakeTimeProvider();
        using var bus = new MobilityBus(time);
        using var bul = bus.Subscribe("test", MessageKinds.BindingUpdateList);
        var hub = new SignallingHub();
        var sender = new RecordingSender();
        var watcher = new FakeWatcher();
        var detector = new MovementDetectorModule(_ => watcher);
        var mobileNode = new MobileNodeModule(initialSequence: 41);
        await detector.StartAsync(new ModuleContext(MovementDetectorModule.ModuleName, Profile(), bus, sender, hub, time, NullLoggerFactory.Instance), CancellationToken.None);
        await mobileNode.StartAsync(new ModuleContext(MobileNodeModule.ModuleName, Profile(), bus, sender, hub, time, NullLoggerFactory.Instance), CancellationToken.None);

        watcher.Push(Attached(CareOf));
        var bu = MobileNodeTestPackets.ReadMh(await sender.NextAsync());
        Assert.That(bu.Source, Is.EqualTo(CareOf));
        hub.Deliver(MobileNodeTestPackets.Signalling(MobileNodeTestPackets.Ba(42, Shisa.DataPlane.Wire.Mobility.BindingAcknowledgementStatus.Accepted, 30), SignallingKinds.MobilityHeader));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var add = (BindingUpdateListAdd)(await bul.Reader.ReadAsync(timeout.Token)).Message;
        Assert.That(add.Entry.CareOfAddress, Is.EqualTo(CareOf));
        Assert.That(mobileNode.GetStatus().Handovers.Single().InterfaceName, Is.EqualTo("mn0"));
    }

    private sealed class FakeLink : INeighborDiscoveryLink
    {
        public List<string> Sent { get; } = [];

        public Action<IPAddress, Shisa.DataPlane.Wire.Icmp.RouterAdvertisement, DateTimeOffset?>? Advertised { get; private set; }

        public void Start(Action<IPAddress, Shisa.DataPlane.Wire.Icmp.RouterAdvertisement, DateTimeOffset?> routerAdvertisement, Action<IPAddress, bool, DateTimeOffset?> neighborAdvertisement) =>
            Advertised = routerAdvertisement;

        public bool TrySendRouterSolicitation()
        {
            Sent.Add("RS");
            return true;
        }

        public bool TrySendNeighborSolicitation(IPAddress target)
        {
            Sent.Add("NS " + target);
            return true;
        }

        public void Dispose()
        {
        }
    }

    [Test]
    public async Task An_advertisement_read_after_the_address_it_made_was_reported_still_gives_the_move_its_answer_at_the_kernels_receive_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        using var bus = new MobilityBus(time);
        var watcher = new FakeWatcher();
        var link = new FakeLink();
        var module = new MovementDetectorModule(_ => watcher, _ => link);
        var profile = Profile() with { MovementDetector = new MovementDetectorSection(new EquatableArray<MovementDetectionMethod>([MovementDetectionMethod.Ra])) };
        await module.StartAsync(new ModuleContext(MovementDetectorModule.ModuleName, profile, bus, new RecordingSender(), new SignallingHub(), time, NullLoggerFactory.Instance), CancellationToken.None);
        var linkUp = time.GetUtcNow();
        watcher.Push(new NetworkSnapshot([new LinkState(5, "mn0", true)], []));
        time.Advance(TimeSpan.FromMilliseconds(3));
        watcher.Push(Attached(CareOf)); // the kernel made the address from the RA before the detector's thread read that RA
        time.Advance(TimeSpan.FromMilliseconds(2));
        link.Advertised!(IPAddress.Parse("fe80::1"), new Shisa.DataPlane.Wire.Icmp.RouterAdvertisement(TimeSpan.FromSeconds(9), TimeSpan.Zero, TimeSpan.FromSeconds(1),
            [new Shisa.DataPlane.Wire.Icmp.PrefixInformation(64, true, true, false, 120, 30, IPAddress.Parse("2001:db8:a1::"))]), linkUp.AddMilliseconds(1));

        var detection = module.GetDetections().Single();
        Assert.That(detection.AnsweredBy, Is.EqualTo("RA"));
        Assert.That(detection.AnsweredAt, Is.EqualTo(linkUp.AddMilliseconds(1)), "when the kernel received it, before the report");
        Assert.That(detection.ReportedAt, Is.EqualTo(linkUp.AddMilliseconds(3)));
    }

    [Test]
    public async Task With_ra_the_detector_solicits_on_link_up_and_a_router_silent_past_its_interval_moves_the_node()
    {
        var time = new FakeTimeProvider();
        using var bus = new MobilityBus(time);
        using var movements = bus.Subscribe("test", MessageKinds.MovementInfo);
        var watcher = new FakeWatcher();
        var link = new FakeLink();
        var module = new MovementDetectorModule(_ => watcher, _ => link);
        var profile = Profile() with { MovementDetector = new MovementDetectorSection(new EquatableArray<MovementDetectionMethod>([MovementDetectionMethod.Ra])) };
        await module.StartAsync(new ModuleContext(MovementDetectorModule.ModuleName, profile, bus, new RecordingSender(), new SignallingHub(), time, NullLoggerFactory.Instance), CancellationToken.None);

        watcher.Push(new NetworkSnapshot([new LinkState(5, "mn0", true)], []));
        Assert.That(link.Sent, Is.EqualTo(new[] { "RS" }), "at once on link-up");
        var prefix = new Prefix(IPAddress.Parse("2001:db8:a1::"), 64);
        link.Advertised!(IPAddress.Parse("fe80::1"), new Shisa.DataPlane.Wire.Icmp.RouterAdvertisement(TimeSpan.FromSeconds(9), TimeSpan.Zero, TimeSpan.FromSeconds(1),
            [new Shisa.DataPlane.Wire.Icmp.PrefixInformation(64, true, true, false, 120, 30, prefix.Network!)]), null);
        watcher.Push(Attached(CareOf));
        Assert.That(movements.Reader.TryRead(out var moved) && ((MovementInfo)moved.Message).Command == MovementCommand.NewCareOfAddress, Is.True);

        time.Advance(TimeSpan.FromSeconds(1.1)); // the advertised interval passes in silence, the carrier still up
        Assert.That(movements.Reader.TryRead(out var scan), Is.True);
        Assert.That(scan.Message, Is.EqualTo(new MovementInfo(MovementCommand.Scan, null, "mn0", 5, false)), "what the lost router taught the kernel goes");
        Assert.That(movements.Reader.TryRead(out var removed), Is.True);
        Assert.That(removed.Message, Is.EqualTo(new MovementInfo(MovementCommand.CareOfAddressRemoved, CareOf, "mn0", 5, false)), "its address is not chosen again");
        Assert.That(link.Sent, Is.EqualTo(new[] { "RS", "RS" }), "and the next router is asked at once");
        Assert.That(module.GetDetections().Single().Address, Is.EqualTo(CareOf));
        await module.StopAsync(CancellationToken.None);
    }
}
