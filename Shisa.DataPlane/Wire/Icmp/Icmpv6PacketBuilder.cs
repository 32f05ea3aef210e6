namespace Shisa.DataPlane.Wire.Icmp;

/// <summary>
/// Builds a whole IPv6 packet around an ICMPv6 message into a caller's buffer: fixed header, optional type 2
/// routing header and Home Address option (<see cref="Ipv6PacketBuilder"/>), then the message with its
/// checksum over the pseudo-header those imply. For error messages the invoking packet is cut so the packet
/// fits the minimum MTU (RFC 4443 2.4 (c)).
/// </summary>
public static class Icmpv6PacketBuilder
{
    /// <summary>The packet's length for <paramref name="message"/> with <paramref name="addressing"/>.</summary>
    public static int GetByteCount<TMessage>(TMessage message, in Ipv6Addressing addressing)
        where TMessage : IIcmpv6Message =>
        addressing.HeadersLength + message.GetByteCount(Ipv6Header.MinimumMtu - addressing.HeadersLength);

    public static bool TryWrite<TMessage>(Span<byte> destination, in Ipv6Addressing addressing, TMessage message, out int bytesWritten)
        where TMessage : IIcmpv6Message
    {
        bytesWritten = 0;
        int headers = addressing.HeadersLength;
        int room = Ipv6Header.MinimumMtu - headers;
        int length = message.GetByteCount(room);
        if (destination.Length < headers + length
            || !Ipv6PacketBuilder.TryWriteHeaders(destination, addressing, IpProtocol.Icmpv6, length, out int at)
            || !message.TryWrite(destination[at..], addressing.PseudoSource, addressing.PseudoDestination, room, out int written))
        {
            return false;
        }

        bytesWritten = at + written;
        return true;
    }

    /// <summary>The record form: addresses from an <see cref="Ipv6Envelope"/>.</summary>
    public static bool TryWrite<TMessage>(Span<byte> destination, Ipv6Envelope envelope, TMessage message, out int bytesWritten)
        where TMessage : IIcmpv6Message
    {
        bytesWritten = 0;
        Span<byte> scratch = stackalloc byte[Ipv6PacketBuilder.AddressingScratchLength];
        return Ipv6PacketBuilder.TryGetAddressing(envelope, scratch, out var addressing)
            && TryWrite(destination, addressing, message, out bytesWritten);
    }

    /// <summary>
    /// The Parameter Problem answering <paramref name="invokingPacket"/>: from <paramref name="source"/> to the
    /// invoking packet's source (RFC 4443 3.4), hop limit <paramref name="hopLimit"/>.
    /// </summary>
    public static bool TryWriteParameterProblem(
        Span<byte> destination,
        ReadOnlySpan<byte> invokingPacket,
        ReadOnlySpan<byte> source,
        ParameterProblemCode code,
        uint pointer,
        byte hopLimit,
        out int bytesWritten) =>
        TryWriteError(destination, invokingPacket, source, Icmpv6Type.ParameterProblem, (byte)code, pointer, hopLimit, out bytesWritten);

    /// <summary>
    /// The Packet Too Big answering <paramref name="invokingPacket"/>: from <paramref name="source"/> to the invoking
    /// packet's source, code 0, the next hop's <paramref name="mtu"/> (RFC 4443 3.2), hop limit <paramref name="hopLimit"/>.
    /// </summary>
    public static bool TryWritePacketTooBig(
        Span<byte> destination,
        ReadOnlySpan<byte> invokingPacket,
        ReadOnlySpan<byte> source,
        uint mtu,
        byte hopLimit,
        out int bytesWritten) =>
        TryWriteError(destination, invokingPacket, source, Icmpv6Type.PacketTooBig, 0, mtu, hopLimit, out bytesWritten);

    // RFC 4443 2.1: an error message is type, code, checksum, one 32-bit field (pointer, MTU, unused) and as much of
    // the invoking packet as fits in the minimum MTU (2.4 c).
    private static bool TryWriteError(
        Span<byte> destination,
        ReadOnlySpan<byte> invokingPacket,
        ReadOnlySpan<byte> source,
        byte type,
        byte code,
        uint field,
        byte hopLimit,
        out int bytesWritten)
    {
        const int ErrorHeaderLength = 8;
        bytesWritten = 0;
        if (!Ipv6Header.TryRead(invokingPacket, out var invoking))
        {
            return false;
        }

        var addressing = new Ipv6Addressing(source, invoking.Source, hopLimit);
        int headers = addressing.HeadersLength;
        int invokingLength = Math.Min(invokingPacket.Length, Ipv6Header.MinimumMtu - headers - ErrorHeaderLength);
        int length = ErrorHeaderLength + invokingLength;
        if (destination.Length < headers + length
            || !Ipv6PacketBuilder.TryWriteHeaders(destination, addressing, IpProtocol.Icmpv6, length, out int at))
        {
            return false;
        }

        var message = destination.Slice(at, length);
        Icmpv6Header.WriteHeader(message, type, code);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(message[Icmpv6Header.Length..], field);
        invokingPacket[..invokingLength].CopyTo(message[ErrorHeaderLength..]);
        Icmpv6Header.FillChecksum(message, addressing.PseudoSource, addressing.PseudoDestination);
        bytesWritten = at + length;
        return true;
    }
}
