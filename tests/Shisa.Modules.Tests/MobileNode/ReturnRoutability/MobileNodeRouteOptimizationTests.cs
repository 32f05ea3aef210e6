using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Configuration;
using Shisa.Modules.Correspondent;
using Shisa.Modules.Hosting;
using Shisa.Modules.MobileNode;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;

namespace Shisa.Modules.Tests.MobileNode.ReturnRoutability;

/// <summary>
/// The mobile node module with <c>route_optimization = true</c>: RrHints from the bus, HoT/CoT/BA from correspondents
/// (sources other than the home agent) and Parameter Problems reach route optimization; the real correspondent node
/// answers in memory.
/// </summary>
public sealed class MobileNodeRouteOptimizationTests
{
    private FakeTimeProvider _time = null!;
    private RecordingSender _sender = null!;
    private SignallingHub _hub = null!;
    private MobilityBus _bus = null!;
    private MobilitySubscription _bul = null!;
    private MobileNodeModule _module = null!;

    private static Profile MobileNodeProfile(bool routeOptimization) => new(
        new NodeSection("mn", new EquatableArray<Role>([Role.MobileNode])),
        new StatusSection(null),
        EquatableArray<InterfaceSection>.Empty,
        HomeAgent: null,
        MobileNode: new MobileNodeSection(Ro.Home, 64, Ro.HomeAgent, new EquatableArray<string>(["eth0"]), TimeSpan.FromSeconds(120), routeOptimization,
            null, EquatableArray<byte>.Empty),
        MobileRouter: null,
        Correspondent: null,
        MovementDetector: null,
        Plugins: null);

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Ro.T0);
        _sender = new RecordingSender();
        _hub = new SignallingHub();
        _bus = new MobilityBus(_time);
        _bul = _bus.Subscribe("test", MessageKinds.BindingUpdateList);
    }

    [TearDown]
    public void TearDown()
    {
        _bul.Dispose();
        _bus.Dispose();
    }

    private async Task StartAsync(bool routeOptimization = true, params IPAddress[] noRouteOptimization)
    {
        _module = new MobileNodeModule(999) { NoRouteOptimization = new EquatableArray<IPAddress>(noRouteOptimization) };
        var context = new ModuleContext(MobileNodeModule.ModuleName, MobileNodeProfile(routeOptimization), _bus, _sender, _hub, _time, NullLoggerFactory.Instance);
        await _module.StartAsync(context, CancellationToken.None);
    }

    private async Task<BusMessage> NextBulAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return (await _bul.Reader.ReadAsync(timeout.Token)).Message;
    }

    /// <summary>The next Mobility Header packet the module sends, skipping ICMPv6 (Mobile Prefix Solicitations).</summary>
    private async Task<byte[]> NextMhAsync()
    {
        while (true)
        {
            var packet = await _sender.NextAsync();
            if (Shisa.DataPlane.Wire.Ipv6Packet.TryParse(packet, out var ip) && ip.UpperLayerProtocol == MobilityHeader.NextHeader)
            {
                return packet;
            }
        }
    }

    private void Deliver(byte[] packet, SignallingKinds kind = SignallingKinds.MobilityHeader) =>
        Assert.That(_hub.Deliver(Ro.Signalling(packet, kind)), Is.EqualTo(1));

    /// <summary>Moves to the care-of address and has the home agent accept the registration.</summary>
    private async Task RegisterAsync()
    {
        _bus.Publish(new MovementInfo(MovementCommand.NewCareOfAddress, Ro.CareOf, "eth0", 2, false), "movement_detector");
        var bu = (BindingUpdate)Ro.Read(await NextMhAsync()).Message;
        Deliver(MobileNodeTestPackets.Ba(bu.Sequence, BindingAcknowledgementStatus.Accepted, 30));
        Assert.That(((BindingUpdateListAdd)await NextBulAsync()).Entry.Peer, Is.EqualTo(Ro.HomeAgent));
    }

    [Test]
    public async Task An_RrHint_binds_with_the_correspondent_through_the_module()
    {
        await StartAsync();
        await RegisterAsync();
        var cnSender = new QueueSender();
        var cn = new CorrespondentNode(new CorrespondentOptions(), cnSender, _ => { }, _time.GetUtcNow());

        _bus.Publish(new RrHint(Ro.Home, Ro.Cn), "data_plane");
        var hoti = Ro.Read(await NextMhAsync());
        var coti = Ro.Read(await NextMhAsync());
        Assert.Multiple(() =>
        {
            Assert.That((hoti.Message.Type, hoti.Source, hoti.Destination), Is.EqualTo((MobilityHeaderType.HomeTestInit, Ro.Home, Ro.Cn)));
            Assert.That((coti.Message.Type, coti.Source, coti.Destination), Is.EqualTo((MobilityHeaderType.CareOfTestInit, Ro.CareOf, Ro.Cn)));
        });

        cn.Receive(hoti, _time.GetUtcNow());
        cn.Receive(coti, _time.GetUtcNow());
        foreach (var answer in cnSender.Pending)
        {
            Deliver(answer);
        }

        cnSender.Pending.Clear();
        var bu = Ro.Read(await NextMhAsync());
        Assert.That((bu.Message.Type, bu.Source, bu.HomeAddress), Is.EqualTo((MobilityHeaderType.BindingUpdate, Ro.CareOf, (IPAddress?)Ro.Home)));
        Assert.That(cn.Receive(bu, _time.GetUtcNow()), Is.EqualTo(CorrespondentOutcome.BindingAccepted));
        Deliver(cnSender.Pending.Dequeue());

        var add = (BindingUpdateListAdd)await NextBulAsync();
        Assert.Multiple(() =>
        {
            Assert.That(add.Entry.Peer, Is.EqualTo(Ro.Cn));
            Assert.That(add.Entry.CareOfAddress, Is.EqualTo(Ro.CareOf));
            Assert.That(add.Entry.IsHomeRegistration, Is.False);
            Assert.That(_module.GetRouteOptimizationStatus()!.Peers.Single().State, Is.EqualTo("BOUND"));
            Assert.That(_module.GetCounters(), Does.Contain(new KeyValuePair<string, long>("ro_bound", 1)));
            Assert.That(_module.GetStatus().State, Is.EqualTo("BOUND"), "the home registration is untouched");
        });

        // Stopping deregisters with the home agent and deletes the binding at the correspondent.
        var stop = _module.StopAsync(CancellationToken.None);
        var home = Ro.Read(await NextMhAsync());
        var dereg = Ro.Read(await NextMhAsync());
        Assert.Multiple(() =>
        {
            Assert.That(home.Destination, Is.EqualTo(Ro.HomeAgent));
            Assert.That((dereg.Destination, dereg.Source, dereg.HomeAddress), Is.EqualTo((Ro.Cn, Ro.CareOf, (IPAddress?)Ro.Home)));
            Assert.That(cn.Receive(dereg, _time.GetUtcNow()), Is.EqualTo(CorrespondentOutcome.BindingDeleted));
        });
        Assert.That(((BindingUpdateListRemove)await NextBulAsync()).Entry.Peer, Is.EqualTo(Ro.Cn));
        Deliver(MobileNodeTestPackets.Ba(((BindingUpdate)home.Message).Sequence, BindingAcknowledgementStatus.Accepted, 0));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task A_parameter_problem_gives_the_correspondent_up_and_later_hints_start_nothing()
    {
        await StartAsync();
        await RegisterAsync();
        _bus.Publish(new RrHint(Ro.Home, Ro.Cn), "data_plane");
        var hoti = await NextMhAsync();
        await NextMhAsync();
        Deliver(Ro.ParameterProblem(hoti, ParameterProblemCode.UnrecognizedNextHeader, 6, Ro.Cn).Packet.ToArray(), SignallingKinds.ParameterProblem);

        // Signalling and the bus are read by two loops: wait for the first to have given the correspondent up.
        Assert.That(SpinWait.SpinUntil(() => _module.GetRouteOptimizationStatus()!.GivenUp.Count == 1, TimeSpan.FromSeconds(10)), Is.True);
        _bus.Publish(new RrHint(Ro.Home, Ro.Cn), "data_plane");
        _bus.Publish(new RrHint(Ro.Home, Ro.Cn2), "data_plane");

        // The hint for the other correspondent shows the earlier ones were handled (one reader, in order).
        var next = Ro.Read(await NextMhAsync());
        Assert.Multiple(() =>
        {
            Assert.That(next.Destination, Is.EqualTo(Ro.Cn2));
            var status = _module.GetRouteOptimizationStatus()!;
            Assert.That(status.GivenUp.Single().Peer, Is.EqualTo(Ro.Cn));
            Assert.That(status.Counters.RrHintsGivenUp, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Opted_out_correspondents_and_route_optimization_off_send_nothing()
    {
        await StartAsync(routeOptimization: true, Ro.Cn);
        await RegisterAsync();
        _bus.Publish(new RrHint(Ro.Home, Ro.Cn), "data_plane");
        _bus.Publish(new RrHint(Ro.Home, Ro.Cn2), "data_plane");
        Assert.That(Ro.Read(await NextMhAsync()).Destination, Is.EqualTo(Ro.Cn2), "the first MH after the hints is for the other correspondent");
        Assert.That(_module.GetRouteOptimizationStatus()!.Counters.RrHintsOptedOut, Is.EqualTo(1));
    }

    [Test]
    public async Task Without_route_optimization_the_module_has_no_route_optimization()
    {
        await StartAsync(routeOptimization: false);
        Assert.Multiple(() =>
        {
            Assert.That(_module.GetRouteOptimizationStatus(), Is.Null);
            Assert.That(_module.GetCounters().Where(c => c.Key.StartsWith("ro_", StringComparison.Ordinal)), Is.Empty);
        });
    }
}
