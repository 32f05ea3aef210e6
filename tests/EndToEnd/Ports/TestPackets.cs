using System.Buffers.Binary;
using System.Net;
using Shisa.DataPlane.Wire;

namespace Shisa.EndToEnd.Tests.Ports;

/// <summary>Hand-built test packets (IPv6 + ICMPv6 echo, UDP, Mobility Header) and a few readers.</summary>
internal static class TestPackets
{
    public const int EthernetHeaderLength = 14;
    public const int Ipv6HeaderLength = 40;

    /// <summary>Writes an IPv6 header; returns 40.</summary>
    public static int WriteIpv6Header(Span<byte> buffer, IPAddress source, IPAddress destination, byte nextHeader, int payloadLength, byte hopLimit = 64)
    {
        buffer[..Ipv6HeaderLength].Clear();
        buffer[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], (ushort)payloadLength);
        buffer[6] = nextHeader;
        buffer[7] = hopLimit;
        source.TryWriteBytes(buffer.Slice(8, 16), out _);
        destination.TryWriteBytes(buffer.Slice(24, 16), out _);
        return Ipv6HeaderLength;
    }

    /// <summary>An ICMPv6 Echo Request (RFC 4443 4.1) with a correct checksum; returns the packet's length.</summary>
    public static int WriteEchoRequest(Span<byte> buffer, IPAddress source, IPAddress destination, ushort identifier, ushort sequence, int payloadLength = 16)
    {
        int icmpLength = 8 + payloadLength;
        WriteIpv6Header(buffer, source, destination, 58, icmpLength);
        var icmp = buffer.Slice(Ipv6HeaderLength, icmpLength);
        icmp.Clear();
        icmp[0] = 128;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        for (int i = 8; i < icmpLength; i++)
        {
            icmp[i] = (byte)i;
        }

        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(buffer.Slice(8, 16), buffer.Slice(24, 16), 58, icmp));
        return Ipv6HeaderLength + icmpLength;
    }

    /// <summary>A Binding Refresh Request (RFC 6275 6.1.2), the smallest Mobility Header; returns the packet's length.</summary>
    public static int WriteMobilityHeader(Span<byte> buffer, IPAddress source, IPAddress destination)
    {
        WriteIpv6Header(buffer, source, destination, 135, 8);
        var mh = buffer.Slice(Ipv6HeaderLength, 8);
        mh.Clear();
        mh[0] = 59; // payload proto: none
        mh[1] = 0;  // header length in 8-octet units, excluding the first
        mh[2] = 0;  // MH type 0: Binding Refresh Request
        BinaryPrimitives.WriteUInt16BigEndian(mh[4..], InternetChecksum.Compute(buffer.Slice(8, 16), buffer.Slice(24, 16), 135, mh));
        return Ipv6HeaderLength + 8;
    }

    /// <summary>A UDP datagram with a correct checksum; returns the packet's length.</summary>
    public static int WriteUdp(Span<byte> buffer, IPAddress source, IPAddress destination, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        int udpLength = 8 + payload.Length;
        WriteIpv6Header(buffer, source, destination, 17, udpLength);
        var udp = buffer.Slice(Ipv6HeaderLength, udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        udp[6] = 0;
        udp[7] = 0;
        payload.CopyTo(udp[8..]);
        ushort checksum = InternetChecksum.Compute(buffer.Slice(8, 16), buffer.Slice(24, 16), 17, udp);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return Ipv6HeaderLength + udpLength;
    }

    /// <summary>Puts an Ethernet II header (EtherType IPv6) in front of a packet already at buffer[14..]; returns the frame length.</summary>
    public static int WriteEthernetHeader(Span<byte> frame, ReadOnlySpan<byte> destinationMac, ReadOnlySpan<byte> sourceMac, int packetLength)
    {
        destinationMac.CopyTo(frame);
        sourceMac.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], 0x86DD);
        return EthernetHeaderLength + packetLength;
    }

    /// <summary>The IPv6 packet inside an Ethernet frame, or empty when it is not IPv6.</summary>
    public static ReadOnlySpan<byte> Ipv6Of(ReadOnlySpan<byte> frame)
        => frame.Length >= EthernetHeaderLength + Ipv6HeaderLength && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == 0x86DD
            ? frame[EthernetHeaderLength..]
            : [];

    public static IPAddress SourceOf(ReadOnlySpan<byte> packet) => new(packet.Slice(8, 16));

    public static IPAddress DestinationOf(ReadOnlySpan<byte> packet) => new(packet.Slice(24, 16));

    /// <summary>The ICMPv6 type when the packet's first next header is ICMPv6, else -1.</summary>
    public static int IcmpTypeOf(ReadOnlySpan<byte> packet)
        => packet.Length > Ipv6HeaderLength && packet[6] == 58 ? packet[Ipv6HeaderLength] : -1;

    /// <summary>The echo identifier of an ICMPv6 echo request or reply.</summary>
    public static ushort EchoIdentifierOf(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[(Ipv6HeaderLength + 4)..]);
}
