using System.Net;
using System.Net.Sockets;

namespace Shisa.DataPlane.Bus;

/// <summary>
/// The Mobile IPv6 Home-Agents anycast address of a home prefix (RFC 2526, RFC 6275 10.5, 11.4.1): where a mobile
/// node sends DHAAD requests, what a home agent answers on, and what its kernel must not forward. One computation for
/// the modules and the data plane.
/// </summary>
public static class HomeAgentsAnycast
{
    /// <summary>Anycast ID of the Mobile IPv6 Home-Agents address (RFC 2526 3: 0x7E).</summary>
    public const byte AnycastId = 0x7E;

    /// <summary>The Home-Agents anycast address of <paramref name="prefix"/>; see <see cref="For(IPAddress, int)"/>.</summary>
    public static IPAddress For(Prefix prefix) => For(prefix.Network, prefix.Length);

    /// <summary>
    /// The prefix of <paramref name="homeAddress"/> (<paramref name="prefixLength"/> bits) with every interface
    /// identifier bit set except the last seven, which hold 0x7E; for a 64-bit (EUI-64 format) identifier the
    /// universal/local bit is clear (RFC 2526 2): for 2001:db8:1::/64 that is 2001:db8:1::fdff:ffff:ffff:fffe.
    /// </summary>
    public static IPAddress For(IPAddress homeAddress, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(homeAddress);
        if (homeAddress.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("not an IPv6 address", nameof(homeAddress));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 120);
        Span<byte> bytes = stackalloc byte[16];
        homeAddress.TryWriteBytes(bytes, out _);
        for (int bit = prefixLength; bit < 128; bit++)
        {
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        if (prefixLength == 64)
        {
            bytes[8] &= 0xFD; // the universal/local bit of the EUI-64 identifier
        }

        bytes[15] = (byte)((bytes[15] & 0x80) | AnycastId);
        return new IPAddress(bytes);
    }
}
