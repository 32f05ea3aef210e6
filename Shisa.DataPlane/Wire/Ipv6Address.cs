namespace Shisa.DataPlane.Wire;

/// <summary>Checks on 16-octet IPv6 addresses held in spans (no <see cref="System.Net.IPAddress"/> on the data path).</summary>
public static class Ipv6Address
{
    private const byte MulticastPrefix = 0xFF;
    private const byte LinkLocalFirst = 0xFE;
    private const byte LinkLocalSecondMask = 0xC0;
    private const byte LinkLocalSecond = 0x80;
    private const int V4MappedMarker = 10;

    /// <summary>
    /// True for an address RFC 6275 9.3.1 accepts in a Home Address option: not multicast, link-local,
    /// loopback, unspecified or IPv4-mapped.
    /// </summary>
    public static bool IsRoutableUnicast(ReadOnlySpan<byte> address)
    {
        if (address.Length != Ipv6Header.AddressLength || address[0] == MulticastPrefix)
        {
            return false;
        }

        if (address[0] == LinkLocalFirst && (address[1] & LinkLocalSecondMask) == LinkLocalSecond)
        {
            return false;
        }

        if (address[..V4MappedMarker].IndexOfAnyExcept((byte)0) < 0)
        {
            // ::/80 prefix: unspecified, loopback, IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible all fall here.
            bool mapped = address[V4MappedMarker] == 0xFF && address[V4MappedMarker + 1] == 0xFF;
            bool zeroTo12 = address[V4MappedMarker] == 0 && address[V4MappedMarker + 1] == 0;
            bool unspecifiedOrLoopback = zeroTo12 && address[12..15].IndexOfAnyExcept((byte)0) < 0 && address[15] <= 1;
            if (mapped || unspecifiedOrLoopback)
            {
                return false;
            }
        }

        return true;
    }
}
