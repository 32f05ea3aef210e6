namespace Shisa.Modules.Common;

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
