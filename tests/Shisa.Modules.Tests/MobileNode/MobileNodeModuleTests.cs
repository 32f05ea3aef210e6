using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.State;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;
using Shisa.Modules.MobileNode;
using static Shisa.Modules.Tests.MobileNode.HomeRegistrationTests;

namespace Shisa.Modules.Tests.MobileNode;

public sealed class MobileNodeModuleTests
{
    // mh_ba.json "ba_accepted": status 0, seq 1000, lifetime 30, HA -> CoA with RH2 = HoA.
    private const string BaAccepted = "6000000000282b4020010db800010000000000000000000120010db800a10000000000fffe000010870202010000000020010db80001000000000000000001003b0106005cea000003e8001e01020000";

    private static readonly MnHaCredentials Credentials = new(256, Convert.FromHexString("00112233445566778899aabbccddeeff"));

    private FakeTimeProvider _time = null!;
    private RecordingSender _sender = null!;
    private SignallingHub _hub = null!;
    private MobilityBus _bus = null!;
    private MobilitySubscription _bul = null!;
    private MobileNodeModule _module = null!;

    private static Profile MobileNodeProfile(IPAddress? homeAgent, MnHaCredentials? credentials = null) => new(
        new NodeSection("mn", new EquatableArray<Role>([Role.MobileNode])),
        new StatusSection(null),
        EquatableArray<InterfaceSection>.Empty,
        HomeAgent: null,
        MobileNode: new MobileNodeSection(Home, 64, homeAgent, new EquatableArray<string>(["eth0"]), TimeSpan.FromSeconds(120), false,
            credentials?.Spi, credentials is null ? EquatableArray<byte>.Empty : new EquatableArray<byte>(credentials.Key.ToArray())),
        MobileRouter: null,
        Correspondent: null,
        MovementDetector: null,
        Plugins: null);

    private async Task StartAsync(IPAddress? homeAgent = null, bool discover = false, MnHaCredentials? credentials = null, ushort initialSequence = 999,
        RestoredState? restored = null)
    {
        _bul = _bus.Subscribe("test", MessageKinds.BindingUpdateList);
        _module = new MobileNodeModule(initialSequence, restored: restored);
        var context = new ModuleContext(MobileNodeModule.ModuleName, MobileNodeProfile(discover ? null : homeAgent ?? HomeAgentAddress, credentials),
            _bus, _sender, _hub, _time, NullLoggerFactory.Instance);
        await _module.StartAsync(context, CancellationToken.None);
    }

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _sender = new RecordingSender();
        _hub = new SignallingHub();
        _bus = new MobilityBus(_time);
    }

    [TearDown]
    public void TearDown()
    {
        _bul?.Dispose();
        _bus.Dispose();
    }

    private void Move(IPAddress careOf) =>
        _bus.Publish(new MovementInfo(MovementCommand.NewCareOfAddress, careOf, "eth0", 2, false), "movement_detector");

    private void Deliver(byte[] packet, SignallingKinds kind = SignallingKinds.MobilityHeader) =>
        Assert.That(_hub.Deliver(MobileNodeTestPackets.Signalling(packet, kind)), Is.EqualTo(1));

    private void Deliver(byte[] packet, string what) =>
        Assert.That(_hub.Deliver(MobileNodeTestPackets.Signalling(packet, SignallingKinds.MobilityHeader)), Is.EqualTo(1), what);

    private async Task<Shisa.DataPlane.Bus.MobilityMessage> NextBulAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return (await _bul.Reader.ReadAsync(timeout.Token)).Message;
    }

    /// <summary>The next Binding Update sent, skipping Mobile Prefix Solicitations.</summary>
    private async Task<BindingUpdate> NextBuAsync()
    {
        while (true)
        {
            var packet = await _sender.NextAsync();
            if (IsMobilityHeader(packet))
            {
                return (BindingUpdate)MobileNodeTestPackets.ReadMh(packet).Message;
            }
        }
    }

    private static bool IsMobilityHeader(byte[] packet) =>
        Shisa.DataPlane.Wire.Ipv6Packet.TryParse(packet, out var ip) && ip.UpperLayerProtocol == Shisa.DataPlane.Wire.Mobility.MobilityHeader.NextHeader;

    /// <summary>Takes what was sent so far; true when none of it was a Mobility Header message.</summary>
    private async Task<bool> NoBindingUpdateSentAsync()
    {
        bool none = true;
        while (!_sender.Drained)
        {
            none &= !IsMobilityHeader(await _sender.NextAsync());
        }

        return none;
    }

    private async Task BindAsync()
    {
        Move(CareOf);
        var bu = await NextBuAsync();
        Deliver(MobileNodeTestPackets.Ba(bu.Sequence, BindingAcknowledgementStatus.Accepted, 30));
        Assert.That(await NextBulAsync(), Is.InstanceOf<BindingUpdateListAdd>());
        await _sender.NextAsync(); // the Mobile Prefix Solicitation that follows the first binding
    }

    [Test]
    public void It_provides_the_mobile_node_role_and_registers_in_a_catalog()
    {
        var module = new MobileNodeModule();
        Assert.That(module.Name, Is.EqualTo("mobile_node"));
        Assert.That(module.Provides, Is.EqualTo(new[] { Role.MobileNode }));

        var catalog = MobileNodeModule.Register(new ModuleCatalog());
        Assert.That(catalog.TryGetProvider(Role.MobileNode, out var entry), Is.True);
        var services = new ServiceCollection();
        entry!.Register(services, MobileNodeProfile(HomeAgentAddress));
        Assert.That(services.Single().ImplementationType, Is.EqualTo(typeof(MobileNodeModule)));
        Assert.That(new ServiceCollection().AddMobileNode().Single().ServiceType, Is.EqualTo(typeof(IRoleModule)));
    }

    [Test]
    public async Task A_home_registration_restored_after_a_crash_keeps_the_tunnel_and_is_refreshed_at_once()
    {
        var entry = new BindingUpdateListEntry(HomeAgentAddress, Home, CareOf,
            Shisa.DataPlane.Bus.BindingUpdateFlags.Acknowledge | Shisa.DataPlane.Bus.BindingUpdateFlags.HomeRegistration,
            TimeSpan.FromSeconds(100), 3000, BindingUpdateListState.Bound);
        await StartAsync(restored: new RestoredState([], [entry], _time.GetUtcNow()));

        Assert.That(await NextBulAsync(), Is.EqualTo(new BindingUpdateListAdd(entry)), "published at start: the data plane keeps the tunnel");
        var refresh = await NextBuAsync();
        Assert.That(refresh, Is.EqualTo(new BindingUpdate(3001, Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.A | Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.H, 30)));
        Assert.That(_module.GetStatus().State, Is.EqualTo("WAITAR"));

        Deliver(MobileNodeTestPackets.Ba(3001, BindingAcknowledgementStatus.Accepted, 30));
        var add = (BindingUpdateListAdd)await NextBulAsync();
        Assert.Multiple(() =>
        {
            Assert.That(add.Entry.Sequence, Is.EqualTo(3001));
            Assert.That(_module.GetStatus().State, Is.EqualTo("BOUND"));
        });
    }

    [Test]
    public async Task Movement_on_the_bus_sends_a_bu_and_the_acknowledgement_publishes_the_binding()
    {
        await StartAsync();
        Move(CareOf);
        var packet = await _sender.NextAsync();
        var received = MobileNodeTestPackets.ReadMh(packet);
        Assert.Multiple(() =>
        {
            Assert.That(received.Source, Is.EqualTo(CareOf));
            Assert.That(received.Destination, Is.EqualTo(HomeAgentAddress));
            Assert.That(received.HomeAddress, Is.EqualTo(Home));
            Assert.That(received.Message, Is.EqualTo(new BindingUpdate(1000, Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.A | Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags.H, 30)));
        });

        _time.Advance(TimeSpan.FromMilliseconds(300));
        Deliver(Convert.FromHexString(BaAccepted));
        var add = (BindingUpdateListAdd)await NextBulAsync();
        Assert.That(add.Entry, Is.EqualTo(new BindingUpdateListEntry(HomeAgentAddress, Home, CareOf,
            Shisa.DataPlane.Bus.BindingUpdateFlags.Acknowledge | Shisa.DataPlane.Bus.BindingUpdateFlags.HomeRegistration,
            TimeSpan.FromSeconds(120), 1000, BindingUpdateListState.Bound)));

        var status = _module.GetStatus();
        Assert.Multiple(() =>
        {
            Assert.That(status.State, Is.EqualTo("BOUND"));
            Assert.That(status.CareOfAddress, Is.EqualTo(CareOf));
            Assert.That(status.LifetimeRemaining, Is.EqualTo(TimeSpan.FromSeconds(120)));
            Assert.That(status.Counters.BindingUpdatesSent, Is.EqualTo(1));
            Assert.That(status.Counters.Handovers, Is.EqualTo(1));
            Assert.That(status.Counters.BindingAcknowledgementsByStatus.Single(), Is.EqualTo(new KeyValuePair<string, long>("0 Accepted", 1)));
            var handover = status.Handovers.Single();
            Assert.That(handover.CareOfAddress, Is.EqualTo(CareOf));
            Assert.That(handover.PreviousCareOfAddress, Is.Null);
            Assert.That(handover.Duration, Is.EqualTo(TimeSpan.FromMilliseconds(300)));
        });

        // RFC 6275 11.4.2: the first binding is followed by a Mobile Prefix Solicitation from the CoA with a HAO.
        var mps = await _sender.NextAsync();
        Assert.That(mps[6], Is.EqualTo(60), "a Destination Options header (HAO) follows the IPv6 header");
        Assert.That(mps[^8], Is.EqualTo(146));
    }

    [Test]
    public async Task An_event_that_fails_is_logged_and_counted_and_the_loops_go_on_with_the_next()
    {
        await StartAsync();
        _sender.ThrowNext = 1;
        Move(CareOf);
        while (_module.GetCounters().Single(c => c.Key == "mn_events_failed").Value == 0)
        {
            await Task.Delay(10);
        }

        // The bus loop is still there: the next movement sends its BU; the signalling loop too: its BA binds.
        Move(CareOf2);
        var bu = await NextBuAsync();
        Deliver(MobileNodeTestPackets.Ba(bu.Sequence, BindingAcknowledgementStatus.Accepted, 30, to: CareOf2));
        Assert.That(await NextBulAsync(), Is.InstanceOf<BindingUpdateListAdd>());
        Assert.That(_module.GetStatus().State, Is.EqualTo("BOUND"));
        Assert.That(_module.GetCounters().Single(c => c.Key == "mn_events_failed").Value, Is.EqualTo(1));
    }

    [Test]
    public async Task Retransmissions_leave_at_1_5_4_5_10_5_22_5_46_5_and_then_every_32_seconds()
    {
        await StartAsync();
        var start = _time.GetUtcNow();
        Move(CareOf);
        var sequences = new List<ushort> { (await NextBuAsync()).Sequence };
        var times = new List<double> { (_time.GetUtcNow() - start).TotalSeconds };
        for (int step = 0; step < 1120; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            while (!_sender.Drained)
            {
                sequences.Add((await NextBuAsync()).Sequence);
                times.Add(Math.Round((_time.GetUtcNow() - start).TotalSeconds, 1));
            }
        }

        Assert.That(times, Is.EqualTo(new[] { 0, 1.5, 4.5, 10.5, 22.5, 46.5, 78.5, 110.5 }));
        Assert.That(sequences, Is.EqualTo(Enumerable.Range(1000, 8).Select(i => (ushort)i)));
        Assert.That(_module.GetStatus().Counters.Retransmissions, Is.EqualTo(7));
        Assert.That(_bul.Reader.Count, Is.Zero, "nothing is published before an acknowledgement");
    }

    [Test]
    public async Task The_refresh_goes_out_at_80_percent_of_the_lifetime()
    {
        await StartAsync();
        await BindAsync();
        _time.Advance(TimeSpan.FromSeconds(95.9));
        Assert.That(await NoBindingUpdateSentAsync(), Is.True);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        var refresh = await NextBuAsync();
        Assert.That(refresh.Sequence, Is.EqualTo(1001));
        Deliver(MobileNodeTestPackets.Ba(1001, BindingAcknowledgementStatus.Accepted, 30));
        Assert.That(((BindingUpdateListAdd)await NextBulAsync()).Entry.Sequence, Is.EqualTo(1001));
    }

    [Test]
    public async Task A_binding_refresh_request_from_the_home_agent_is_answered_with_a_refresh()
    {
        await StartAsync();
        await BindAsync();
        Deliver(MobileNodeTestPackets.Brr(HomeAgentAddress, CareOf));
        Assert.That((await NextBuAsync()).Sequence, Is.EqualTo(1001));
    }

    [Test]
    public async Task An_acknowledgement_from_elsewhere_is_ignored_and_counted()
    {
        await StartAsync();
        Move(CareOf);
        var bu = await NextBuAsync();
        Deliver(MobileNodeTestPackets.Ba(bu.Sequence, BindingAcknowledgementStatus.Accepted, 30, from: Stranger));
        Deliver(MobileNodeTestPackets.Ba((ushort)(bu.Sequence + 5), BindingAcknowledgementStatus.Accepted, 30));
        Deliver(MobileNodeTestPackets.Ba(bu.Sequence, BindingAcknowledgementStatus.Accepted, 30));
        Assert.That(await NextBulAsync(), Is.InstanceOf<BindingUpdateListAdd>());
        Assert.That(_module.GetStatus().Counters.AcknowledgementsIgnored, Is.EqualTo(2));
    }

    [Test]
    public async Task Returning_home_withdraws_the_binding_and_deregisters_from_the_home_address()
    {
        await StartAsync();
        await BindAsync();
        _bus.Publish(new HomeHint("eth0", 2, new Prefix(IPAddress.Parse("2001:db8:1::"), 64)));
        Assert.That(await NextBulAsync(), Is.InstanceOf<BindingUpdateListRemove>());
        var dereg = MobileNodeTestPackets.ReadMh(await _sender.NextAsync());
        Assert.Multiple(() =>
        {
            Assert.That(dereg.Source, Is.EqualTo(Home));
            Assert.That(dereg.HomeAddress, Is.Null);
            Assert.That(((BindingUpdate)dereg.Message).LifetimeUnits, Is.Zero);
        });

        Deliver(MobileNodeTestPackets.Ba(((BindingUpdate)dereg.Message).Sequence, BindingAcknowledgementStatus.Accepted, 0, atHome: true));
        await WaitForStateAsync("IDLE");
    }

    [Test]
    public async Task A_clean_stop_deregisters_and_withdraws_the_binding_on_the_acknowledgement()
    {
        await StartAsync();
        await BindAsync();
        var stop = _module.StopAsync(CancellationToken.None);
        var dereg = MobileNodeTestPackets.ReadMh(await _sender.NextAsync());
        Assert.That(dereg.Source, Is.EqualTo(CareOf));
        Assert.That(dereg.HomeAddress, Is.EqualTo(Home));
        Assert.That(((BindingUpdate)dereg.Message).LifetimeUnits, Is.Zero);
        Assert.That(stop.IsCompleted, Is.False, "waits for the acknowledgement");

        Deliver(MobileNodeTestPackets.Ba(((BindingUpdate)dereg.Message).Sequence, BindingAcknowledgementStatus.Accepted, 0));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(await NextBulAsync(), Is.InstanceOf<BindingUpdateListRemove>());
    }

    [Test]
    public async Task A_stop_without_an_acknowledgement_gives_up_after_a_second_and_a_half()
    {
        await StartAsync();
        await BindAsync();
        var stop = _module.StopAsync(CancellationToken.None);
        await _sender.NextAsync();
        _time.Advance(TimeSpan.FromSeconds(1.4));
        Assert.That(stop.IsCompleted, Is.False);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(await NextBulAsync(), Is.InstanceOf<BindingUpdateListRemove>());
    }

    [Test]
    public async Task With_a_key_the_bu_is_signed_and_only_signed_acknowledgements_count()
    {
        await StartAsync(credentials: Credentials);
        Move(CareOf);
        var received = MobileNodeTestPackets.ReadMh(await _sender.NextAsync());
        Assert.That(MnHaAuthentication.Verify(received.MobilityHeader.Span, Credentials.Spi, Credentials.Key.Span, CareOf.GetAddressBytes(), Home.GetAddressBytes()), Is.True);

        ushort sequence = ((BindingUpdate)received.Message).Sequence;
        ulong timestamp = received.Message.Options.Find<MobilityMessageReplayProtectionOption>()!.Timestamp;
        Deliver(MobileNodeTestPackets.Ba(sequence, BindingAcknowledgementStatus.Accepted, 30));
        Deliver(MobileNodeTestPackets.Ba(sequence, BindingAcknowledgementStatus.Accepted, 30, credentials: Credentials, timestamp: timestamp));
        Assert.That(await NextBulAsync(), Is.InstanceOf<BindingUpdateListAdd>());
        Assert.That(_module.GetStatus().Counters.AuthenticationFailures, Is.EqualTo(1));
    }

    [Test]
    public async Task An_authenticated_acknowledgement_must_echo_the_timestamp_of_a_binding_update_sent_RFC_4285_6()
    {
        await StartAsync(credentials: Credentials);
        Move(CareOf);
        var bu = MobileNodeTestPackets.ReadMh(await _sender.NextAsync());
        ushort sequence = ((BindingUpdate)bu.Message).Sequence;
        ulong timestamp = bu.Message.Options.Find<MobilityMessageReplayProtectionOption>()!.Timestamp;

        Deliver(MobileNodeTestPackets.Ba(sequence, BindingAcknowledgementStatus.Accepted, 30, credentials: Credentials), "without the option");
        Deliver(MobileNodeTestPackets.Ba(sequence, BindingAcknowledgementStatus.Accepted, 30, credentials: Credentials, timestamp: timestamp - 1), "another timestamp: a replay");
        Deliver(MobileNodeTestPackets.Ba(sequence, BindingAcknowledgementStatus.Accepted, 30, credentials: Credentials, timestamp: timestamp));

        Assert.That(await NextBulAsync(), Is.InstanceOf<BindingUpdateListAdd>());
        Assert.That(_module.GetCounters().Single(c => c.Key == "mn_replay_failures").Value, Is.EqualTo(2));
    }

    [Test]
    public async Task Status_144_resynchronises_the_clock_to_the_home_agents_and_the_next_binding_update_carries_it()
    {
        await StartAsync(credentials: Credentials);
        Move(CareOf);
        var bu = MobileNodeTestPackets.ReadMh(await _sender.NextAsync());
        ushort sequence = ((BindingUpdate)bu.Message).Sequence;
        var homeAgentTime = _time.GetUtcNow() + TimeSpan.FromMinutes(10);

        Deliver(MobileNodeTestPackets.Ba(sequence, BindingAcknowledgementStatus.MobileNodeIdentifierMismatch, 0, credentials: Credentials,
            timestamp: NtpTimestamp.FromDateTimeOffset(homeAgentTime)));
        while (_module.GetStatus().Counters.BindingAcknowledgementsByStatus.All(c => !c.Key.StartsWith("144", StringComparison.Ordinal)))
        {
            await Task.Delay(10);
        }

        _time.Advance(TimeSpan.FromSeconds(5)); // the refusal's backoff
        BindingUpdate next;
        ReceivedMobilityMessage again;
        do
        {
            again = MobileNodeTestPackets.ReadMh(await _sender.NextAsync());
        }
        while (again.Message is not BindingUpdate);

        next = (BindingUpdate)again.Message;
        var stamped = NtpTimestamp.ToDateTimeOffset(next.Options.Find<MobilityMessageReplayProtectionOption>()!.Timestamp);
        Assert.That(stamped - (_time.GetUtcNow() + TimeSpan.FromMinutes(10)), Is.LessThan(TimeSpan.FromSeconds(1)).And.GreaterThan(TimeSpan.FromSeconds(-1)),
            "the home agent's clock, not ours");
    }

    [Test]
    public async Task Discovery_finds_the_home_agent_then_registers_with_it()
    {
        await StartAsync(discover: true);
        Move(CareOf);
        var request = await _sender.NextAsync();
        Assert.That(Shisa.DataPlane.Wire.Ipv6Packet.TryParse(request, out var ip), Is.True);
        Assert.That(ip.Header.DestinationAddress, Is.EqualTo(IPAddress.Parse("2001:db8:1:0:fdff:ffff:ffff:fffe")));
        Assert.That(HomeAgentAddressDiscoveryRequest.TryParse(ip.UpperLayer, out var haad), Is.True);

        var discovered = IPAddress.Parse("2001:db8:1::2");
        Deliver(MobileNodeTestPackets.HaadReply(haad!.Identifier, discovered, discovered, HomeAgentAddress), SignallingKinds.HomeAgentDiscovery);
        var bu = MobileNodeTestPackets.ReadMh(await _sender.NextAsync());
        Assert.That(bu.Destination, Is.EqualTo(discovered));

        Deliver(MobileNodeTestPackets.Ba(((BindingUpdate)bu.Message).Sequence, BindingAcknowledgementStatus.Accepted, 30, from: discovered));
        Assert.That(((BindingUpdateListAdd)await NextBulAsync()).Entry.Peer, Is.EqualTo(discovered));
    }

    [Test]
    public async Task Prefix_advertisements_from_the_home_agent_are_learnt()
    {
        await StartAsync();
        Move(CareOf);
        var bu = await NextBuAsync();
        Deliver(MobileNodeTestPackets.Ba(bu.Sequence, BindingAcknowledgementStatus.Accepted, 30));
        await NextBulAsync();
        Assert.That(Shisa.DataPlane.Wire.Ipv6Packet.TryParse(await _sender.NextAsync(), out var ip), Is.True);
        Assert.That(MobilePrefixSolicitation.TryParse(ip.UpperLayer, out var mps), Is.True);

        Deliver(MobileNodeTestPackets.Mpa(mps!.Identifier, 86400, 14400), SignallingKinds.MobilePrefix);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_module.GetStatus().HomePrefixes.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        var prefix = _module.GetStatus().HomePrefixes.Single();
        Assert.That(prefix.Prefix, Is.EqualTo(new Prefix(IPAddress.Parse("2001:db8:1::"), 64)));
        Assert.That(prefix.ValidLifetimeS, Is.EqualTo(86400));

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.That(_sender.Drained, Is.True, "the answered solicitation is not retransmitted");
    }

    private async Task WaitForStateAsync(string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_module.GetStatus().State != state && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        Assert.That(_module.GetStatus().State, Is.EqualTo(state));
    }
}
