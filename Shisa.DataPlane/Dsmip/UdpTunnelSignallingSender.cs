namespace Shisa.DataPlane.Dsmip;

/// <summary>
/// The modules' send API with the UDP tunnel in front: signalling to or from an IPv4 care-of address (IPv4-mapped)
/// goes through <see cref="UdpTunnel"/>, everything else to the raw IPv6 socket as before. It sits under the
/// writer's ordering, so an acknowledgement still leaves after its binding is installed.
/// </summary>
public sealed class UdpTunnelSignallingSender(IPacketSender ipv6, UdpTunnel tunnel) : IPacketSender
{
    public bool TrySend(ReadOnlySpan<byte> ipv6Packet) =>
        tunnel.TrySendSignalling(ipv6Packet, out bool sent) ? sent : ipv6.TrySend(ipv6Packet);
}
