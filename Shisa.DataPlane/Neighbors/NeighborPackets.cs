using System.Buffers.Binary;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Neighbors;

/// <summary>
/// The few Neighbor Discovery frames the data plane sends and reads itself (RFC 4861 4.3, 4.4), as whole
/// Ethernet frames for an AF_PACKET port:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Type (135/136)|     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |R|S|O|                     Reserved                            |   (NA flags; NS: all reserved)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// +                       Target Address (16)                     +
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Options ...  (NA: Target Link-Layer Address, type 2, len 1)
/// </code>
/// </summary>
public static class NeighborPackets
{
    public const byte NeighborSolicitation = 135;
    public const byte NeighborAdvertisement = 136;
    public const int EthernetHeaderLength = 14;
    public const int MessageLength = 24;
    public const int TargetOffset = 8;
    public const int LinkLayerOptionLength = 8;
    public const byte TargetLinkLayerAddressOption = 2;
    public const byte NeighborDiscoveryHopLimit = 255;

    /// <summary>R flag of a Neighbor Advertisement.</summary>
    public const uint RouterFlag = 0x8000_0000;

    /// <summary>S flag of a Neighbor Advertisement.</summary>
    public const uint SolicitedFlag = 0x4000_0000;

    /// <summary>O flag of a Neighbor Advertisement.</summary>
    public const uint OverrideFlag = 0x2000_0000;

    private const ushort EtherTypeIpv6 = 0x86DD;

    /// <summary>Octets of a DAD solicitation frame.</summary>
    public const int DadSolicitationFrameLength = EthernetHeaderLength + Ipv6Header.Length + MessageLength;

    /// <summary>Octets of an unsolicited advertisement frame.</summary>
    public const int AdvertisementFrameLength = EthernetHeaderLength + Ipv6Header.Length + MessageLength + LinkLayerOptionLength;

    /// <summary>The solicited-node multicast address ff02::1:ffXX:XXXX of <paramref name="target"/> (RFC 4291 2.7.1).</summary>
    public static void WriteSolicitedNodeAddress(ReadOnlySpan<byte> target, Span<byte> destination)
    {
        destination[..16].Clear();
        destination[0] = 0xFF;
        destination[1] = 0x02;
        destination[11] = 0x01;
        destination[12] = 0xFF;
        target.Slice(13, 3).CopyTo(destination[13..]);
    }

    /// <summary>The Ethernet multicast address 33:33 + the last four octets of an IPv6 multicast address (RFC 2464 7).</summary>
    public static void WriteMulticastMac(ReadOnlySpan<byte> multicastAddress, Span<byte> destination)
    {
        destination[0] = 0x33;
        destination[1] = 0x33;
        multicastAddress.Slice(12, 4).CopyTo(destination[2..]);
    }

    /// <summary>
    /// A duplicate address detection probe for <paramref name="target"/> (RFC 4862 5.4.2): source ::, destination
    /// the target's solicited-node group, hop limit 255, no Source Link-Layer Address option.
    /// </summary>
    public static int WriteDadSolicitation(Span<byte> frame, ReadOnlySpan<byte> ourMac, ReadOnlySpan<byte> target)
    {
        Span<byte> group = stackalloc byte[16];
        WriteSolicitedNodeAddress(target, group);
        Span<byte> unspecified = stackalloc byte[16];
        unspecified.Clear();
        WriteEthernet(frame, group, ourMac);
        var ip = frame[EthernetHeaderLength..];
        Ipv6Header.TryWrite(ip, 0, 0, MessageLength, IpProtocol.Icmpv6, NeighborDiscoveryHopLimit, unspecified, group, out _);
        var message = ip.Slice(Ipv6Header.Length, MessageLength);
        Icmpv6Header.WriteHeader(message, NeighborSolicitation, 0);
        BinaryPrimitives.WriteUInt32BigEndian(message[4..], 0);
        target.CopyTo(message[TargetOffset..]);
        Icmpv6Header.FillChecksum(message, unspecified, group);
        return DadSolicitationFrameLength;
    }

    /// <summary>
    /// An unsolicited Neighbor Advertisement to all nodes (ff02::1) for <paramref name="target"/> with our link-layer
    /// address and the Override flag: what a home agent multicasts for a home address it starts to defend
    /// (RFC 6275 10.4.1), so neighbours' caches point at it.
    /// </summary>
    public static int WriteUnsolicitedAdvertisement(
        Span<byte> frame, ReadOnlySpan<byte> ourMac, ReadOnlySpan<byte> source, ReadOnlySpan<byte> target, bool router = false)
    {
        Span<byte> allNodes = stackalloc byte[16];
        allNodes.Clear();
        allNodes[0] = 0xFF;
        allNodes[1] = 0x02;
        allNodes[15] = 0x01;
        WriteEthernet(frame, allNodes, ourMac);
        var ip = frame[EthernetHeaderLength..];
        const int length = MessageLength + LinkLayerOptionLength;
        Ipv6Header.TryWrite(ip, 0, 0, length, IpProtocol.Icmpv6, NeighborDiscoveryHopLimit, source, allNodes, out _);
        var message = ip.Slice(Ipv6Header.Length, length);
        Icmpv6Header.WriteHeader(message, NeighborAdvertisement, 0);
        BinaryPrimitives.WriteUInt32BigEndian(message[4..], OverrideFlag | (router ? RouterFlag : 0));
        target.CopyTo(message[TargetOffset..]);
        message[MessageLength] = TargetLinkLayerAddressOption;
        message[MessageLength + 1] = 1;
        ourMac[..6].CopyTo(message[(MessageLength + 2)..]);
        Icmpv6Header.FillChecksum(message, source, allNodes);
        return AdvertisementFrameLength;
    }

    /// <summary>
    /// Reads a Neighbor Solicitation or Advertisement (hop limit 255, no extension headers, RFC 4861 7.1.1/7.1.2).
    /// <paramref name="target"/> is a view into <paramref name="ipv6Packet"/>.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> ipv6Packet, out byte type, out ReadOnlySpan<byte> target, out bool fromUnspecified)
    {
        type = 0;
        target = default;
        fromUnspecified = false;
        if (!Ipv6Header.TryRead(ipv6Packet, out var header) || header.NextHeader != IpProtocol.Icmpv6
            || header.HopLimit != NeighborDiscoveryHopLimit || header.PayloadLength < MessageLength
            || ipv6Packet.Length < Ipv6Header.Length + MessageLength)
        {
            return false;
        }

        var message = ipv6Packet.Slice(Ipv6Header.Length, MessageLength);
        if (message[0] is not (NeighborSolicitation or NeighborAdvertisement) || message[1] != 0)
        {
            return false;
        }

        type = message[0];
        target = message.Slice(TargetOffset, 16);
        fromUnspecified = header.Source.IndexOfAnyExcept((byte)0) < 0;
        return true;
    }

    private static void WriteEthernet(Span<byte> frame, ReadOnlySpan<byte> multicastGroup, ReadOnlySpan<byte> ourMac)
    {
        WriteMulticastMac(multicastGroup, frame);
        ourMac[..6].CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherTypeIpv6);
    }
}
