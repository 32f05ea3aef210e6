using System.Net;

namespace Shisa.DataPlane.Wire;

/// <summary>
/// Where a packet goes and how: the fixed header's addresses and fields, plus the optional Home Address
/// option (the mobile node sending from its care-of address) and type 2 routing header (a home agent or
/// correspondent sending to a care-of address). Spans, so the data path builds one without allocating.
/// </summary>
public readonly ref struct Ipv6Addressing
{
    public Ipv6Addressing(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte hopLimit)
    {
        Source = source;
        Destination = destination;
        HopLimit = hopLimit;
    }

    public ReadOnlySpan<byte> Source { get; }

    public ReadOnlySpan<byte> Destination { get; }

    public byte HopLimit { get; }

    /// <summary>When not empty, a Destination Options header with this Home Address option is added.</summary>
    public ReadOnlySpan<byte> HomeAddress { get; init; }

    /// <summary>When not empty, a type 2 routing header with this home address is added.</summary>
    public ReadOnlySpan<byte> RoutingHomeAddress { get; init; }

    public byte TrafficClass { get; init; }

    public uint FlowLabel { get; init; }

    /// <summary>Pseudo-header source: the home address when a HAO is sent (RFC 6275 6.3).</summary>
    public ReadOnlySpan<byte> PseudoSource => HomeAddress.IsEmpty ? Source : HomeAddress;

    /// <summary>Pseudo-header destination: the routing header's home address when one is sent (RFC 8200 8.1).</summary>
    public ReadOnlySpan<byte> PseudoDestination => RoutingHomeAddress.IsEmpty ? Destination : RoutingHomeAddress;

    /// <summary>Octets of the fixed header and the extension headers this addressing adds.</summary>
    public int HeadersLength => Ipv6Header.Length
        + (RoutingHomeAddress.IsEmpty ? 0 : Type2RoutingHeader.Length)
        + (HomeAddress.IsEmpty ? 0 : DestinationOptionsHeader.HomeAddressHeaderLength);
}

/// <summary>The same as <see cref="Ipv6Addressing"/> as a record, for signalling code that holds <see cref="IPAddress"/>es.</summary>
public sealed record Ipv6Envelope(
    IPAddress Source,
    IPAddress Destination,
    byte HopLimit = Ipv6Tunnel.DefaultHopLimit,
    IPAddress? HomeAddress = null,
    IPAddress? RoutingHomeAddress = null,
    byte TrafficClass = 0,
    uint FlowLabel = 0);

/// <summary>
/// Writes the fixed header and Shisa's mobility extension headers in front of an upper-layer message, in the
/// order of RFC 8200 4.1 and RFC 6275 6.3: IPv6, type 2 routing header, Destination Options (HAO), upper layer.
/// </summary>
public static class Ipv6PacketBuilder
{
    /// <summary>
    /// Writes the headers for an upper layer of <paramref name="upperLayerLength"/> octets; the caller writes the
    /// upper layer at <paramref name="headersLength"/> (its checksum over <see cref="Ipv6Addressing.PseudoSource"/>
    /// and <see cref="Ipv6Addressing.PseudoDestination"/>).
    /// </summary>
    public static bool TryWriteHeaders(Span<byte> destination, in Ipv6Addressing addressing, byte upperLayerProtocol, int upperLayerLength, out int headersLength)
    {
        headersLength = 0;
        int total = addressing.HeadersLength;
        if (upperLayerLength < 0 || destination.Length < total || total - Ipv6Header.Length + upperLayerLength > Ipv6Header.MaxPayloadLength)
        {
            return false;
        }

        bool routing = !addressing.RoutingHomeAddress.IsEmpty;
        bool home = !addressing.HomeAddress.IsEmpty;
        byte first = routing ? IpProtocol.Routing : home ? IpProtocol.DestinationOptions : upperLayerProtocol;
        if (!Ipv6Header.TryWrite(destination, addressing.TrafficClass, addressing.FlowLabel, total - Ipv6Header.Length + upperLayerLength,
                first, addressing.HopLimit, addressing.Source, addressing.Destination, out int at))
        {
            return false;
        }

        if (routing)
        {
            byte next = home ? IpProtocol.DestinationOptions : upperLayerProtocol;
            if (!Type2RoutingHeader.TryWrite(destination[at..], next, addressing.RoutingHomeAddress, out int written))
            {
                return false;
            }

            at += written;
        }

        if (home)
        {
            if (!DestinationOptionsHeader.TryWriteHomeAddress(destination[at..], upperLayerProtocol, addressing.HomeAddress, out int written))
            {
                return false;
            }

            at += written;
        }

        headersLength = at;
        return true;
    }

    /// <summary>Octets of scratch <see cref="TryGetAddressing"/> needs.</summary>
    public const int AddressingScratchLength = 4 * Ipv6Header.AddressLength;

    /// <summary>
    /// The span form of <paramref name="envelope"/>, its addresses written into <paramref name="scratch"/>
    /// (<see cref="AddressingScratchLength"/> octets). False when an address is not IPv6.
    /// </summary>
    public static bool TryGetAddressing(Ipv6Envelope envelope, Span<byte> scratch, out Ipv6Addressing addressing)
    {
        addressing = default;
        if (scratch.Length < AddressingScratchLength)
        {
            return false;
        }

        var source = scratch[..16];
        var destination = scratch[16..32];
        var home = scratch[32..48];
        var routing = scratch[48..64];
        if (!Ipv6Header.TryWriteAddress(envelope.Source, source) || !Ipv6Header.TryWriteAddress(envelope.Destination, destination)
            || (envelope.HomeAddress is not null && !Ipv6Header.TryWriteAddress(envelope.HomeAddress, home))
            || (envelope.RoutingHomeAddress is not null && !Ipv6Header.TryWriteAddress(envelope.RoutingHomeAddress, routing)))
        {
            return false;
        }

        addressing = new Ipv6Addressing(source, destination, envelope.HopLimit)
        {
            HomeAddress = envelope.HomeAddress is null ? default : home,
            RoutingHomeAddress = envelope.RoutingHomeAddress is null ? default : routing,
            TrafficClass = envelope.TrafficClass,
            FlowLabel = envelope.FlowLabel,
        };
        return true;
    }
}
