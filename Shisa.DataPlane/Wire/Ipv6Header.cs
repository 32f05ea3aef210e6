using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Shisa.DataPlane.Wire;

/// <summary>
/// A checked view of the fixed IPv6 header (RFC 8200 3). <see cref="TryRead"/> checks the length (40 octets)
/// and the version once; after that no accessor can fail.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Traffic Class |           Flow Label                  |   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Payload Length        |  Next Header  |   Hop Limit   |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Source Address (128 bits)             |   8
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      Destination Address (128 bits)           |  24
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public readonly ref struct Ipv6Header
{
    /// <summary>Length of the fixed header.</summary>
    public const int Length = 40;

    /// <summary>Length of an IPv6 address.</summary>
    public const int AddressLength = 16;

    /// <summary>The minimum link MTU every IPv6 link supports (RFC 8200 5).</summary>
    public const int MinimumMtu = 1280;

    /// <summary>The largest payload without a Jumbo Payload option.</summary>
    public const int MaxPayloadLength = ushort.MaxValue;

    public const byte Version6 = 6;

    /// <summary>Offsets of the fields, named as in RFC 8200 3 (also the Parameter Problem pointers into it).</summary>
    public const int VersionClassFlowOffset = 0;
    public const int PayloadLengthOffset = 4;
    public const int NextHeaderOffset = 6;
    public const int HopLimitOffset = 7;
    public const int SourceOffset = 8;
    public const int DestinationOffset = 24;

    private const int VersionShift = 28;
    private const int TrafficClassShift = 20;
    private const uint TrafficClassMask = 0xFF;
    private const uint FlowLabelMask = 0x000F_FFFF;

    private readonly ReadOnlySpan<byte> _bytes;

    private Ipv6Header(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    /// <summary>Reads the fixed header at the start of <paramref name="packet"/>: false when shorter than 40 octets or not version 6.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out Ipv6Header header)
    {
        if (packet.Length < Length || (packet[0] >> 4) != Version6)
        {
            header = default;
            return false;
        }

        header = new Ipv6Header(packet[..Length]);
        return true;
    }

    public int Version => _bytes[0] >> 4;

    public byte TrafficClass => (byte)((BinaryPrimitives.ReadUInt32BigEndian(_bytes) >> TrafficClassShift) & TrafficClassMask);

    public uint FlowLabel => BinaryPrimitives.ReadUInt32BigEndian(_bytes) & FlowLabelMask;

    public ushort PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_bytes[PayloadLengthOffset..]);

    public byte NextHeader => _bytes[NextHeaderOffset];

    public byte HopLimit => _bytes[HopLimitOffset];

    /// <summary>The 16 octets of the source address.</summary>
    public ReadOnlySpan<byte> Source => _bytes.Slice(SourceOffset, AddressLength);

    /// <summary>The 16 octets of the destination address.</summary>
    public ReadOnlySpan<byte> Destination => _bytes.Slice(DestinationOffset, AddressLength);

    /// <summary>The source as an <see cref="IPAddress"/> (allocates: for records and logs, not the forwarding path).</summary>
    public IPAddress SourceAddress => new(Source);

    public IPAddress DestinationAddress => new(Destination);

    /// <summary>The header's typed record.</summary>
    public Ipv6HeaderRecord ToRecord() =>
        new(TrafficClass, FlowLabel, PayloadLength, NextHeader, HopLimit, SourceAddress, DestinationAddress);

    /// <summary>
    /// Writes a fixed header into the first 40 octets of <paramref name="destination"/>. False when the
    /// buffer is short, the flow label exceeds 20 bits, or an address is not 16 octets.
    /// </summary>
    public static bool TryWrite(
        Span<byte> destination,
        byte trafficClass,
        uint flowLabel,
        int payloadLength,
        byte nextHeader,
        byte hopLimit,
        ReadOnlySpan<byte> source,
        ReadOnlySpan<byte> destinationAddress,
        out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < Length || flowLabel > FlowLabelMask || (uint)payloadLength > MaxPayloadLength
            || source.Length != AddressLength || destinationAddress.Length != AddressLength)
        {
            return false;
        }

        uint first = ((uint)Version6 << VersionShift) | ((uint)trafficClass << TrafficClassShift) | flowLabel;
        BinaryPrimitives.WriteUInt32BigEndian(destination, first);
        BinaryPrimitives.WriteUInt16BigEndian(destination[PayloadLengthOffset..], (ushort)payloadLength);
        destination[NextHeaderOffset] = nextHeader;
        destination[HopLimitOffset] = hopLimit;
        source.CopyTo(destination[SourceOffset..]);
        destinationAddress.CopyTo(destination[DestinationOffset..]);
        bytesWritten = Length;
        return true;
    }

    /// <summary>Overwrites the Payload Length of a header already in <paramref name="packet"/>.</summary>
    public static void SetPayloadLength(Span<byte> packet, int payloadLength) =>
        BinaryPrimitives.WriteUInt16BigEndian(packet[PayloadLengthOffset..], checked((ushort)payloadLength));

    /// <summary>True for an IPv6 multicast address (ff00::/8).</summary>
    public static bool IsMulticast(ReadOnlySpan<byte> address) => address[0] == 0xFF;

    /// <summary>Writes <paramref name="address"/> (which must be IPv6) as 16 octets.</summary>
    public static bool TryWriteAddress(IPAddress address, Span<byte> destination) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.TryWriteBytes(destination, out int written) && written == AddressLength;
}

/// <summary>The fixed IPv6 header's fields as a record (RFC 8200 3).</summary>
public sealed record Ipv6HeaderRecord(
    byte TrafficClass,
    uint FlowLabel,
    ushort PayloadLength,
    byte NextHeader,
    byte HopLimit,
    IPAddress Source,
    IPAddress Destination)
{
    public int GetByteCount() => Ipv6Header.Length;

    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        Span<byte> src = stackalloc byte[Ipv6Header.AddressLength];
        Span<byte> dst = stackalloc byte[Ipv6Header.AddressLength];
        return Ipv6Header.TryWriteAddress(Source, src) && Ipv6Header.TryWriteAddress(Destination, dst)
            && Ipv6Header.TryWrite(destination, TrafficClass, FlowLabel, PayloadLength, NextHeader, HopLimit, src, dst, out bytesWritten);
    }
}
