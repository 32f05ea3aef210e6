using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// Echo Request and Echo Reply (RFC 4443 4.1, 4.2).
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Type=128/129 |     Code=0    |          Checksum             |   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Identifier          |        Sequence Number        |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Data ...                                                      8
/// </code>
/// </remarks>
public sealed record EchoMessage(bool IsReply, ushort Identifier, ushort Sequence, ReadOnlyMemory<byte> Data) : IIcmpv6Message
{
    public const int HeaderLength = 8;
    private const int IdentifierOffset = 4;
    private const int SequenceOffset = 6;

    public byte Type => IsReply ? Icmpv6Type.EchoReply : Icmpv6Type.EchoRequest;

    /// <summary>Reads an Echo Request or Reply; false for another type or fewer than 8 octets.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out EchoMessage? echo)
    {
        echo = null;
        if (message.Length < HeaderLength || message[0] is not (Icmpv6Type.EchoRequest or Icmpv6Type.EchoReply))
        {
            return false;
        }

        echo = new EchoMessage(
            message[0] == Icmpv6Type.EchoReply,
            BinaryPrimitives.ReadUInt16BigEndian(message[IdentifierOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[SequenceOffset..]),
            message[HeaderLength..].ToArray());
        return true;
    }

    public int GetByteCount() => HeaderLength + Data.Length;

    public bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, out int bytesWritten)
    {
        bytesWritten = 0;
        int length = GetByteCount();
        if (destination.Length < length)
        {
            return false;
        }

        var message = destination[..length];
        Icmpv6Header.WriteHeader(message, Type, 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[IdentifierOffset..], Identifier);
        BinaryPrimitives.WriteUInt16BigEndian(message[SequenceOffset..], Sequence);
        Data.Span.CopyTo(message[HeaderLength..]);
        Icmpv6Header.FillChecksum(message, pseudoSource, pseudoDestination);
        bytesWritten = length;
        return true;
    }

    public bool Equals(EchoMessage? other) => other is not null && IsReply == other.IsReply && Identifier == other.Identifier
        && Sequence == other.Sequence && Data.Span.SequenceEqual(other.Data.Span);

    public override int GetHashCode() => HashCode.Combine(IsReply, Identifier, Sequence, Data.Length);
}
