namespace Shisa.DataPlane;

/// <summary>
/// The data plane's narrow send API for signalling (DESIGN 1): a module hands over a complete IPv6 packet
/// (header, extension headers, upper layer, checksums filled in) and the data plane routes and sends it.
/// Returns false, and counts the drop, when the packet cannot be sent now; never throws for a bad packet.
/// </summary>
public interface IPacketSender
{
    bool TrySend(ReadOnlySpan<byte> ipv6Packet);

    /// <summary>
    /// Sends at once, ahead of packets that wait for forwarding state published before them
    /// (<see cref="Forwarding.OrderedSignallingSender"/>): only for a packet that depends on none of that state.
    /// A sender without such a queue sends it as <see cref="TrySend"/> does.
    /// </summary>
    bool TrySendAhead(ReadOnlySpan<byte> ipv6Packet) => TrySend(ipv6Packet);
}
