namespace Shisa.Appliance.Profiles;

/// <summary>Bounds and defaults of profile values, with where they come from.</summary>
internal static class ProfileLimits
{
    /// <summary>RFC 6275 6.1.7: the Binding Update's Lifetime is 16 bits in units of 4 seconds.</summary>
    public const long MaxLifetimeSeconds = 65535L * 4;

    public const string LifetimeRule = "1..262140 seconds (RFC 6275 6.1.7: 16 bits of 4-second units)";

    public const int DefaultMaxBindings = 1024;

    public static readonly TimeSpan DefaultMaxLifetime = TimeSpan.FromSeconds(420);

    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(60);

    public const int DefaultHomePrefixLength = 64;

    /// <summary>RFC 5555 3.2.2: Refresh Time is 32 bits of seconds, all ones meaning "none needed"; a day is plenty for any NAT.</summary>
    public const long MaxNatKeepaliveSeconds = 86400;

    public const string NatKeepaliveRule = "1..86400 seconds (RFC 5555 3.2.2 Refresh Time; the default is NATKATIMEOUT, 110)";
}
