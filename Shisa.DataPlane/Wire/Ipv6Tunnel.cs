namespace Shisa.DataPlane.Wire;

/// <summary>
/// IPv6-in-IPv6 tunnelling (RFC 2473), the home agent's and mobile node's bidirectional tunnel (RFC 6275
/// 10.4.1, 11.3.1; RFC 3963 5.5). The outer header is a plain IPv6 header with Next Header 41 in front of
/// the untouched inner packet:
/// <code>
/// +----------------------------------+--------------------------------------+
/// | outer IPv6 header (40 octets)    | original packet (header + payload)   |
/// | nh 41, src entry, dst exit point |                                      |
/// +----------------------------------+--------------------------------------+
/// </code>
/// </summary>
/// <remarks>
/// Defaults as RFC 2473 6.3 and 6.4-6.5 set them for a node without configuration: the tunnel hop limit is the
/// node's default hop limit (64, the Neighbor Discovery default the vectors use), the traffic class is the
/// tunnel's configured value (0 unless the caller passes another, e.g. the inner one to copy it) and the
/// flow label is 0. No Tunnel Encapsulation Limit option is added.
/// </remarks>
public static class Ipv6Tunnel
{
    /// <summary>The outer header's length: what encapsulation adds.</summary>
    public const int Overhead = Ipv6Header.Length;

    /// <summary>Default tunnel hop limit (RFC 2473 6.3; RFC 4861 10 CurHopLimit default).</summary>
    public const byte DefaultHopLimit = 64;

    /// <summary>
    /// Writes only the 40-octet outer header for an inner packet of <paramref name="innerLength"/> octets;
    /// the caller places the inner packet right after it (encapsulation in place, with 40 octets of headroom).
    /// </summary>
    public static bool TryWriteOuterHeader(
        Span<byte> destination,
        int innerLength,
        ReadOnlySpan<byte> entryPoint,
        ReadOnlySpan<byte> exitPoint,
        out int bytesWritten,
        byte hopLimit = DefaultHopLimit,
        byte trafficClass = 0,
        uint flowLabel = 0) =>
        Ipv6Header.TryWrite(destination, trafficClass, flowLabel, innerLength, IpProtocol.Ipv6, hopLimit, entryPoint, exitPoint, out bytesWritten);

    /// <summary>
    /// Encapsulates <paramref name="innerPacket"/> from <paramref name="entryPoint"/> to <paramref name="exitPoint"/>
    /// into <paramref name="destination"/>. The buffers may overlap (the inner packet is moved before the outer
    /// header is written). False when the buffer is short or the result would exceed 65535 octets of payload.
    /// </summary>
    public static bool TryEncapsulate(
        ReadOnlySpan<byte> innerPacket,
        ReadOnlySpan<byte> entryPoint,
        ReadOnlySpan<byte> exitPoint,
        Span<byte> destination,
        out int bytesWritten,
        byte hopLimit = DefaultHopLimit,
        byte trafficClass = 0,
        uint flowLabel = 0)
    {
        bytesWritten = 0;
        if (innerPacket.Length > Ipv6Header.MaxPayloadLength || destination.Length < Overhead + innerPacket.Length
            || entryPoint.Length != Ipv6Header.AddressLength || exitPoint.Length != Ipv6Header.AddressLength)
        {
            return false;
        }

        // Addresses may lie in the buffer being overwritten (e.g. taken from the inner header): hold them.
        Span<byte> entry = stackalloc byte[Ipv6Header.AddressLength];
        Span<byte> exit = stackalloc byte[Ipv6Header.AddressLength];
        entryPoint.CopyTo(entry);
        exitPoint.CopyTo(exit);
        innerPacket.CopyTo(destination[Overhead..]);
        if (!TryWriteOuterHeader(destination, innerPacket.Length, entry, exit, out _, hopLimit, trafficClass, flowLabel))
        {
            return false;
        }

        bytesWritten = Overhead + innerPacket.Length;
        return true;
    }

    /// <summary>
    /// The inner packet of a tunnelled packet: false unless the outer packet parses and its upper layer is
    /// IPv6 (41) holding at least a version-6 fixed header. Extension headers of the outer packet are walked.
    /// </summary>
    public static bool TryDecapsulate(ReadOnlySpan<byte> packet, out ReadOnlySpan<byte> innerPacket)
    {
        innerPacket = default;
        if (!Ipv6Packet.TryParse(packet, out var outer) || outer.UpperLayerProtocol != IpProtocol.Ipv6 || outer.IsFragment)
        {
            return false;
        }

        var inner = outer.UpperLayer;
        if (!Ipv6Header.TryRead(inner, out _))
        {
            return false;
        }

        innerPacket = inner;
        return true;
    }
}
