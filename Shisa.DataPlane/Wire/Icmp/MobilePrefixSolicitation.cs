using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// Mobile Prefix Solicitation (RFC 6275 6.7): a mobile node away from home asks its home agent for the home
/// prefixes; sent from the care-of address with a Home Address option (RFC 6275 11.4.2).
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    Type=146   |     Code=0    |            Checksum           |   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Identifier          |            Reserved           |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public sealed record MobilePrefixSolicitation(ushort Identifier) : IIcmpv6Message
{
    public const int Length = 8;
    private const int IdentifierOffset = 4;
    private const int ReservedOffset = 6;

    public byte Type => Icmpv6Type.MobilePrefixSolicitation;

    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out MobilePrefixSolicitation? solicitation)
    {
        solicitation = null;
        if (message.Length < Length || message[0] != Icmpv6Type.MobilePrefixSolicitation)
        {
            return false;
        }

        solicitation = new MobilePrefixSolicitation(BinaryPrimitives.ReadUInt16BigEndian(message[IdentifierOffset..]));
        return true;
    }

    public int GetByteCount() => Length;

    public bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < Length)
        {
            return false;
        }

        var message = destination[..Length];
        Icmpv6Header.WriteHeader(message, Type, 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[IdentifierOffset..], Identifier);
        BinaryPrimitives.WriteUInt16BigEndian(message[ReservedOffset..], 0);
        Icmpv6Header.FillChecksum(message, pseudoSource, pseudoDestination);
        bytesWritten = Length;
        return true;
    }
}
