using System.Buffers.Binary;
using System.Net;

namespace Shisa.DataPlane.Wire;

/// <summary>
/// The type 2 routing header (RFC 6275 6.4): a correspondent or home agent routes a packet to the care-of
/// address with the mobile node's home address as the one remaining segment.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Header  | Hdr Ext Len=2 | Routing Type=2|Segments Left=1|   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            Reserved                           |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          Home Address                         |   8
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Anything but Hdr Ext Len 2 and Segments Left 1 is refused (the walker's reasons say which).
/// </remarks>
public readonly ref struct Type2RoutingHeader
{
    /// <summary>Length of the header: 8 + 16.</summary>
    public const int Length = 24;
    public const byte RoutingTypeValue = 2;
    public const byte HdrExtLenValue = 2;
    public const byte SegmentsLeftValue = 1;

    public const int NextHeaderOffset = 0;
    public const int HdrExtLenOffset = 1;
    public const int RoutingTypeOffset = 2;
    public const int SegmentsLeftOffset = 3;
    public const int ReservedOffset = 4;
    public const int HomeAddressOffset = 8;

    private readonly ReadOnlySpan<byte> _bytes;

    private Type2RoutingHeader(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    /// <summary>
    /// Reads a type 2 routing header at the start of <paramref name="header"/>: false, with the reason, when
    /// short, of another routing type, or not Hdr Ext Len 2 / Segments Left 1.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> header, out Type2RoutingHeader view, out Ipv6RefusalReason reason)
    {
        view = default;
        reason = Ipv6RefusalReason.None;
        if (header.Length < Length)
        {
            reason = Ipv6RefusalReason.ExtensionHeaderTruncated;
            return false;
        }

        if (header[RoutingTypeOffset] != RoutingTypeValue)
        {
            reason = Ipv6RefusalReason.UnrecognizedRoutingType;
            return false;
        }

        if (header[HdrExtLenOffset] != HdrExtLenValue)
        {
            reason = Ipv6RefusalReason.Type2RoutingHeaderLength;
            return false;
        }

        if (header[SegmentsLeftOffset] != SegmentsLeftValue)
        {
            reason = Ipv6RefusalReason.Type2RoutingHeaderSegmentsLeft;
            return false;
        }

        view = new Type2RoutingHeader(header[..Length]);
        return true;
    }

    public byte NextHeader => _bytes[NextHeaderOffset];

    public byte SegmentsLeft => _bytes[SegmentsLeftOffset];

    public uint Reserved => BinaryPrimitives.ReadUInt32BigEndian(_bytes[ReservedOffset..]);

    public ReadOnlySpan<byte> HomeAddress => _bytes.Slice(HomeAddressOffset, Ipv6Header.AddressLength);

    public Type2RoutingHeaderRecord ToRecord() => new(NextHeader, new IPAddress(HomeAddress));

    public static int GetByteCount() => Length;

    /// <summary>Writes the header (Segments Left 1, Reserved 0) into <paramref name="destination"/>.</summary>
    public static bool TryWrite(Span<byte> destination, byte nextHeader, ReadOnlySpan<byte> homeAddress, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < Length || homeAddress.Length != Ipv6Header.AddressLength)
        {
            return false;
        }

        destination[NextHeaderOffset] = nextHeader;
        destination[HdrExtLenOffset] = HdrExtLenValue;
        destination[RoutingTypeOffset] = RoutingTypeValue;
        destination[SegmentsLeftOffset] = SegmentsLeftValue;
        BinaryPrimitives.WriteUInt32BigEndian(destination[ReservedOffset..], 0);
        homeAddress.CopyTo(destination[HomeAddressOffset..]);
        bytesWritten = Length;
        return true;
    }

    /// <summary>
    /// Receive processing at the mobile node (RFC 6275 11.3.3, RFC 8200 4.4): swaps the IPv6 destination (the
    /// care-of address) with the header's home address and sets Segments Left to 0, in place.
    /// <paramref name="headerOffset"/> is the routing header's offset in <paramref name="packet"/>.
    /// </summary>
    public static void SwapDestinationInPlace(Span<byte> packet, int headerOffset)
    {
        var destination = packet.Slice(Ipv6Header.DestinationOffset, Ipv6Header.AddressLength);
        var home = packet.Slice(headerOffset + HomeAddressOffset, Ipv6Header.AddressLength);
        Span<byte> held = stackalloc byte[Ipv6Header.AddressLength];
        destination.CopyTo(held);
        home.CopyTo(destination);
        held.CopyTo(home);
        packet[headerOffset + SegmentsLeftOffset] = 0;
    }
}

/// <summary>A type 2 routing header as a record (RFC 6275 6.4).</summary>
public sealed record Type2RoutingHeaderRecord(byte NextHeader, IPAddress HomeAddress)
{
    public int GetByteCount() => Type2RoutingHeader.Length;

    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        Span<byte> home = stackalloc byte[Ipv6Header.AddressLength];
        return Ipv6Header.TryWriteAddress(HomeAddress, home) && Type2RoutingHeader.TryWrite(destination, NextHeader, home, out bytesWritten);
    }

    public static bool TryParse(ReadOnlySpan<byte> header, out Type2RoutingHeaderRecord? record)
    {
        record = Type2RoutingHeader.TryRead(header, out var view, out _) ? view.ToRecord() : null;
        return record is not null;
    }
}
