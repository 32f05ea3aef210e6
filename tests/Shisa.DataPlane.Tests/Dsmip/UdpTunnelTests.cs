using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Dsmip;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Tests.Dsmip;

/// <summary>RFC 5555's UDP tunnel: signalling in and out, the binding's endpoint following its acknowledged Binding Updates, data both ways.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class UdpTunnelTests
{
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress Correspondent = IPAddress.Parse("2001:db8:c::2");
    private static readonly IPAddress CareOf = IPAddress.Parse("198.51.100.10").MapToIPv6();
    private static readonly Ipv4Endpoint Nat = Ipv4Endpoint.From(IPAddress.Parse("203.0.113.4"), 40000);
    private static readonly Ipv4Endpoint Rebound = Ipv4Endpoint.From(IPAddress.Parse("203.0.113.4"), 50123);
    private static readonly Ipv4Endpoint HomeAgentIpv4 = Ipv4Endpoint.From(IPAddress.Parse("203.0.113.1"), UdpTunnel.Port);

    private sealed class RecordingSocket : IDatagramSender
    {
        public List<(byte[] Payload, Ipv4Endpoint To)> Sent { get; } = [];

        public bool Send(ReadOnlySpan<byte> payload, Ipv4Endpoint to)
        {
            Sent.Add((payload.ToArray(), to));
            return true;
        }
    }

    private readonly RecordingSocket _socket = new();
    private readonly SignallingHub _hub = new();
    private readonly BindingTable _cache = new(16);

    private UdpTunnel HomeAgentTunnel() => new(_socket, _hub, new FakeTimeProvider(), _cache, null, null, 16);

    private static byte[] Mobility(MobilityMessage message, Ipv6Envelope envelope)
    {
        var buffer = new byte[1280];
        Span<byte> scratch = stackalloc byte[Ipv6PacketBuilder.AddressingScratchLength];
        Assert.That(Ipv6PacketBuilder.TryGetAddressing(envelope, scratch, out var addressing), Is.True);
        int length = message.GetByteCount();
        Assert.That(Ipv6PacketBuilder.TryWriteHeaders(buffer, addressing, MobilityHeader.NextHeader, length, out int at), Is.True);
        Assert.That(message.TryWrite(buffer.AsSpan(at), addressing.PseudoSource, addressing.PseudoDestination, out _), Is.True);
        return buffer[..(at + length)];
    }

    private static byte[] Update(ushort sequence) =>
        Mobility(new BindingUpdate(sequence, BindingUpdateFlags.A | BindingUpdateFlags.H | BindingUpdateFlags.F, 15), new Ipv6Envelope(CareOf, HomeAgent, HomeAddress: Home));

    private static byte[] Ack(ushort sequence, BindingAcknowledgementStatus status = BindingAcknowledgementStatus.Accepted, ushort lifetime = 15) =>
        Mobility(new BindingAcknowledgement(status, BindingAcknowledgementFlags.None, sequence, lifetime), new Ipv6Envelope(HomeAgent, CareOf, RoutingHomeAddress: Home));

    private static byte[] Echo(IPAddress source, IPAddress destination)
    {
        var packet = new byte[Ipv6Header.Length + 8];
        Assert.That(Ipv6Header.TryWrite(packet, 0, 0, 8, IpProtocol.Icmpv6, 64, source.GetAddressBytes(), destination.GetAddressBytes(), out _), Is.True);
        packet[Ipv6Header.Length] = 128;
        return packet;
    }

    private void Bind() => _cache.Set(new TunnelBinding(Home, HomeAgent, CareOf), out _);

    /// <summary>A BU through the NAT from <paramref name="from"/>, then the home agent's accepting BA.</summary>
    private void Register(UdpTunnel tunnel, ushort sequence, Ipv4Endpoint from)
    {
        tunnel.HandleDatagram(Update(sequence), from, new PacketBatch());
        Assert.That(tunnel.TrySendSignalling(Ack(sequence), out bool sent), Is.True);
        Assert.That(sent, Is.True);
    }

    [Test]
    public void A_binding_update_reaches_the_modules_with_the_outer_ipv4_source_and_the_ack_goes_back_through_the_nat()
    {
        var subscription = _hub.Subscribe("ha", SignallingKinds.MobilityHeader);
        var tunnel = HomeAgentTunnel();
        Bind();
        Register(tunnel, 7, Nat);

        Assert.That(subscription.Reader.TryRead(out var delivered), Is.True);
        Assert.That(delivered!.TunnelSource, Is.EqualTo(IPAddress.Parse("203.0.113.4")));
        Assert.That(delivered.Packet.ToArray(), Is.EqualTo(Update(7)));
        Assert.That(_socket.Sent.Single().To, Is.EqualTo(Nat));
        Assert.That(tunnel.Endpoints().Single().Value, Is.EqualTo(Nat));
    }

    [Test]
    public void A_restored_endpoint_carries_data_both_ways_before_any_binding_update()
    {
        var tunnel = HomeAgentTunnel();
        tunnel.Restore(new Dictionary<IPAddress, Ipv4Endpoint> { [Home] = Nat });
        Bind();

        Assert.That(tunnel.TrySendData(Echo(Correspondent, Home), _cache.Snapshot()[0]), Is.True);
        Assert.That(_socket.Sent.Single().To, Is.EqualTo(Nat));
        var toTun = new PacketBatch();
        tunnel.HandleDatagram(Echo(Home, Correspondent), Nat, toTun);
        Assert.That(toTun.Count, Is.EqualTo(1), "the mobile node's packets are taken from the restored endpoint");
    }

    [Test]
    public void The_endpoint_to_journal_is_the_binding_updates_path_then_the_current_endpoint()
    {
        var tunnel = HomeAgentTunnel();
        Bind();
        var entry = new Shisa.DataPlane.Bus.BindingCacheEntry(Home, CareOf, HomeAgent, Shisa.DataPlane.Bus.BindingUpdateFlags.HomeRegistration, TimeSpan.FromSeconds(15), 7, []);
        Assert.That(tunnel.EndpointToJournal(entry), Is.Null, "no binding update seen, no endpoint");

        tunnel.HandleDatagram(Update(7), Nat, new PacketBatch());
        Assert.That(tunnel.EndpointToJournal(entry), Is.EqualTo(Nat), "before the acknowledgement: where BU 7 came from");
        Assert.That(tunnel.TrySendSignalling(Ack(7), out _), Is.True);

        tunnel.HandleDatagram(Update(8), Rebound, new PacketBatch());
        Assert.That(tunnel.EndpointToJournal(entry with { Sequence = 8 }), Is.EqualTo(Rebound), "the NAT rebound: BU 8's path");
        Assert.That(tunnel.EndpointToJournal(entry), Is.EqualTo(Nat), "re-announced entry 7: the binding's current endpoint");
        Assert.That(tunnel.EndpointToJournal(entry with { CareOfAddress = Correspondent }), Is.Null, "an IPv6 care-of address has none");
    }

    [Test]
    public void Data_goes_to_the_bindings_endpoint_and_comes_back_only_from_it()
    {
        var tunnel = HomeAgentTunnel();
        Bind();
        Register(tunnel, 7, Nat);
        Assert.That(tunnel.TrySendData(Echo(Correspondent, Home), _cache.Snapshot()[0]), Is.True);
        Assert.That(_socket.Sent[^1].To, Is.EqualTo(Nat));

        var toTun = new PacketBatch();
        tunnel.HandleDatagram(Echo(Home, Correspondent), Nat, toTun);
        tunnel.HandleDatagram(Echo(Home, Correspondent), Rebound, toTun);
        tunnel.HandleDatagram(Echo(IPAddress.Parse("2001:db8:1::200"), Correspondent), Nat, toTun);
        Assert.That(toTun.Count, Is.EqualTo(1));
        Assert.That(toTun[0].ToArray(), Is.EqualTo(Echo(Home, Correspondent)));
        var traffic = _cache.Snapshot()[0].Traffic;
        Assert.That((traffic.PacketsOut, traffic.PacketsIn, traffic.OctetsIn), Is.EqualTo((1L, 1L, 48L)), "the binding's tunnel counters");
        Assert.That(tunnel.Counters.Drops(UdpTunnelDrop.WrongEndpoint), Is.EqualTo(1));
        Assert.That(tunnel.Counters.Drops(UdpTunnelDrop.NoBinding), Is.EqualTo(1));
    }

    [Test]
    public void A_nat_that_rebinds_is_followed_at_the_next_acknowledged_binding_update()
    {
        var tunnel = HomeAgentTunnel();
        Bind();
        Register(tunnel, 7, Nat);
        Register(tunnel, 8, Rebound);
        Assert.That(tunnel.Endpoints().Single().Value, Is.EqualTo(Rebound));
        Assert.That(tunnel.Counters.EndpointsChanged, Is.EqualTo(2));
        var toTun = new PacketBatch();
        tunnel.HandleDatagram(Echo(Home, Correspondent), Rebound, toTun);
        Assert.That(toTun.Count, Is.EqualTo(1));
    }

    [Test]
    public void A_refused_or_unmatched_acknowledgement_leaves_the_endpoint_where_it_was()
    {
        var tunnel = HomeAgentTunnel();
        Bind();
        Register(tunnel, 7, Nat);

        tunnel.HandleDatagram(Update(9), Rebound, new PacketBatch());
        Assert.That(tunnel.TrySendSignalling(Ack(9, BindingAcknowledgementStatus.AuthenticationFailed, 0), out _), Is.True);
        Assert.That(_socket.Sent[^1].To, Is.EqualTo(Rebound), "the refusal is answered where the BU came from");
        Assert.That(tunnel.Endpoints().Single().Value, Is.EqualTo(Nat));

        tunnel.HandleDatagram(Update(10), Rebound, new PacketBatch());
        Assert.That(tunnel.TrySendSignalling(Ack(7), out _), Is.True); // an acknowledgement of another sequence number
        Assert.That(tunnel.Endpoints().Single().Value, Is.EqualTo(Nat));
    }

    [Test]
    public void A_deregistration_forgets_the_endpoint()
    {
        var tunnel = HomeAgentTunnel();
        Bind();
        Register(tunnel, 7, Nat);
        tunnel.HandleDatagram(Update(8), Nat, new PacketBatch());
        Assert.That(tunnel.TrySendSignalling(Ack(8, lifetime: 0), out _), Is.True);
        Assert.That(tunnel.Endpoints(), Is.Empty);
    }

    [Test]
    public void An_answer_without_a_known_path_and_garbage_are_counted_drops()
    {
        var tunnel = HomeAgentTunnel();
        Assert.That(tunnel.TrySendSignalling(Ack(1), out bool sent), Is.True);
        Assert.That(sent, Is.False);
        Assert.That(tunnel.Counters.Drops(UdpTunnelDrop.NoReplyPath), Is.EqualTo(1));

        tunnel.HandleDatagram([0x60, 0, 0], Nat, new PacketBatch());
        tunnel.HandleDatagram(new byte[60], Nat, new PacketBatch());
        Assert.That(tunnel.Counters.Drops(UdpTunnelDrop.Malformed), Is.EqualTo(2));
        Assert.That(_socket.Sent, Is.Empty);
    }

    [Test]
    public void Ipv6_signalling_is_not_the_tunnels()
    {
        var tunnel = HomeAgentTunnel();
        var plain = Mobility(new BindingAcknowledgement(0, 0, 1, 1), new Ipv6Envelope(HomeAgent, IPAddress.Parse("2001:db8:a1::10"), RoutingHomeAddress: Home));
        Assert.That(tunnel.TrySendSignalling(plain, out _), Is.False);
    }

    [Test]
    public void Mobile_node_sends_its_mapped_source_signalling_to_the_home_agent_and_takes_only_the_home_agents_datagrams()
    {
        var list = new BindingTable(4);
        list.Set(new TunnelBinding(Home, CareOf, HomeAgent), out _);
        var subscription = _hub.Subscribe("mn", SignallingKinds.MobilityHeader);
        var tunnel = new UdpTunnel(_socket, _hub, new FakeTimeProvider(), null, list, HomeAgentIpv4, 4);

        Assert.That(tunnel.TrySendSignalling(Update(3), out bool sent), Is.True);
        Assert.That(sent && _socket.Sent.Single().To == HomeAgentIpv4, Is.True);
        Assert.That(tunnel.TrySendData(Echo(Home, Correspondent), list.Snapshot()[0]), Is.True);
        Assert.That(_socket.Sent[^1].To, Is.EqualTo(HomeAgentIpv4));

        var toTun = new PacketBatch();
        tunnel.HandleDatagram(Ack(3), HomeAgentIpv4, toTun);
        tunnel.HandleDatagram(Echo(Correspondent, Home), HomeAgentIpv4, toTun);
        tunnel.HandleDatagram(Echo(Correspondent, Home), Nat, toTun);
        Assert.That(subscription.Reader.TryRead(out _), Is.True);
        Assert.That(toTun.Count, Is.EqualTo(1));
        Assert.That(tunnel.Counters.Drops(UdpTunnelDrop.NotFromHomeAgent), Is.EqualTo(1));
    }

    [Test]
    public void Endpoint_round_trips_through_a_socket_address()
    {
        var address = Ipv4Endpoint.NewSocketAddress();
        Nat.WriteTo(address);
        Assert.That(Ipv4Endpoint.Read(address), Is.EqualTo(Nat));
        Assert.That(new IPEndPoint(IPAddress.Any, 0).Create(address), Is.EqualTo(new IPEndPoint(IPAddress.Parse("203.0.113.4"), 40000)));
        Assert.That(Ipv4Endpoint.IsMapped(AddressKey.From(CareOf)), Is.True);
        Assert.That(Ipv4Endpoint.IsMapped(AddressKey.From(Home)), Is.False);
    }
}
