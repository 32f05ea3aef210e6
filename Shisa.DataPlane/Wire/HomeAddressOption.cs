using System.Net;

namespace Shisa.DataPlane.Wire;

/// <summary>
/// The Home Address destination option (RFC 6275 6.3): a mobile node away from home sends from its care-of
/// address and names its home address here; the receiver swaps them back before the upper layer.
/// </summary>
/// <remarks>
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |  Option Type  | Option Length |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                          Home Address                         +   (16 octets)
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// Option Type 201 (0xC9: action bits 11, not changing en route); Option Length 16; alignment 8n+6.
/// At most one per IPv6 header; after a routing header, before Fragment, AH and ESP.
/// </code>
/// </remarks>
public static class HomeAddressOption
{
    public const byte OptionType = 0xC9;
    public const byte DataLength = 16;

    /// <summary>Octets the option takes: type, length, address.</summary>
    public const int Length = Ipv6Options.OptionHeaderLength + DataLength;

    /// <summary>Alignment 8n+6: the option's offset in its header modulo 8.</summary>
    public const int AlignmentOffset = 6;
    public const int Alignment = 8;

    /// <summary>The address of a Home Address option; false when the option is not one or its length is not 16.</summary>
    public static bool TryRead(Ipv6Option option, out ReadOnlySpan<byte> homeAddress)
    {
        bool ok = option.Type == OptionType && option.DataLength == DataLength;
        homeAddress = ok ? option.Data : default;
        return ok;
    }

    public static int GetByteCount() => Length;

    /// <summary>Writes the option TLV (18 octets); the caller places it at 8n+6.</summary>
    public static bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> homeAddress, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < Length || homeAddress.Length != Ipv6Header.AddressLength)
        {
            return false;
        }

        destination[0] = OptionType;
        destination[1] = DataLength;
        homeAddress.CopyTo(destination[Ipv6Options.OptionHeaderLength..]);
        bytesWritten = Length;
        return true;
    }

    /// <summary>Octets <see cref="TryInsert"/> adds to a packet.</summary>
    public const int InsertedLength = DestinationOptionsHeader.HomeAddressHeaderLength;

    /// <summary>
    /// The mobile node's send path (RFC 6275 11.3.1): turns <paramref name="packet"/>, sent from the home
    /// address, into the same packet from <paramref name="careOfAddress"/> with a Destination Options header
    /// carrying a Home Address option of the old source, written into <paramref name="destination"/>. The
    /// header goes after Hop-by-Hop, a routing header and a Destination Options header that precedes one
    /// (RFC 8200 4.1 order, RFC 6275 6.3), before everything else. The upper-layer checksum stays valid: its
    /// pseudo-header source is the home address either way.
    /// </summary>
    /// <remarks>
    /// <paramref name="destination"/> may be the packet's own buffer (same start, with room for 24 more
    /// octets): the tail is moved first. Returns false when the buffer is short; the packet is refused by
    /// <see cref="Ipv6Packet.TryParse(ReadOnlySpan{byte}, out Ipv6Packet)"/>, too long, already has a Home Address option or
    /// <see cref="Ipv6Packet.MaxExtensionHeaders"/> headers; its source is not a routable unicast address
    /// (RFC 6275 9.3.1); or it already has a Destination Options header in the place the new one would take
    /// (merging options is not done).
    /// </remarks>
    public static bool TryInsert(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> careOfAddress, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (careOfAddress.Length != Ipv6Header.AddressLength || !Ipv6Packet.TryParse(packet, out var parsed)
            || parsed.HasHomeAddress || parsed.ExtensionHeaderCount >= Ipv6Packet.MaxExtensionHeaders
            || !Ipv6Address.IsRoutableUnicast(parsed.Header.Source))
        {
            return false;
        }

        int total = parsed.Bytes.Length;
        if (parsed.Header.PayloadLength + InsertedLength > Ipv6Header.MaxPayloadLength || destination.Length < total + InsertedLength)
        {
            return false;
        }

        FindInsertionPoint(parsed, out int at, out int nextFieldOffset);
        byte next = packet[nextFieldOffset];
        if (next == IpProtocol.DestinationOptions)
        {
            return false;
        }

        Span<byte> home = stackalloc byte[Ipv6Header.AddressLength];
        parsed.Header.Source.CopyTo(home);
        int payloadLength = parsed.Header.PayloadLength + InsertedLength;

        packet[at..total].CopyTo(destination[(at + InsertedLength)..]);
        packet[..at].CopyTo(destination);
        DestinationOptionsHeader.TryWriteHomeAddress(destination[at..], next, home, out _);
        destination[nextFieldOffset] = IpProtocol.DestinationOptions;
        careOfAddress.CopyTo(destination[Ipv6Header.SourceOffset..]);
        Ipv6Header.SetPayloadLength(destination, payloadLength);
        bytesWritten = total + InsertedLength;
        return true;
    }

    /// <summary>
    /// Receive processing at a correspondent or home agent (RFC 6275 9.3.1): swaps the IPv6 source (the
    /// care-of address) with the option's home address, in place. <paramref name="homeAddressOffset"/> is
    /// <see cref="Ipv6Packet.HomeAddressOffset"/>.
    /// </summary>
    public static void SwapSourceInPlace(Span<byte> packet, int homeAddressOffset)
    {
        var source = packet.Slice(Ipv6Header.SourceOffset, Ipv6Header.AddressLength);
        var home = packet.Slice(homeAddressOffset, Ipv6Header.AddressLength);
        Span<byte> held = stackalloc byte[Ipv6Header.AddressLength];
        source.CopyTo(held);
        home.CopyTo(source);
        held.CopyTo(home);
    }

    /// <summary>After Hop-by-Hop, routing headers and a Destination Options header that precedes a routing header.</summary>
    private static void FindInsertionPoint(Ipv6Packet parsed, out int at, out int nextFieldOffset)
    {
        at = parsed.UpperLayerOffset;
        nextFieldOffset = Ipv6Header.NextHeaderOffset;
        for (int i = 0; i < parsed.ExtensionHeaderCount; i++)
        {
            var header = parsed.GetExtensionHeader(i);
            bool skip = header.Type is IpProtocol.HopByHop or IpProtocol.Routing
                || (header.Type == IpProtocol.DestinationOptions && header.NextHeader == IpProtocol.Routing);
            if (!skip)
            {
                at = header.Offset;
                return;
            }

            nextFieldOffset = header.Offset;
        }
    }
}

/// <summary>A Home Address option as a record (RFC 6275 6.3).</summary>
public sealed record HomeAddressOptionRecord(IPAddress HomeAddress)
{
    public int GetByteCount() => HomeAddressOption.Length;

    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        Span<byte> home = stackalloc byte[Ipv6Header.AddressLength];
        return Ipv6Header.TryWriteAddress(HomeAddress, home) && HomeAddressOption.TryWrite(destination, home, out bytesWritten);
    }
}
