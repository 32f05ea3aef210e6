namespace Shisa.Modules.HomeAgent;

/// <summary>
/// The home agent's protocol constants that the profile does not carry (DESIGN 7 keeps the profile small). The
/// defaults follow the RFCs; tests and operators may change them through <see cref="HomeAgentServiceCollectionExtensions.AddHomeAgent"/>.
/// </summary>
public sealed record HomeAgentTuning
{
    public static HomeAgentTuning Default { get; } = new();

    /// <summary>
    /// How long a new registration waits for the data plane's answer to Dad(Do). RFC 4862 5.1: RetransTimer
    /// (1 s) times DupAddrDetectTransmits (1), plus margin for a wait behind other probes (the detector runs 64 at
    /// once and queues the rest). The detector answers Success after a silent probe; a timeout means no probe ran
    /// in time, so the registration is refused with 130 (and counted), never accepted unchecked.
    /// </summary>
    public TimeSpan DadTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Key rotation: after a reload changes a mobile node's spi or key, its old ones stay valid this long, so the
    /// node can be given the new key without losing its binding in between.
    /// </summary>
    public TimeSpan KeyRotationGrace { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>RFC 4285 6: how far a Binding Update's timestamp may be from the home agent's clock.</summary>
    public TimeSpan ReplayWindow { get; init; } = TimeSpan.FromSeconds(7);

    /// <summary>
    /// RFC 6275 6.2.4, 10.3.1: when set, accepted home registrations get a Binding Refresh Advice option of this
    /// fraction of the granted lifetime (it must be smaller than the lifetime). Null: no option.
    /// </summary>
    public double? RefreshAdviceFraction { get; init; }

    /// <summary>Valid lifetime of the home prefix: caps granted lifetimes (RFC 6275 10.3.1) and goes into Mobile Prefix Advertisements.</summary>
    public TimeSpan PrefixValidLifetime { get; init; } = TimeSpan.FromSeconds(86400);

    /// <summary>Preferred lifetime of the home prefix in Mobile Prefix Advertisements (RFC 6275 10.6.1).</summary>
    public TimeSpan PrefixPreferredLifetime { get; init; } = TimeSpan.FromSeconds(14400);

    /// <summary>Hop limit of the signalling the home agent originates.</summary>
    public byte HopLimit { get; init; } = 64;

    /// <summary>Binding Errors and ICMPv6 errors per second at most (RFC 6275 9.3.3, RFC 4443 2.4 (f)).</summary>
    public int ErrorRatePerSecond { get; init; } = 10;

    /// <summary>
    /// Binding Acknowledgements with an error status per second at most, to home addresses the home agent does not
    /// serve (129, 132: the answers a flood of forged BUs draws). RFC 6275 11.3.1 lets error answers be rate-limited;
    /// listed mobile nodes' refusals (135, 144, ...) are always answered, they need them to recover.
    /// </summary>
    public int RefusalRatePerSecond { get; init; } = 10;

    /// <summary>Refusals are logged as one summary line per this interval (with counts), not one line each.</summary>
    public TimeSpan RefusalSummaryInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Rates at which signalling from unlisted home addresses is admitted where it arrives (per source /64 and in total).</summary>
    public Shisa.DataPlane.Signalling.SignallingAdmissionLimits Admission { get; init; } = Shisa.DataPlane.Signalling.SignallingAdmissionLimits.Default;
}
