using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire;

/// <summary>
/// The Internet checksum (RFC 1071) and the IPv6 upper-layer pseudo-header of RFC 8200 8.1, shared by the
/// Mobility Header (RFC 6275 6.1.1) and ICMPv6 (RFC 4443 2.3).
/// </summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running one's-complement sum (not yet folded).</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }

        return sum;
    }

    /// <summary>
    /// The sum of the pseudo-header: source, destination, upper-layer length (32 bits), three zero octets,
    /// next header. <paramref name="source"/> and <paramref name="destination"/> are 16 octets each.
    /// </summary>
    public static uint PseudoHeader(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, int upperLayerLength, byte nextHeader)
    {
        uint sum = Add(0, source[..16]);
        sum = Add(sum, destination[..16]);
        sum += (uint)(upperLayerLength >> 16) & 0xFFFF;
        sum += (uint)upperLayerLength & 0xFFFF;
        sum += nextHeader;
        return sum;
    }

    /// <summary>Folds the carries and complements: the value to store in a checksum field.</summary>
    public static ushort Finish(uint sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>
    /// The checksum of an upper-layer message under the pseudo-header; computed over the message as it
    /// stands, so the checksum field must be zero for a write and left in place for a verification
    /// (a correct message then gives 0).
    /// </summary>
    public static ushort Compute(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte nextHeader, ReadOnlySpan<byte> message)
        => Finish(Add(PseudoHeader(source, destination, message.Length, nextHeader), message));
}
