using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// A checked view of any ICMPv6 message's common part (RFC 4443 2.1), with the checksum over the IPv6
/// pseudo-header (RFC 4443 2.3, RFC 8200 8.1).
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Message Body                          |   4
/// </code>
/// The pseudo-header's addresses are the packet's <see cref="Ipv6Packet.PseudoSource"/> and
/// <see cref="Ipv6Packet.PseudoDestination"/> (home address, routing header's final destination).
/// </remarks>
public readonly ref struct Icmpv6Header
{
    public const int Length = 4;
    public const int TypeOffset = 0;
    public const int CodeOffset = 1;
    public const int ChecksumOffset = 2;

    /// <summary>Most octets of an ICMPv6 error message sent without extension headers (RFC 4443 2.4 (c)): 1280 - 40.</summary>
    public const int MaxErrorMessageLength = Ipv6Header.MinimumMtu - Ipv6Header.Length;

    private readonly ReadOnlySpan<byte> _bytes;

    private Icmpv6Header(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    /// <summary>Reads a message (the whole upper layer); false when shorter than 4 octets.</summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out Icmpv6Header view)
    {
        view = message.Length >= Length ? new Icmpv6Header(message) : default;
        return message.Length >= Length;
    }

    public byte Type => _bytes[TypeOffset];

    public byte Code => _bytes[CodeOffset];

    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);

    /// <summary>The whole message, header included.</summary>
    public ReadOnlySpan<byte> Message => _bytes;

    public ReadOnlySpan<byte> Body => _bytes[Length..];

    /// <summary>True when the checksum is right for these pseudo-header addresses.</summary>
    public bool VerifyChecksum(ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination) =>
        InternetChecksum.Compute(pseudoSource, pseudoDestination, IpProtocol.Icmpv6, _bytes) == 0;

    /// <summary>The checksum the message should carry (computed as if the field were zero).</summary>
    public ushort ComputeChecksum(ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination) =>
        ComputeChecksum(_bytes, pseudoSource, pseudoDestination);

    /// <summary>The checksum for <paramref name="message"/> whatever its checksum field holds.</summary>
    public static ushort ComputeChecksum(ReadOnlySpan<byte> message, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination)
    {
        uint sum = InternetChecksum.PseudoHeader(pseudoSource, pseudoDestination, message.Length, IpProtocol.Icmpv6);
        sum = InternetChecksum.Add(sum, message[..ChecksumOffset]);
        sum = InternetChecksum.Add(sum, message[Length..]);
        return InternetChecksum.Finish(sum);
    }

    /// <summary>Writes type, code and a zero checksum at the start of <paramref name="destination"/> (4 octets).</summary>
    public static void WriteHeader(Span<byte> destination, byte type, byte code)
    {
        destination[TypeOffset] = type;
        destination[CodeOffset] = code;
        BinaryPrimitives.WriteUInt16BigEndian(destination[ChecksumOffset..], 0);
    }

    /// <summary>Computes and stores the checksum of the finished <paramref name="message"/>.</summary>
    public static void FillChecksum(Span<byte> message, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination) =>
        BinaryPrimitives.WriteUInt16BigEndian(message[ChecksumOffset..], ComputeChecksum(message, pseudoSource, pseudoDestination));
}
