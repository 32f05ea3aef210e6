namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>Lifetimes and refresh intervals travel in units of 4 seconds (RFC 6275 6.1.7, 6.1.8, 6.2.4).</summary>
public static class MobilityLifetime
{
    public const int SecondsPerUnit = 4;

    public static TimeSpan ToTimeSpan(ushort units) => TimeSpan.FromSeconds(units * SecondsPerUnit);

    /// <summary>The units for <paramref name="lifetime"/>, rounded down and clamped to 0..65535.</summary>
    public static ushort ToUnits(TimeSpan lifetime) => (ushort)Math.Clamp((long)lifetime.TotalSeconds / SecondsPerUnit, 0, ushort.MaxValue);
}
