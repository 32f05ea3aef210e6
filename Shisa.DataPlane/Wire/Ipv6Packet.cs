namespace Shisa.DataPlane.Wire;

/// <summary>
/// A parsed IPv6 packet: the fixed header, the extension headers up to the upper layer, the Home Address
/// option and type 2 routing header if any, and the upper-layer pseudo-header addresses. Built by
/// <see cref="TryParse(ReadOnlySpan{byte}, out Ipv6Packet)"/> (the <see cref="ExtensionHeaderWalker"/>) without allocation; a view over the
/// caller's bytes, so it lives no longer than they do.
/// </summary>
/// <remarks>
/// The pseudo-header source is the Home Address option's address when there is one (RFC 6275 6.3), the
/// destination is the type 2 routing header's address (the final destination, RFC 8200 8.1): the
/// interoperability vectors' "checksum rule". The packet ends where Payload Length says; octets after it
/// (link padding) are not part of it.
/// </remarks>
public readonly ref struct Ipv6Packet
{
    /// <summary>Most extension headers a packet may carry before it is refused.</summary>
    public const int MaxExtensionHeaders = 8;

    private readonly ExtensionHeaderBuffer _headers;

    internal Ipv6Packet(
        ReadOnlySpan<byte> bytes,
        Ipv6Header header,
        ExtensionHeaderBuffer headers,
        int headerCount,
        int homeAddressOffset,
        int routingHomeAddressOffset,
        byte upperLayerProtocol,
        int upperLayerOffset,
        bool isFragment,
        ReadOnlySpan<byte> pseudoSource,
        ReadOnlySpan<byte> pseudoDestination)
    {
        Bytes = bytes;
        Header = header;
        _headers = headers;
        ExtensionHeaderCount = headerCount;
        HomeAddressOffset = homeAddressOffset;
        RoutingHomeAddressOffset = routingHomeAddressOffset;
        UpperLayerProtocol = upperLayerProtocol;
        UpperLayerOffset = upperLayerOffset;
        IsFragment = isFragment;
        PseudoSource = pseudoSource;
        PseudoDestination = pseudoDestination;
    }

    /// <summary>Parses <paramref name="data"/>; on refusal, <paramref name="refusal"/> says why and whether to send a Parameter Problem.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out Ipv6Packet packet, out Ipv6Refusal refusal) =>
        ExtensionHeaderWalker.TryWalk(data, out packet, out refusal);

    /// <summary>Parses <paramref name="data"/>, dropping the refusal's details.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out Ipv6Packet packet) =>
        ExtensionHeaderWalker.TryWalk(data, out packet, out _);

    /// <summary>The packet: 40 + Payload Length octets.</summary>
    public ReadOnlySpan<byte> Bytes { get; }

    public Ipv6Header Header { get; }

    public int ExtensionHeaderCount { get; }

    /// <summary>The <paramref name="index"/>th extension header, in packet order.</summary>
    public ExtensionHeader GetExtensionHeader(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ExtensionHeaderCount);
        return _headers[index];
    }

    /// <summary>The options of a Hop-by-Hop or Destination Options header of this packet (offsets from the header's start).</summary>
    public OptionEnumerator GetOptions(ExtensionHeader header) =>
        header.HasOptions ? Ipv6Options.Enumerate(header.Slice(Bytes)) : default;

    /// <summary>Offset of the Home Address option's address in the packet; -1 without one.</summary>
    public int HomeAddressOffset { get; }

    public bool HasHomeAddress => HomeAddressOffset >= 0;

    /// <summary>The Home Address option's address (empty without one).</summary>
    public ReadOnlySpan<byte> HomeAddress => HasHomeAddress ? Bytes.Slice(HomeAddressOffset, Ipv6Header.AddressLength) : default;

    /// <summary>Offset of the type 2 routing header's home address in the packet; -1 without one.</summary>
    public int RoutingHomeAddressOffset { get; }

    public bool HasType2RoutingHeader => RoutingHomeAddressOffset >= 0;

    /// <summary>Offset of the type 2 routing header itself; -1 without one.</summary>
    public int Type2RoutingHeaderOffset => HasType2RoutingHeader ? RoutingHomeAddressOffset - Type2RoutingHeader.HomeAddressOffset : -1;

    /// <summary>The type 2 routing header's home address (empty without one).</summary>
    public ReadOnlySpan<byte> RoutingHomeAddress => HasType2RoutingHeader ? Bytes.Slice(RoutingHomeAddressOffset, Ipv6Header.AddressLength) : default;

    /// <summary>The Next Header value that names the upper layer (59 when there is none).</summary>
    public byte UpperLayerProtocol { get; }

    /// <summary>Offset of the upper layer (for a non-atomic fragment: of the fragment's data).</summary>
    public int UpperLayerOffset { get; }

    public ReadOnlySpan<byte> UpperLayer => Bytes[UpperLayerOffset..];

    /// <summary>True when a Fragment header that is not atomic stopped the walk: reassemble before reading the upper layer.</summary>
    public bool IsFragment { get; }

    /// <summary>Source of the upper-layer checksum's pseudo-header: the home address with a HAO, else the source.</summary>
    public ReadOnlySpan<byte> PseudoSource { get; }

    /// <summary>Destination of the pseudo-header: the type 2 routing header's address with one, else the destination.</summary>
    public ReadOnlySpan<byte> PseudoDestination { get; }
}
