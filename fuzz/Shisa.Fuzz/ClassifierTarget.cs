using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Tunnels;

namespace Shisa.Fuzz;

/// <summary>
/// The packet classifier through the <see cref="TunnelForwarder"/>, as the data plane runs it: the input as a received
/// Ethernet frame (<see cref="TunnelForwarder.ProcessReceived"/>) and as a packet read from the TUN
/// (<see cref="TunnelForwarder.ProcessFromTun"/>), on a home agent, a mobile node (with a route optimization binding)
/// and a correspondent (with a binding in its cache); signalling passes the home agent's <see cref="SignallingAdmission"/>.
/// </summary>
internal sealed class ClassifierTarget
{
    private readonly Side[] _sides;
    private readonly PacketBatch _received = new();
    private readonly PacketBatch _toTun = new();
    private readonly PacketBatch _fromTun = new();
    private readonly PacketBatch _toTunnel = new();
    private readonly byte[] _frame = new byte[16 * 1024];

    public ClassifierTarget()
    {
        var haLocal = new LocalAddressSet();
        haLocal.Set("options", [Topology.HomeAgent]);
        var cache = new BindingTable(16);
        cache.Set(new TunnelBinding(Topology.Home, Topology.HomeAgent, Topology.CareOf, [Topology.MobileNetwork]), out _);

        var mnLocal = new LocalAddressSet();
        mnLocal.Set("interfaces", [Topology.CareOf]);
        mnLocal.Add("home", Topology.Home);
        var updateList = new BindingTable(16);
        var entry = new BindingUpdateListEntry(Topology.HomeAgent, Topology.Home, Topology.CareOf,
            BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, BindingUpdateListState.Bound);
        updateList.Set(TunnelBinding.FromUpdateList(entry), out _);
        var correspondentList = new CorrespondentBindingTable(16);
        correspondentList.Set(new CorrespondentBinding(Topology.Home, Topology.CareOf, Topology.Correspondent), out _);

        var cnLocal = new LocalAddressSet();
        cnLocal.Set("interfaces", [Topology.Correspondent]);
        var correspondentCache = new CorrespondentBindingTable(16);
        correspondentCache.Set(new CorrespondentBinding(Topology.Home, Topology.CareOf, Topology.Correspondent), out _);

        _sides =
        [
            new Side(new PacketClassifier(haLocal, cache, null)),
            new Side(new PacketClassifier(mnLocal, null, updateList, correspondentList)),
            new Side(new PacketClassifier(cnLocal, null, null, null, correspondentCache)),
        ];
    }

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length + 14 > _frame.Length)
        {
            return; // larger than any frame a port hands over
        }

        // An Ethernet frame carrying the input as IPv6.
        _frame.AsSpan(0, 14).Clear();
        _frame[12] = 0x86;
        _frame[13] = 0xDD;
        input.CopyTo(_frame.AsSpan(14));
        var frame = _frame.AsSpan(0, 14 + input.Length);

        foreach (var side in _sides)
        {
            _received.Clear();
            _toTun.Clear();
            _received.TryAdd(frame);
            side.Forwarder.ProcessReceived(side.Port, _received, _toTun);
            side.Drain();

            _fromTun.Clear();
            _toTunnel.Clear();
            _fromTun.TryAdd(input);
            side.Forwarder.ProcessFromTun(_fromTun, _toTunnel);

            // The classifier's own verdict must point inside the packet.
            var verdict = side.Classifier.ClassifyInbound(input);
            if (verdict.InnerOffset < 0 || verdict.InnerLength < 0 || verdict.InnerOffset + verdict.InnerLength > input.Length)
            {
                throw new InvariantException($"verdict {verdict} outside a {input.Length}-byte packet");
            }
        }
    }

    private sealed class Side
    {
        private readonly SignallingSubscription _signalling;

        public Side(PacketClassifier classifier)
        {
            Classifier = classifier;
            var hub = new SignallingHub();
            _signalling = hub.Subscribe("fuzz", SignallingKinds.All);
            var time = new FakeTimeProvider(Topology.T0);

            // The home agent's admission (lanes by listed home address, rate limits) sees every signalling packet.
            var admission = new SignallingAdmission(time);
            admission.SetPriorityAddresses([Topology.Home]);
            _signalling.Admission = admission;
            Forwarder = new TunnelForwarder(classifier, new DataPlaneCounters(), hub, time, publish: static _ => { });
            Port = MemoryHub.CreatePair().A;
        }

        public PacketClassifier Classifier { get; }

        public TunnelForwarder Forwarder { get; }

        public MemoryPort Port { get; }

        public void Drain()
        {
            while (_signalling.Reader.TryRead(out _))
            {
            }
        }
    }
}
