using Shisa.DataPlane.Wire;

namespace Shisa.DataPlane.Tunnels;

/// <summary>
/// The route optimization rewrites of the forwarding path (RFC 6275 9.3, 11.3), from a read-only packet into a
/// caller's slot, without allocating. Together with <see cref="HomeAddressOption.TryInsert"/> (the mobile node's
/// send path) they cover the four directions:
/// <list type="bullet">
/// <item>Correspondent, sending (9.3.2): <see cref="TryInsertType2RoutingHeader"/>: destination = the care-of address,
/// a type 2 routing header names the home address.</item>
/// <item>Mobile node, receiving (11.3.3): <see cref="TryProcessType2RoutingHeader"/>: destination = the home address
/// again, the routing header removed.</item>
/// <item>Correspondent, receiving (9.3.1): <see cref="TryProcessHomeAddressOption"/>: source = the home address again,
/// the option removed.</item>
/// </list>
/// The receive rewrites remove what they processed because this kernel has no Mobile IPv6: it would answer a Home
/// Address option or a type 2 routing header in what the appliance writes into its TUN with a Parameter Problem (and
/// the appliance's own nftables rules drop them). The upper-layer checksum stays valid each way: its pseudo-header
/// uses the home address before and after (RFC 6275 6.3, 6.4).
/// </summary>
public static class RouteOptimizationRewriter
{
    /// <summary>
    /// Writes <paramref name="packet"/>, addressed to a home address, into <paramref name="destination"/> addressed to
    /// <paramref name="careOfAddress"/> with a type 2 routing header (Segments Left 1) carrying the home address, placed
    /// right after the IPv6 header (or its Hop-by-Hop header). False when the packet does not parse, already has a
    /// routing header, would grow past 65535 octets of payload, or does not fit.
    /// </summary>
    public static bool TryInsertType2RoutingHeader(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> careOfAddress, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (careOfAddress.Length != Ipv6Header.AddressLength || !Ipv6Packet.TryParse(packet, out var parsed))
        {
            return false;
        }

        int at = Ipv6Header.Length;
        int nextFieldOffset = Ipv6Header.NextHeaderOffset;
        for (int i = 0; i < parsed.ExtensionHeaderCount; i++)
        {
            var header = parsed.GetExtensionHeader(i);
            if (header.Type == IpProtocol.Routing)
            {
                return false;
            }

            if (header.Type == IpProtocol.HopByHop)
            {
                at = header.Offset + header.Length;
                nextFieldOffset = header.Offset;
            }
        }

        int total = parsed.Bytes.Length;
        int length = Type2RoutingHeader.Length;
        if (parsed.Header.PayloadLength + length > Ipv6Header.MaxPayloadLength || destination.Length < total + length)
        {
            return false;
        }

        // The tail first: destination may be packet's own buffer.
        packet[at..total].CopyTo(destination[(at + length)..]);
        packet[..at].CopyTo(destination);
        Type2RoutingHeader.TryWrite(destination[at..], packet[nextFieldOffset], packet.Slice(Ipv6Header.DestinationOffset, Ipv6Header.AddressLength), out _);
        destination[nextFieldOffset] = IpProtocol.Routing;
        careOfAddress.CopyTo(destination.Slice(Ipv6Header.DestinationOffset, Ipv6Header.AddressLength));
        Ipv6Header.SetPayloadLength(destination, parsed.Header.PayloadLength + length);
        bytesWritten = total + length;
        return true;
    }

    /// <summary>
    /// Writes <paramref name="parsed"/> (a packet with a type 2 routing header) into <paramref name="destination"/> as
    /// the mobile node's upper layers must see it: destination = the header's home address, the header gone. False
    /// when it has none or <paramref name="destination"/> is short.
    /// </summary>
    public static bool TryProcessType2RoutingHeader(in Ipv6Packet parsed, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (!parsed.HasType2RoutingHeader || !TryFindHeader(parsed, parsed.Type2RoutingHeaderOffset, out var header, out int nextFieldOffset)
            || !TryCopyWithout(parsed.Bytes, header, nextFieldOffset, destination, out bytesWritten))
        {
            return false;
        }

        parsed.RoutingHomeAddress.CopyTo(destination.Slice(Ipv6Header.DestinationOffset, Ipv6Header.AddressLength));
        return true;
    }

    /// <summary>
    /// Writes <paramref name="parsed"/> (a packet with a Home Address option) into <paramref name="destination"/> as the
    /// correspondent's upper layers must see it: source = the home address; the Destination Options header removed when
    /// it holds nothing but the option and padding, else the option overwritten with padding. False without one or when
    /// <paramref name="destination"/> is short.
    /// </summary>
    public static bool TryProcessHomeAddressOption(in Ipv6Packet parsed, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int optionOffset = parsed.HomeAddressOffset - Ipv6Options.OptionHeaderLength;
        if (!parsed.HasHomeAddress || !TryFindHeader(parsed, optionOffset, out var header, out int nextFieldOffset))
        {
            return false;
        }

        if (OnlyHomeAddressAndPadding(parsed, header))
        {
            if (!TryCopyWithout(parsed.Bytes, header, nextFieldOffset, destination, out bytesWritten))
            {
                return false;
            }
        }
        else
        {
            if (destination.Length < parsed.Bytes.Length)
            {
                return false;
            }

            parsed.Bytes.CopyTo(destination);
            Ipv6Options.WritePadding(destination.Slice(optionOffset, HomeAddressOption.Length), HomeAddressOption.Length);
            bytesWritten = parsed.Bytes.Length;
        }

        parsed.HomeAddress.CopyTo(destination.Slice(Ipv6Header.SourceOffset, Ipv6Header.AddressLength));
        return true;
    }

    /// <summary>The extension header holding <paramref name="offset"/>, and the offset of the Next Header field naming it.</summary>
    private static bool TryFindHeader(in Ipv6Packet parsed, int offset, out ExtensionHeader found, out int nextFieldOffset)
    {
        nextFieldOffset = Ipv6Header.NextHeaderOffset;
        for (int i = 0; i < parsed.ExtensionHeaderCount; i++)
        {
            var header = parsed.GetExtensionHeader(i);
            if (offset >= header.Offset && offset < header.Offset + header.Length)
            {
                found = header;
                return true;
            }

            nextFieldOffset = header.Offset;
        }

        found = default;
        return false;
    }

    private static bool OnlyHomeAddressAndPadding(in Ipv6Packet parsed, ExtensionHeader header)
    {
        foreach (var option in parsed.GetOptions(header))
        {
            if (option.Type is not (Ipv6Options.Pad1 or Ipv6Options.PadN or HomeAddressOption.OptionType))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Copies <paramref name="packet"/> without <paramref name="header"/>: the Next Header field before it takes its value, Payload Length shrinks.</summary>
    private static bool TryCopyWithout(ReadOnlySpan<byte> packet, ExtensionHeader header, int nextFieldOffset, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int total = packet.Length;
        if (destination.Length < total - header.Length)
        {
            return false;
        }

        packet[..header.Offset].CopyTo(destination);
        packet[(header.Offset + header.Length)..].CopyTo(destination[header.Offset..]);
        destination[nextFieldOffset] = header.NextHeader;
        Ipv6Header.SetPayloadLength(destination, total - header.Length - Ipv6Header.Length);
        bytesWritten = total - header.Length;
        return true;
    }
}
