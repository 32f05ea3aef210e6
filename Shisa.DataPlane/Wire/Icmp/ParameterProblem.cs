using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// Parameter Problem (RFC 4443 3.4): sent to the invoking packet's source when a header field cannot be
/// processed; Mobile IPv6 uses it for Mobility Header errors too (RFC 6275 9.2: code 0 at Header Len).
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type=4    |   Code 0-2    |          Checksum             |   0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            Pointer                            |   4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    As much of invoking packet                 |   8
/// +               as possible without the ICMPv6 packet           +
/// |               exceeding the minimum IPv6 MTU [IPv6]           |
/// </code>
/// The write truncates the invoking packet so the message fits the room left in a 1280-octet packet
/// (<see cref="Icmpv6Header.MaxErrorMessageLength"/> without extension headers).
/// </remarks>
public sealed record ParameterProblem(ParameterProblemCode Code, uint Pointer, ReadOnlyMemory<byte> InvokingPacket) : IIcmpv6Message
{
    public const int HeaderLength = 8;
    private const int PointerOffset = 4;

    public byte Type => Icmpv6Type.ParameterProblem;

    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out ParameterProblem? problem)
    {
        problem = null;
        if (message.Length < HeaderLength || message[0] != Icmpv6Type.ParameterProblem)
        {
            return false;
        }

        problem = new ParameterProblem((ParameterProblemCode)message[Icmpv6Header.CodeOffset],
            BinaryPrimitives.ReadUInt32BigEndian(message[PointerOffset..]), message[HeaderLength..].ToArray());
        return true;
    }

    public int GetByteCount() => GetByteCount(Icmpv6Header.MaxErrorMessageLength);

    public int GetByteCount(int room) => HeaderLength + Math.Clamp(room - HeaderLength, 0, InvokingPacket.Length);

    public bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, out int bytesWritten) =>
        TryWrite(destination, pseudoSource, pseudoDestination, Icmpv6Header.MaxErrorMessageLength, out bytesWritten);

    public bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, int room, out int bytesWritten)
    {
        bytesWritten = 0;
        int length = GetByteCount(room);
        if (room < HeaderLength || destination.Length < length)
        {
            return false;
        }

        var message = destination[..length];
        Icmpv6Header.WriteHeader(message, Type, (byte)Code);
        BinaryPrimitives.WriteUInt32BigEndian(message[PointerOffset..], Pointer);
        InvokingPacket.Span[..(length - HeaderLength)].CopyTo(message[HeaderLength..]);
        Icmpv6Header.FillChecksum(message, pseudoSource, pseudoDestination);
        bytesWritten = length;
        return true;
    }

    public bool Equals(ParameterProblem? other) => other is not null && Code == other.Code && Pointer == other.Pointer
        && InvokingPacket.Span.SequenceEqual(other.InvokingPacket.Span);

    public override int GetHashCode() => HashCode.Combine(Code, Pointer, InvokingPacket.Length);
}
