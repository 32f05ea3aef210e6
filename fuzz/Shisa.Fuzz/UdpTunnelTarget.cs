using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Dsmip;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;

namespace Shisa.Fuzz;

/// <summary>
/// RFC 5555's UDP tunnel (<see cref="UdpTunnel"/>): the input as a datagram's payload received by a home agent (from a
/// NAT) and by a mobile node (from its home agent), and as signalling either sends. What is decapsulated must parse; what
/// is sent must be the input itself.
/// </summary>
internal sealed class UdpTunnelTarget
{
    private static readonly IPAddress MappedCareOf = IPAddress.Parse("198.51.100.10").MapToIPv6();
    private static readonly Ipv4Endpoint Nat = Ipv4Endpoint.From(IPAddress.Parse("203.0.113.4"), 40000);
    private static readonly Ipv4Endpoint HomeAgentIpv4 = Ipv4Endpoint.From(IPAddress.Parse("192.0.2.1"), UdpTunnel.Port);

    private readonly UdpTunnel _homeAgent;
    private readonly UdpTunnel _mobileNode;
    private readonly CheckingDatagrams _sent = new();
    private readonly PacketBatch _toTun = new();

    public UdpTunnelTarget()
    {
        var hub = new SignallingHub();
        _ = hub.Subscribe("fuzz", SignallingKinds.MobilityHeader, capacity: 4);
        var cache = new BindingTable(16);
        cache.Set(new TunnelBinding(Topology.Home, Topology.HomeAgent, MappedCareOf, [Topology.MobileNetwork]), out _);
        var list = new BindingTable(16);
        list.Set(new TunnelBinding(Topology.Home, MappedCareOf, Topology.HomeAgent), out _);
        _homeAgent = new UdpTunnel(_sent, hub, new FakeTimeProvider(Topology.T0), cache, null, null, 16);
        _mobileNode = new UdpTunnel(_sent, hub, new FakeTimeProvider(Topology.T0), null, list, HomeAgentIpv4, 16);
    }

    public void Run(ReadOnlySpan<byte> input)
    {
        foreach (var (tunnel, from) in (ReadOnlySpan<(UdpTunnel, Ipv4Endpoint)>)[(_homeAgent, Nat), (_mobileNode, HomeAgentIpv4)])
        {
            _toTun.Clear();
            tunnel.HandleDatagram(input, from, _toTun);
            for (int i = 0; i < _toTun.Count; i++)
            {
                if (!Ipv6Packet.TryParse(_toTun[i], out _))
                {
                    throw new InvariantException($"decapsulated a packet that does not parse: {Convert.ToHexString(_toTun[i])}");
                }
            }

            _sent.Expected = input.ToArray();
            tunnel.TrySendSignalling(input, out _);
        }
    }

    private sealed class CheckingDatagrams : IDatagramSender
    {
        public byte[] Expected { get; set; } = [];

        public bool Send(ReadOnlySpan<byte> payload, Ipv4Endpoint to)
        {
            if (!payload.SequenceEqual(Expected))
            {
                throw new InvariantException("sent something else than the packet it was given");
            }

            return true;
        }
    }
}
