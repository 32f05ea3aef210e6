using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.Modules.HomeAgent;

/// <summary>Addresses a home agent derives from its home prefix.</summary>
public static class HomeAgentAddresses
{
    /// <summary>The Mobile IPv6 Home-Agents anycast ID (RFC 2526 3, RFC 6275 10.5).</summary>
    public const byte HomeAgentsAnycastId = 0x7E;

    /// <summary>
    /// The Mobile IPv6 Home-Agents subnet anycast address of <paramref name="prefix"/> (RFC 2526 2): the host bits all
    /// ones except the low 7 (the anycast ID); for a 64-bit interface identifier (EUI-64 format) the universal/local
    /// bit is zero too, which gives prefix:fdff:ffff:ffff:fffe for a /64.
    /// </summary>
    public static IPAddress SubnetAnycast(Prefix prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        prefix.Network.TryWriteBytes(bytes, out _);
        for (int bit = prefix.Length; bit < 128; bit++)
        {
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        bytes[15] = (byte)((bytes[15] & 0x80) | HomeAgentsAnycastId);
        if (prefix.Length == 64)
        {
            bytes[8] &= 0xFD; // RFC 2526 2: the universal/local bit of an EUI-64 format identifier is 0.
        }

        return new IPAddress(bytes);
    }

    /// <summary>The link-local address with the interface identifier of <paramref name="homeAddress"/> (RFC 6275 10.3.1, L flag).</summary>
    public static IPAddress LinkLocalOf(IPAddress homeAddress)
    {
        Span<byte> bytes = stackalloc byte[16];
        homeAddress.TryWriteBytes(bytes, out _);
        bytes[..8].Clear();
        bytes[0] = 0xFE;
        bytes[1] = 0x80;
        return new IPAddress(bytes);
    }
}

/// <summary>RFC 4285 6: the 64-bit timestamps of the replay protection option (NTP format, RFC 1305).</summary>
public static class NtpTimestamp
{
    /// <summary>Seconds from 1900-01-01 (the NTP era 0 epoch) to 1970-01-01.</summary>
    private const long EpochOffsetSeconds = 2_208_988_800;

    public static ulong FromDateTimeOffset(DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long remainder) + EpochOffsetSeconds;
        ulong fraction = (ulong)(((UInt128)(ulong)remainder << 32) / (ulong)TimeSpan.TicksPerSecond);
        return ((ulong)(uint)seconds << 32) | fraction;
    }

    public static DateTimeOffset ToDateTimeOffset(ulong timestamp)
    {
        long seconds = (long)(timestamp >> 32) - EpochOffsetSeconds;
        long fractionTicks = (long)(((timestamp & 0xFFFF_FFFF) * (ulong)TimeSpan.TicksPerSecond) >> 32);
        return DateTimeOffset.UnixEpoch.AddTicks((seconds * TimeSpan.TicksPerSecond) + fractionTicks);
    }
}
