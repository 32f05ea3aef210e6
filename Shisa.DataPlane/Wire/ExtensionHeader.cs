using System.Runtime.CompilerServices;

namespace Shisa.DataPlane.Wire;

/// <summary>
/// One extension header met by <see cref="ExtensionHeaderWalker"/>: its protocol number (the Next Header
/// value that named it), its own Next Header, its raw length field, and where it lies in the packet.
/// </summary>
/// <param name="Type">0 Hop-by-Hop, 43 Routing, 44 Fragment, 51 AH or 60 Destination Options.</param>
/// <param name="NextHeader">The header's Next Header octet.</param>
/// <param name="LengthField">Hdr Ext Len as on the wire (0 for Fragment, which has none).</param>
/// <param name="Offset">Offset of the header from the start of the IPv6 packet.</param>
/// <param name="Length">Length of the header in octets.</param>
public readonly record struct ExtensionHeader(byte Type, byte NextHeader, byte LengthField, int Offset, int Length)
{
    /// <summary>For a routing header, the Routing Type (else 0); read from <paramref name="packet"/>.</summary>
    public byte RoutingType(ReadOnlySpan<byte> packet) => Type == IpProtocol.Routing ? packet[Offset + 2] : (byte)0;

    /// <summary>For a routing header, Segments Left (else 0).</summary>
    public byte SegmentsLeft(ReadOnlySpan<byte> packet) => Type == IpProtocol.Routing ? packet[Offset + 3] : (byte)0;

    /// <summary>The header's octets in <paramref name="packet"/>.</summary>
    public ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> packet) => packet.Slice(Offset, Length);

    /// <summary>True for the headers made of TLV options (Hop-by-Hop, Destination Options).</summary>
    public bool HasOptions => Type is IpProtocol.HopByHop or IpProtocol.DestinationOptions;
}

/// <summary>Fixed room for the extension headers of one packet, inline so a walk allocates nothing.</summary>
[InlineArray(Ipv6Packet.MaxExtensionHeaders)]
internal struct ExtensionHeaderBuffer
{
    private ExtensionHeader _first;
}
