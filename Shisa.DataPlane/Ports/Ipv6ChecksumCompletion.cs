using System.Buffers.Binary;
using Shisa.DataPlane.Wire;

namespace Shisa.DataPlane.Ports;

/// <summary>
/// Completes an upper-layer checksum that a sender left partial for offload (CHECKSUM_PARTIAL; AF_PACKET
/// reports it as TP_STATUS_CSUMNOTREADY, and veth hands locally generated packets over that way, DESIGN 5).
/// The field then holds only the pseudo-header sum; this recomputes the whole checksum in place (RFC 8200 8.1)
/// after walking the extension headers to the upper layer.
/// </summary>
public static class Ipv6ChecksumCompletion
{
    private const int Ipv6HeaderLength = 40;
    private const int EthernetHeaderLength = 14;
    private const ushort EtherTypeIpv6 = 0x86DD;

    /// <summary>Completes the checksum of the IPv6 packet inside an Ethernet II frame.</summary>
    public static bool TryCompleteEthernet(Span<byte> frame)
    {
        if (frame.Length < EthernetHeaderLength + Ipv6HeaderLength
            || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypeIpv6)
        {
            return false;
        }

        return TryComplete(frame[EthernetHeaderLength..]);
    }

    /// <summary>
    /// Completes the TCP, UDP, ICMPv6 or Mobility Header checksum of <paramref name="packet"/> (an IPv6 packet).
    /// False when the packet is too short, a later fragment, or carries no upper layer with a checksum.
    /// </summary>
    public static bool TryComplete(Span<byte> packet)
    {
        if (packet.Length < Ipv6HeaderLength || (packet[0] >> 4) != 6)
        {
            return false;
        }

        int end = Ipv6HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        if (end > packet.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> destination = packet.Slice(24, 16);
        byte next = packet[6];
        int offset = Ipv6HeaderLength;
        while (true)
        {
            switch (next)
            {
                case 0:  // Hop-by-Hop Options
                case 60: // Destination Options
                case 43: // Routing
                    break;
                case 44: // Fragment: only an unfragmented whole (offset 0, M clear) has a checksum we can see
                    if (offset + 8 > end || (BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]) & 0xFFF9) != 0)
                    {
                        return false;
                    }

                    next = packet[offset];
                    offset += 8;
                    continue;
                case 51: // Authentication Header: length in 4-octet units, minus 2
                    if (offset + 2 > end)
                    {
                        return false;
                    }

                    next = packet[offset];
                    offset += (packet[offset + 1] + 2) * 4;
                    continue;
                case 6:
                    return Complete(packet, destination, next, offset, end, checksumOffset: 16, zeroMeansNone: false);
                case 17:
                    return Complete(packet, destination, next, offset, end, checksumOffset: 6, zeroMeansNone: true);
                case 58:
                    return Complete(packet, destination, next, offset, end, checksumOffset: 2, zeroMeansNone: false);
                case 135:
                    return Complete(packet, destination, next, offset, end, checksumOffset: 4, zeroMeansNone: false);
                default:
                    return false;
            }

            if (offset + 8 > end)
            {
                return false;
            }

            int length = (packet[offset + 1] + 1) * 8;
            if (next == 43 && packet[offset + 2] == 2 && packet[offset + 3] == 1 && length >= 24 && offset + 24 <= end)
            {
                // Type 2 routing header (RFC 6275 6.4) not yet processed: the checksum covers the final
                // destination, the home address it carries.
                destination = packet.Slice(offset + 8, 16);
            }

            next = packet[offset];
            offset += length;
        }
    }

    private static bool Complete(Span<byte> packet, ReadOnlySpan<byte> destination, byte nextHeader, int offset, int end, int checksumOffset, bool zeroMeansNone)
    {
        if (offset + checksumOffset + 2 > end)
        {
            return false;
        }

        Span<byte> message = packet[offset..end];
        message[checksumOffset] = 0;
        message[checksumOffset + 1] = 0;
        ushort checksum = InternetChecksum.Compute(packet.Slice(8, 16), destination, nextHeader, message);
        if (checksum == 0 && zeroMeansNone)
        {
            checksum = 0xFFFF; // RFC 768: a computed zero is sent as all ones
        }

        BinaryPrimitives.WriteUInt16BigEndian(message[checksumOffset..], checksum);
        return true;
    }
}
