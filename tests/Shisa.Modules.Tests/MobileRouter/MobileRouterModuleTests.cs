using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;
using Shisa.Modules.MobileNode;
using Shisa.Modules.MobileRouter;
using Shisa.Modules.Tests.Hosting;
using Shisa.Modules.Tests.MobileNode;
using static Shisa.Modules.Tests.MobileNode.HomeRegistrationTests;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;

namespace Shisa.Modules.Tests.MobileRouter;

/// <summary>The mobile node and the mobile router run by a <see cref="ModuleHost"/>, fed through the bus and a signalling hub.</summary>
public sealed class MobileRouterModuleTests
{
    // tests/Shisa.DataPlane.Tests/TestData/vectors: mh_bu.json "bu_nemo_explicit" (seq 1002, A H R, lifetime 30,
    // MNP 2001:db8:1:100::/56) and "bu_nemo_implicit" (seq 1003, A H R, no option), CoA -> HA with a HAO.
    private const string BuNemoExplicit = "6000000000383c4020010db800a10000000000fffe00001020010db8000100000000000000000001870201020000c91020010db80001000000000000000001003b03050065d303eac400001e0612003820010db8000101000000000000000000";
    private const string BuNemoImplicit = "6000000000283c4020010db800a10000000000fffe00001020010db8000100000000000000000001870201020000c91020010db80001000000000000000001003b01050099e603ebc400001e01020000";

    // mh_ba.json "ba_nemo_accepted" (status 0, R, seq 1002, lifetime 30) and "ba_nemo_not_authorized" (142, seq 1002).
    private const string BaNemoAccepted = "6000000000282b4020010db800010000000000000000000120010db800a10000000000fffe000010870202010000000020010db80001000000000000000001003b0106005ca8004003ea001e01020000";
    private const string BaNemoNotAuthorized = "6000000000282b4020010db800010000000000000000000120010db800a10000000000fffe000010870202010000000020010db80001000000000000000001003b010600cf058e0003ea000001020000";

    // icmpv6_dhaad.json "haad_request_mr": identifier 4661, R, CoA -> the home agents' anycast address.
    private const string HaadRequestMr = "6000000000083a4020010db800a10000000000fffe00001020010db800010000fdfffffffffffffe9000846412358000";

    private static readonly Prefix MobileNetwork = MobileRouterRegistrationTests.MobileNetwork;
    private static readonly IPAddress NemoHomeAgent = MobileRouterRegistrationTests.NemoHomeAgent;

    private FakeTimeProvider _time = null!;
    private RecordingSender _sender = null!;
    private SignallingHub _hub = null!;
    private MobilityBus _bus = null!;
    private MobilitySubscription _bul = null!;
    private MobileRouterModule _router = null!;
    private ModuleHost? _host;

    internal static Profile RouterProfile(MobileRouterMode mode, IPAddress? homeAgent, params Prefix[] prefixes) => new(
        new NodeSection("mr", new EquatableArray<Role>([Role.MobileNode, Role.MobileRouter])),
        new StatusSection(null),
        EquatableArray<InterfaceSection>.Empty,
        HomeAgent: null,
        MobileNode: new MobileNodeSection(Home, 64, homeAgent, new EquatableArray<string>(["eth0"]), TimeSpan.FromSeconds(120), false, null, EquatableArray<byte>.Empty),
        MobileRouter: new MobileRouterSection(new EquatableArray<Prefix>(prefixes), mode, new EquatableArray<string>(["eth1"])),
        Correspondent: null,
        MovementDetector: null,
        Plugins: null);

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _sender = new RecordingSender();
        _hub = new SignallingHub();
        _bus = new MobilityBus(_time);
        _bul = _bus.Subscribe("test", MessageKinds.BindingUpdateList);
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_host is not null)
        {
            // A bound mobile node waits up to 1.5 s of (fake) time for its deregistration's acknowledgement.
            var stopping = _host.StopAsync(CancellationToken.None);
            while (!stopping.IsCompleted)
            {
                _time.Advance(TimeSpan.FromMilliseconds(500));
                await Task.Yield();
            }

            await stopping;
            await _host.DisposeAsync();
        }

        _bul.Dispose();
        _bus.Dispose();
    }

    private async Task StartAsync(MobileRouterMode mode = MobileRouterMode.Explicit, ushort initialSequence = 1001, IPAddress? homeAgent = null)
    {
        _router = new MobileRouterModule();
        var node = new MobileNodeModule(initialSequence, _router);

        // Given the router first: the host still starts the mobile node first (the router requires its role).
        _host = new ModuleHost([_router, node], RouterProfile(mode, homeAgent ?? HomeAgentAddress, MobileNetwork), _bus, _sender, _hub, _time, NullLoggerFactory.Instance);
        Assert.That(_host.StartOrder.Select(m => m.Name), Is.EqualTo(new[] { "mobile_node", "mobile_router" }));
        await _host.StartAsync(CancellationToken.None);
    }

    private void Move(IPAddress careOf) =>
        _bus.Publish(new MovementInfo(MovementCommand.NewCareOfAddress, careOf, "eth0", 2, false), "movement_detector");

    private void Deliver(byte[] packet, SignallingKinds kind = SignallingKinds.MobilityHeader) =>
        Assert.That(_hub.Deliver(MobileNodeTestPackets.Signalling(packet, kind)), Is.EqualTo(1));

    private async Task<Shisa.DataPlane.Bus.MobilityMessage> NextBulAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return (await _bul.Reader.ReadAsync(timeout.Token)).Message;
    }

    private static byte[] Ba(ushort sequence, BindingAcknowledgementStatus status, ushort lifetimeUnits, BindingAcknowledgementFlags flags, IPAddress? from = null)
    {
        var ba = new BindingAcknowledgement(status, flags, sequence, lifetimeUnits);
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobilityPackets.TryWrite(ba, new Ipv6Envelope(from ?? HomeAgentAddress, CareOf, RoutingHomeAddress: Home), buffer, out int n), Is.True);
        return buffer[..n];
    }

    private static byte[] HaadReply(ushort identifier, IPAddress from, params IPAddress[] agents)
    {
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(Icmpv6PacketBuilder.TryWrite(buffer, new Ipv6Envelope(from, CareOf), new HomeAgentAddressDiscoveryReply(identifier, true, agents), out int n), Is.True);
        return buffer[..n];
    }

    private static bool IsMobilityHeader(byte[] packet) => Ipv6Packet.TryParse(packet, out var ip) && ip.UpperLayerProtocol == MobilityHeader.NextHeader;

    /// <summary>The next packet sent that is not a Mobile Prefix Solicitation (those follow a first binding).</summary>
    private async Task<byte[]> NextSignallingAsync()
    {
        while (true)
        {
            var packet = await _sender.NextAsync();
            if (IsMobilityHeader(packet) || !(Ipv6Packet.TryParse(packet, out var ip) && ip.UpperLayer.Length > 0 && ip.UpperLayer[0] == Icmpv6Type.MobilePrefixSolicitation))
            {
                return packet;
            }
        }
    }

    /// <summary>Waits (yielding, bounded by 10 s of real time) until the modules' loops have made <paramref name="condition"/> true.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        Assert.That(condition(), Is.True, "the condition did not come true within 10 s");
    }

    private static string Hex(byte[] packet) => Convert.ToHexString(packet).ToLowerInvariant();

    [Test]
    public void It_provides_the_mobile_router_role_requires_the_mobile_node_and_registers_in_a_catalog()
    {
        var module = new MobileRouterModule();
        Assert.That(module.Name, Is.EqualTo("mobile_router"));
        Assert.That(module.Provides, Is.EqualTo(new[] { Role.MobileRouter }));
        Assert.That(((IRoleModule)module).RequiredRoles, Is.EqualTo(new[] { Role.MobileNode }));
        Assert.That(MobileRouterModule.Register(new ModuleCatalog()).TryGetProvider(Role.MobileRouter, out _), Is.True);
    }

    [Test]
    public void The_built_in_registration_gives_the_mobile_node_the_router_as_its_extension()
    {
        var services = new ServiceCollection().AddShisaModules(RouterProfile(MobileRouterMode.Explicit, HomeAgentAddress, MobileNetwork));
        services.AddSingleton<Shisa.DataPlane.IPacketSender>(new RecordingSender());
        using var provider = new MiniServiceProvider(services);

        var modules = provider.GetServices<IRoleModule>().ToList();
        var router = modules.OfType<MobileRouterModule>().Single();
        Assert.That(provider.GetServices<IHomeRegistrationExtension>().Single(), Is.SameAs(router));
        Assert.That(modules.OfType<MobileNodeModule>().Single(), Is.Not.Null);
        Assert.That(provider.GetRequiredService<ModuleHost>().StartOrder.Select(m => m.Name), Is.EqualTo(new[] { "mobile_node", "mobile_router" }));
    }

    [Test]
    public async Task The_router_refuses_to_start_when_the_mobile_node_did_not_attach_it()
    {
        var host = new ModuleHost([new MobileNodeModule(), new MobileRouterModule()], RouterProfile(MobileRouterMode.Explicit, HomeAgentAddress, MobileNetwork),
            _bus, _sender, _hub, _time, NullLoggerFactory.Instance);
        await using (host)
        {
            var thrown = Assert.ThrowsAsync<ModuleStartException>(() => host.StartAsync(CancellationToken.None));
            Assert.That(thrown!.ModuleName, Is.EqualTo("mobile_router"));
            Assert.That(thrown.InnerException!.Message, Does.Contain("did not attach the mobile router"));
        }
    }

    [Test]
    public async Task Explicit_mode_sends_the_vector_bu_and_the_vector_ba_publishes_the_mobile_network()
    {
        await StartAsync();
        Move(CareOf);
        Assert.That(Hex(await _sender.NextAsync()), Is.EqualTo(BuNemoExplicit));

        Deliver(Convert.FromHexString(BaNemoAccepted));
        var add = (BindingUpdateListAdd)await NextBulAsync();
        Assert.That(add.Entry, Is.EqualTo(new BindingUpdateListEntry(HomeAgentAddress, Home, CareOf,
            BusFlags.Acknowledge | BusFlags.HomeRegistration | BusFlags.MobileRouter, TimeSpan.FromSeconds(120), 1002, BindingUpdateListState.Bound,
            new EquatableArray<Prefix>([MobileNetwork]))));

        var status = _router.GetStatus();
        Assert.Multiple(() =>
        {
            Assert.That(status.State, Is.EqualTo(MobileRouterState.Registered));
            Assert.That(status.Mode, Is.EqualTo(MobileRouterMode.Explicit));
            Assert.That(status.RegisteredPrefixes, Is.EqualTo(new EquatableArray<Prefix>([MobileNetwork])));
            Assert.That(status.HomeAgent, Is.EqualTo(HomeAgentAddress));
            Assert.That(status.CareOfAddress, Is.EqualTo(CareOf));
            Assert.That(status.Counters.Registrations, Is.EqualTo(1));
            Assert.That(_router.GetCounters(), Does.Contain(new KeyValuePair<string, long>("mr_registrations", 1)));
        });
    }

    [Test]
    public async Task Implicit_mode_sends_the_vector_bu_without_prefixes_and_publishes_the_configured_ones()
    {
        await StartAsync(MobileRouterMode.Implicit, initialSequence: 1002);
        Move(CareOf);
        Assert.That(Hex(await _sender.NextAsync()), Is.EqualTo(BuNemoImplicit));

        Deliver(Ba(1003, BindingAcknowledgementStatus.Accepted, 30, BindingAcknowledgementFlags.R));
        var add = (BindingUpdateListAdd)await NextBulAsync();
        Assert.That(add.Entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([MobileNetwork])), "the home agent's table decides; the router tunnels its own");
        Assert.That(_router.GetStatus().Mode, Is.EqualTo(MobileRouterMode.Implicit));
    }

    [Test]
    public async Task The_vector_142_publishes_nothing_and_is_counted()
    {
        await StartAsync();
        Move(CareOf);
        await _sender.NextAsync();

        Deliver(Convert.FromHexString(BaNemoNotAuthorized));
        await WaitUntilAsync(() => _router.GetStatus().State == MobileRouterState.Refused);

        // The back-off's retransmission shows the refusal was handled; nothing reached the bus.
        _time.Advance(TimeSpan.FromSeconds(3));
        var retry = MobileNodeTestPackets.ReadMh(await _sender.NextAsync());
        Assert.That(((BindingUpdate)retry.Message).Sequence, Is.EqualTo(1003));
        Assert.That(_bul.Reader.Count, Is.Zero);

        var status = _router.GetStatus();
        Assert.That(status.State, Is.EqualTo(MobileRouterState.Refused));
        Assert.That(status.LastRefusal, Does.StartWith("142 not authorized for prefix"));
        Assert.That(status.RegisteredPrefixes, Is.Empty);
        Assert.That(_router.GetCounters(), Does.Contain(new KeyValuePair<string, long>("mr_refused_142", 1)));
        Assert.That(_router.GetCounters(), Does.Contain(new KeyValuePair<string, long>("mr_refused_140", 0)));
    }

    [Test]
    public async Task A_home_agent_without_nemo_is_left_for_one_found_with_dhaad_r()
    {
        // Initial sequence 4660: the first discovery's identifier is 4661, the vector's.
        await StartAsync(initialSequence: 4660);
        Move(CareOf);
        await _sender.NextAsync();

        // Accepted, but without R (an RFC 6275-only home agent).
        Deliver(Ba(4661, BindingAcknowledgementStatus.Accepted, 30, BindingAcknowledgementFlags.None));
        var dereg = MobileNodeTestPackets.ReadMh(await _sender.NextAsync());
        Assert.That(dereg.Destination, Is.EqualTo(HomeAgentAddress));
        Assert.That(dereg.Message, Is.EqualTo(new BindingUpdate(4662, Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.A | Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.H
            | Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.R, 0)));

        Deliver(Ba(4662, BindingAcknowledgementStatus.Accepted, 0, BindingAcknowledgementFlags.None));
        Assert.That(Hex(await _sender.NextAsync()), Is.EqualTo(HaadRequestMr));

        Deliver(HaadReply(4661, NemoHomeAgent, NemoHomeAgent), SignallingKinds.HomeAgentDiscovery);
        var bu = MobileNodeTestPackets.ReadMh(await _sender.NextAsync());
        Assert.That(bu.Destination, Is.EqualTo(NemoHomeAgent));
        Assert.That(((BindingUpdate)bu.Message).Options.Find<MobileNetworkPrefixOption>(), Is.EqualTo(new MobileNetworkPrefixOption(56, MobileNetwork.Network)));

        Deliver(Ba(4663, BindingAcknowledgementStatus.Accepted, 30, BindingAcknowledgementFlags.R, NemoHomeAgent));
        var add = (BindingUpdateListAdd)await NextBulAsync();
        Assert.That(add.Entry.Peer, Is.EqualTo(NemoHomeAgent));
        Assert.That(add.Entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([MobileNetwork])));

        var status = _router.GetStatus();
        Assert.That(status.HomeAgentsWithoutNemo, Is.EqualTo(new EquatableArray<IPAddress>([HomeAgentAddress])));
        Assert.That(status.State, Is.EqualTo(MobileRouterState.Registered));
        Assert.That(_router.GetCounters(), Does.Contain(new KeyValuePair<string, long>("mr_ha_without_nemo", 1)));
        Assert.That(_router.GetCounters(), Does.Contain(new KeyValuePair<string, long>("mr_dhaad_requests", 1)));
    }

    [Test]
    public async Task Stopping_the_host_deregisters_the_mobile_network_and_withdraws_it()
    {
        await StartAsync();
        Move(CareOf);
        await _sender.NextAsync();
        Deliver(Convert.FromHexString(BaNemoAccepted));
        Assert.That(await NextBulAsync(), Is.InstanceOf<BindingUpdateListAdd>());

        var stopping = _host!.StopAsync(CancellationToken.None);
        var dereg = MobileNodeTestPackets.ReadMh(await NextSignallingAsync());
        Assert.That(((BindingUpdate)dereg.Message).Lifetime, Is.EqualTo(TimeSpan.Zero));
        Assert.That(((BindingUpdate)dereg.Message).Flags & Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.R, Is.Not.EqualTo(Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.None));

        Deliver(Ba(((BindingUpdate)dereg.Message).Sequence, BindingAcknowledgementStatus.Accepted, 0, BindingAcknowledgementFlags.R));
        var remove = (BindingUpdateListRemove)await NextBulAsync();
        Assert.That(remove.Entry.MobileNetworkPrefixes, Is.EqualTo(new EquatableArray<Prefix>([MobileNetwork])));
        await stopping;
        Assert.That(_router.GetStatus().State, Is.EqualTo(MobileRouterState.Unregistered));
        Assert.That(_router.GetCounters(), Does.Contain(new KeyValuePair<string, long>("mr_withdrawals", 1)));
    }
}
