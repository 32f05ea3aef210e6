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
    public const byte SourceLinkLayerAddressOption = 1;
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
        WriteAllNodesAddress(allNodes);
        Span<byte> allNodesMac = stackalloc byte[6];
        WriteMulticastMac(allNodes, allNodesMac);
        return WriteAdvertisement(frame, allNodesMac, ourMac, source, allNodes, target, OverrideFlag | (router ? RouterFlag : 0));
    }

    /// <summary>
    /// A Neighbor Advertisement for <paramref name="target"/> carrying our link-layer address, sent to
    /// <paramref name="destination"/> (IPv6) at <paramref name="destinationMac"/>, with <paramref name="flags"/>
    /// (<see cref="RouterFlag"/>, <see cref="SolicitedFlag"/>, <see cref="OverrideFlag"/>).
    /// </summary>
    public static int WriteAdvertisement(
        Span<byte> frame,
        ReadOnlySpan<byte> destinationMac,
        ReadOnlySpan<byte> ourMac,
        ReadOnlySpan<byte> source,
        ReadOnlySpan<byte> destination,
        ReadOnlySpan<byte> target,
        uint flags)
    {
        destinationMac[..6].CopyTo(frame);
        ourMac[..6].CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherTypeIpv6);
        var ip = frame[EthernetHeaderLength..];
        const int length = MessageLength + LinkLayerOptionLength;
        Ipv6Header.TryWrite(ip, 0, 0, length, IpProtocol.Icmpv6, NeighborDiscoveryHopLimit, source, destination, out _);
        var message = ip.Slice(Ipv6Header.Length, length);
        Icmpv6Header.WriteHeader(message, NeighborAdvertisement, 0);
        BinaryPrimitives.WriteUInt32BigEndian(message[4..], flags);
        target.CopyTo(message[TargetOffset..]);
        message[MessageLength] = TargetLinkLayerAddressOption;
        message[MessageLength + 1] = 1;
        ourMac[..6].CopyTo(message[(MessageLength + 2)..]);
        Icmpv6Header.FillChecksum(message, source, destination);
        return AdvertisementFrameLength;
    }

    /// <summary>ff02::1, the all-nodes link-local multicast address (RFC 4291 2.7.1).</summary>
    public static void WriteAllNodesAddress(Span<byte> destination)
    {
        destination[..16].Clear();
        destination[0] = 0xFF;
        destination[1] = 0x02;
        destination[15] = 0x01;
    }

    /// <summary>
    /// Reads a Neighbor Solicitation that passes RFC 4861 7.1.1's validity checks: hop limit 255, no extension
    /// headers, a correct ICMPv6 checksum, code 0, at least 24 octets, a target that is not multicast, options of
    /// non-zero length, and from the unspecified address only to a solicited-node group and without a Source
    /// Link-Layer Address option. <paramref name="target"/> and <paramref name="sourceLinkLayer"/> (empty when the
    /// option is absent) are views into <paramref name="ipv6Packet"/>.
    /// </summary>
    public static bool TryReadSolicitation(
        ReadOnlySpan<byte> ipv6Packet, out ReadOnlySpan<byte> target, out ReadOnlySpan<byte> sourceLinkLayer, out bool fromUnspecified)
    {
        target = default;
        sourceLinkLayer = default;
        fromUnspecified = false;
        if (!Ipv6Header.TryRead(ipv6Packet, out var header) || header.NextHeader != IpProtocol.Icmpv6
            || header.HopLimit != NeighborDiscoveryHopLimit || header.PayloadLength < MessageLength
            || ipv6Packet.Length < Ipv6Header.Length + header.PayloadLength)
        {
            return false;
        }

        var message = ipv6Packet.Slice(Ipv6Header.Length, header.PayloadLength);
        if (message[0] != NeighborSolicitation || message[1] != 0 || message[TargetOffset] == 0xFF
            || InternetChecksum.Compute(header.Source, header.Destination, IpProtocol.Icmpv6, message) != 0)
        {
            return false;
        }

        fromUnspecified = header.Source.IndexOfAnyExcept((byte)0) < 0;
        var options = message[MessageLength..];
        while (options.Length > 0)
        {
            int optionLength = options.Length >= 2 ? options[1] * 8 : 0;
            if (optionLength == 0 || optionLength > options.Length)
            {
                return false;
            }

            if (options[0] == SourceLinkLayerAddressOption && optionLength >= LinkLayerOptionLength)
            {
                sourceLinkLayer = options.Slice(2, 6);
            }

            options = options[optionLength..];
        }

        if (fromUnspecified && (!IsSolicitedNodeAddress(header.Destination) || !sourceLinkLayer.IsEmpty))
        {
            return false;
        }

        target = message.Slice(TargetOffset, 16);
        return true;
    }

    /// <summary>True for a solicited-node multicast address ff02::1:ffXX:XXXX.</summary>
    public static bool IsSolicitedNodeAddress(ReadOnlySpan<byte> address) =>
        address[0] == 0xFF && address[1] == 0x02 && address[2..11].IndexOfAnyExcept((byte)0) < 0 && address[11] == 0x01 && address[12] == 0xFF;

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
