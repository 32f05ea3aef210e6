using System.Buffers.Binary;
using System.Net;

namespace Shisa.Bench.TunnelThroughput;

/// <summary>A whole IPv6 + UDP packet (RFC 8200 3, RFC 768) with a correct checksum, for the raw sender.</summary>
public static class UdpPacket
{
    public const int HeaderLength = 40 + 8;
    public const ushort SourcePort = 40000;
    public const ushort DestinationPort = 9; // discard

    public static byte[] Build(IPAddress source, IPAddress destination, int payloadBytes)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var packet = new byte[HeaderLength + payloadBytes];
        int udpLength = 8 + payloadBytes;
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)udpLength);
        packet[6] = 17;
        packet[7] = 64;
        source.TryWriteBytes(packet.AsSpan(8, 16), out _);
        destination.TryWriteBytes(packet.AsSpan(24, 16), out _);
        var udp = packet.AsSpan(40);
        BinaryPrimitives.WriteUInt16BigEndian(udp, SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        for (int i = 8; i < udp.Length; i++)
        {
            udp[i] = (byte)i;
        }

        // Pseudo-header (RFC 8200 8.1): source, destination, upper-layer length, next header.
        uint sum = 0;
        for (int i = 8; i < 40; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
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
        return packet;
    }
}
