using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Tunnels;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;

namespace Shisa.Modules.Tests.Conformance;

/// <summary>
/// The data plane's receive and send paths (<see cref="TunnelForwarder"/> over a memory port) as a correspondent or a
/// mobile node runs them: frames in, then what reached the TUN, the signalling subscribers and the bus.
/// </summary>
internal sealed class DataPlaneHarness
{
    public static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    public static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    public static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    public static readonly IPAddress Correspondent = IPAddress.Parse("2001:db8:c::2");

    private readonly SignallingSubscription _signalling;
    private readonly MemoryPort _port = MemoryHub.CreatePair().A;

    private DataPlaneHarness(PacketClassifier classifier)
    {
        var hub = new SignallingHub();
        _signalling = hub.Subscribe("conformance", SignallingKinds.All);
        Forwarder = new TunnelForwarder(classifier, new DataPlaneCounters(), hub, new FakeTimeProvider(), publish: Published.Add);
    }

    public TunnelForwarder Forwarder { get; }

    public List<BusMessage> Published { get; } = [];

    /// <summary>A correspondent at <see cref="Correspondent"/>; with <paramref name="bound"/>, its cache binds Home to CareOf.</summary>
    public static DataPlaneHarness CorrespondentNode(bool bound)
    {
        var local = new LocalAddressSet();
        local.Set("interfaces", [Correspondent]);
        var cache = new CorrespondentBindingTable(16);
        if (bound)
        {
            cache.Set(new CorrespondentBinding(Home, CareOf, Correspondent), out _);
        }

        return new DataPlaneHarness(new PacketClassifier(local, null, null, null, cache));
    }

    /// <summary>A mobile node away from home at <see cref="CareOf"/>, registered with its home agent, bound with the correspondent.</summary>
    public static DataPlaneHarness MobileNode()
    {
        var local = new LocalAddressSet();
        local.Set("interfaces", [CareOf]);
        local.Add("home", Home);
        var updateList = new BindingTable(16);
        var entry = new BindingUpdateListEntry(HomeAgent, Home, CareOf, BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge,
            TimeSpan.FromSeconds(60), 1, BindingUpdateListState.Bound);
        updateList.Set(TunnelBinding.FromUpdateList(entry), out _);
        var correspondents = new CorrespondentBindingTable(16);
        correspondents.Set(new CorrespondentBinding(Home, CareOf, Correspondent), out _);
        return new DataPlaneHarness(new PacketClassifier(local, null, updateList, correspondents));
    }

    /// <summary>Receives <paramref name="packet"/> (IPv6, no link layer) on the port; returns what went into the TUN.</summary>
    public List<byte[]> Receive(byte[] packet)
    {
        var frame = new byte[14 + packet.Length];
        frame[12] = 0x86;
        frame[13] = 0xDD;
        packet.CopyTo(frame, 14);
        var received = new PacketBatch();
        received.TryAdd(frame);
        var toTun = new PacketBatch();
        Forwarder.ProcessReceived(_port, received, toTun);
        return [.. Enumerable.Range(0, toTun.Count).Select(i => toTun[i].ToArray())];
    }

    /// <summary>Sends <paramref name="packet"/> as read from the TUN; returns what left on the physical side.</summary>
    public List<byte[]> SendFromTun(byte[] packet)
    {
        var fromTun = new PacketBatch();
        fromTun.TryAdd(packet);
        var toTunnel = new PacketBatch();
        Forwarder.ProcessFromTun(fromTun, toTunnel);
        return [.. Enumerable.Range(0, toTunnel.Count).Select(i => toTunnel[i].ToArray())];
    }

    /// <summary>The signalling packets delivered to the modules so far.</summary>
    public List<SignallingPacket> Signalling()
    {
        var packets = new List<SignallingPacket>();
        while (_signalling.Reader.TryRead(out var packet))
        {
            packets.Add(packet);
        }

        return packets;
    }
}
