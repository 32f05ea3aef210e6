using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.MobileNode;
using Shisa.Modules.MobileNode.ReturnRoutability;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;

namespace Shisa.Fuzz;

/// <summary>
/// The mobile node's handlers fed whole packets, dispatched as MobileNodeModule.OnSignalling does (that method is
/// private to the module; this is the same dispatch on the same public machines): Mobility Header messages from a
/// correspondent go to return routability (<see cref="RouteOptimizationManager.Receive"/>), a BA or BRR from the home
/// agent to the home registration (<see cref="HomeRegistration.Handle"/>, waiting for a BA), a Parameter Problem to
/// <see cref="RouteOptimizationManager.OnParameterProblem"/>, DHAAD replies and prefix advertisements to theirs.
/// Fresh machines per input; return routability has a HoTI and CoTI out to the vectors' correspondent with the
/// vectors' cookies, so mh_hot.json and mh_cot.json are answers it expects.
/// </summary>
internal sealed class MobileNodeTarget
{
    private static readonly MnHaCredentials s_credentials = new(Topology.Spi, Topology.Key);
    private readonly CheckingSender _sender = new();
    private readonly Action<BusMessage> _publish = static _ => { };

    public void Run(ReadOnlySpan<byte> input)
    {
        var now = Topology.T0;
        var registration = new HomeRegistration(new HomeRegistrationOptions(Topology.Home, 64, Topology.HomeAgent, TimeSpan.FromSeconds(120), 100));
        registration.Handle(new MovedTo(Topology.CareOf, "mn0"), now);

        var cookies = new Queue<ulong>([0x1111111111111111, 0x2222222222222222]);
        var routeOptimization = new RouteOptimizationManager(new RouteOptimizationOptions(Topology.Home), _sender, _publish,
            cookies: () => cookies.Count > 0 ? cookies.Dequeue() : 0x3333333333333333, sequences: static () => 4660);
        routeOptimization.OnHomeRegistration(new HomeRegistrationBound(Topology.CareOf), now);
        routeOptimization.OnRrHint(new RrHint(Topology.Home, Topology.Correspondent), now);

        var bytes = input.ToArray();
        var kind = SignallingKinds.MobilityHeader;
        if (Ipv6Packet.TryParse(bytes, out var ip) && ip.UpperLayerProtocol == IpProtocol.Icmpv6)
        {
            kind = Shisa.DataPlane.Tunnels.PacketClassifier.IcmpKind(ip.UpperLayer);
        }

        var packet = new SignallingPacket(bytes, kind, "mn0", 2, now);
        if (kind == SignallingKinds.MobilityHeader)
        {
            OnMobilityHeader(packet, registration, routeOptimization, now);
        }
        else if ((kind & SignallingKinds.ParameterProblem) != 0)
        {
            routeOptimization.OnParameterProblem(packet, now);
        }
        else if (Icmpv6Header.TryRead(ip.UpperLayer, out var icmp) && icmp.VerifyChecksum(ip.PseudoSource, ip.PseudoDestination))
        {
            if (HomeAgentAddressDiscoveryReply.TryParse(icmp.Message, out var reply))
            {
                registration.Handle(new HaadReplyReceived(reply, ip.Header.SourceAddress), now);
            }
            else if (MobilePrefixAdvertisement.TryParse(icmp.Message, out var advertisement))
            {
                // As MobileNodeModule.OnPrefixAdvertisement: from the home agent, a prefix of the home address, not infinite.
                foreach (var info in advertisement.Prefixes)
                {
                    if (ip.Header.SourceAddress.Equals(registration.HomeAgent) && info.Prefix.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                        && info.PrefixLength <= 128 && new Prefix(info.Prefix, info.PrefixLength).Contains(registration.HomeAddress)
                        && info.ValidLifetime != uint.MaxValue)
                    {
                        registration.Handle(new HomePrefixLifetime(TimeSpan.FromSeconds(info.ValidLifetime)), now);
                    }
                }
            }
        }

        foreach (var later in (ReadOnlySpan<TimeSpan>)[TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(10)])
        {
            registration.Handle(RegistrationTimeout.Instance, now + later);
            routeOptimization.OnTimer(now + later);
        }

        routeOptimization.GetStatus(now);
        routeOptimization.Stop(now);
        registration.Handle(StopRequested.Instance, now);
    }

    private static void OnMobilityHeader(SignallingPacket packet, HomeRegistration registration, RouteOptimizationManager routeOptimization, DateTimeOffset now)
    {
        if (!MobilityPackets.TryRead(packet, out var received, out _, out _) || received is null)
        {
            return;
        }

        if (!received.Source.Equals(registration.HomeAgent)
            && received.Message is HomeTest or CareOfTest or BindingAcknowledgement or BindingError or BindingRefreshRequest)
        {
            routeOptimization.Receive(received, now);
            return;
        }

        switch (received.Message)
        {
            case BindingAcknowledgement ack:
                MobileNodePackets.VerifyAcknowledgement(received, s_credentials);
                registration.Handle(new BaReceived(ack, received.Source, received.Destination, received.RoutingHomeAddress), now);
                break;
            case BindingRefreshRequest:
                registration.Handle(new BrrReceived(received.Source), now);
                break;
        }
    }
}
