namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Binding Update sequence numbers compare modulo 2^16 (RFC 6275 9.5.1): a received number is newer than the last
/// accepted one when it is 1 to 2^15 - 1 ahead; the home agent and the correspondent node both use this rule.
/// </summary>
public static class MobilitySequence
{
    private const int Window = 1 << 15;

    /// <summary>True when <paramref name="received"/> is 1 to 2^15 - 1 ahead of <paramref name="last"/>, modulo 2^16.</summary>
    public static bool IsNewer(ushort received, ushort last)
    {
        int ahead = (ushort)(received - last);
        return ahead is > 0 and < Window;
    }
}
