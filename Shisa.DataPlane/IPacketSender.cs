namespace Shisa.DataPlane;

/// <summary>
/// The data plane's narrow send API for signalling (DESIGN 1): a module hands over a complete IPv6 packet
/// (header, extension headers, upper layer, checksums filled in) and the data plane routes and sends it.
/// Returns false, and counts the drop, when the packet cannot be sent now; never throws for a bad packet.
/// </summary>
public interface IPacketSender
{
    bool TrySend(ReadOnlySpan<byte> ipv6Packet);
}
