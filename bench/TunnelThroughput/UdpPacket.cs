using System.Buffers.Binary;
using System.Net;

namespace Shisa.Bench.TunnelThroughput;

/// <summary>
/// Whole IPv6 + UDP packets (RFC 8200 3, RFC 768) with a correct checksum for the raw senders; latency probes
/// carry a marker and a send timestamp; <see cref="Encapsulate"/> puts one inside an outer IPv6 header as a
/// mobile node's reverse tunnel does (RFC 2473 3.1, RFC 6275 11.3.1).
/// </summary>
public static class UdpPacket
{
    public const int HeaderLength = 40 + 8;
    public const ushort SourcePort = 40000;
    public const ushort DestinationPort = 9; // discard

    /// <summary>The first payload octets of a latency probe; load packets start with 8, 9, 10, ... instead.</summary>
    public const ulong ProbeMarker = 0x5348495341505242; // "SHISAPRB"

    /// <summary>The smallest payload that holds a probe's marker and timestamp.</summary>
    public const int ProbePayloadBytes = 16;

    public static byte[] Build(IPAddress source, IPAddress destination, int payloadBytes)
    {
        var packet = new byte[HeaderLength + payloadBytes];
        Write(packet, source, destination, SourcePort, probeTimestamp: null);
        return packet;
    }

    /// <summary>Writes a UDP packet filling <paramref name="packet"/>; with a timestamp, a latency probe.</summary>
    public static void Write(Span<byte> packet, IPAddress source, IPAddress destination, ushort sourcePort, long? probeTimestamp)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        int udpLength = packet.Length - 40;
        packet[0] = 0x60;
        packet[1..4].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)udpLength);
        packet[6] = 17;
        packet[7] = 64;
        source.TryWriteBytes(packet.Slice(8, 16), out _);
        destination.TryWriteBytes(packet.Slice(24, 16), out _);
        var udp = packet[40..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        udp[6] = 0;
        udp[7] = 0;
        for (int i = 8; i < udp.Length; i++)
        {
            udp[i] = (byte)i;
        }

        if (probeTimestamp is long stamp)
        {
            BinaryPrimitives.WriteUInt64BigEndian(udp[8..], ProbeMarker);
            BinaryPrimitives.WriteInt64BigEndian(udp[16..], stamp);
        }

        // Pseudo-header (RFC 8200 8.1): source, destination, upper-layer length, next header.
        uint sum = 0;
        for (int i = 8; i < 40; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet[i..]);
        }

        sum += (uint)udpLength + 17;
        for (int i = 0; i + 1 < udp.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(udp[i..]);
        }

        if ((udp.Length & 1) == 1)
        {
            sum += (uint)udp[^1] << 8;
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        ushort checksum = (ushort)~sum;
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
    }

    /// <summary>The send timestamp of a probe whose UDP header starts at <paramref name="udp"/>, or null for any other packet.</summary>
    public static long? ProbeTimestamp(ReadOnlySpan<byte> udp) =>
        udp.Length >= 8 + ProbePayloadBytes && BinaryPrimitives.ReadUInt64BigEndian(udp[8..]) == ProbeMarker
            ? BinaryPrimitives.ReadInt64BigEndian(udp[16..])
            : null;

    /// <summary>Writes an outer IPv6 header (next header 41, hop limit 64) into the first 40 octets of <paramref name="packet"/>, the inner packet being the rest.</summary>
    public static void Encapsulate(Span<byte> packet, IPAddress outerSource, IPAddress outerDestination)
    {
        ArgumentNullException.ThrowIfNull(outerSource);
        ArgumentNullException.ThrowIfNull(outerDestination);
        packet[0] = 0x60;
        packet[1..4].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(packet.Length - 40));
        packet[6] = 41;
        packet[7] = 64;
        outerSource.TryWriteBytes(packet.Slice(8, 16), out _);
        outerDestination.TryWriteBytes(packet.Slice(24, 16), out _);
    }
}
