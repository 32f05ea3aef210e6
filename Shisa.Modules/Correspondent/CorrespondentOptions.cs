using Shisa.Modules.Configuration;

namespace Shisa.Modules.Correspondent;

/// <summary>The protocol constants a correspondent node uses (RFC 6275 12).</summary>
public static class CorrespondentConstants
{
    /// <summary>MAX_NONCE_LIFETIME: a nonce is not accepted longer than this after it was made (RFC 6275 5.2.7, 12).</summary>
    public static readonly TimeSpan MaxNonceLifetime = TimeSpan.FromSeconds(240);

    /// <summary>MAX_TOKEN_LIFETIME: how long a mobile node uses a keygen token (RFC 6275 5.2.7, 12).</summary>
    public static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromSeconds(210);

    /// <summary>MAX_RR_BINDING_LIFETIME: the longest binding return routability may authorize (RFC 6275 5.2.6, 12).</summary>
    public static readonly TimeSpan MaxRrBindingLifetime = TimeSpan.FromSeconds(420);
}

/// <summary>
/// How a correspondent node behaves: the profile's [correspondent_node] section plus the bounds and policies the
/// profile does not name (they have defaults that follow RFC 6275 and need no operator).
/// </summary>
/// <param name="RouteOptimization">False: refuse route optimization (HoTI/CoTI unanswered, BU answered with status 129).</param>
public sealed record CorrespondentOptions(bool RouteOptimization = true)
{
    /// <summary>Binding cache bound; a new binding past it is refused with status 130 (RFC 6275 9.5.2).</summary>
    public int MaxBindings { get; init; } = 4096;

    /// <summary>Longest lifetime granted (RFC 6275 9.5.2: at most MAX_RR_BINDING_LIFETIME).</summary>
    public TimeSpan MaxBindingLifetime { get; init; } = CorrespondentConstants.MaxRrBindingLifetime;

    /// <summary>How long after it was made a nonce still verifies (RFC 6275 5.2.7).</summary>
    public TimeSpan NonceLifetime { get; init; } = CorrespondentConstants.MaxNonceLifetime;

    /// <summary>
    /// How long a nonce stays the current one. A token handed out at the end of that time must still verify for
    /// MAX_TOKEN_LIFETIME, so the interval is MAX_NONCE_LIFETIME - MAX_TOKEN_LIFETIME (30 s) at most.
    /// </summary>
    public TimeSpan NonceRegenerationInterval { get; init; } = CorrespondentConstants.MaxNonceLifetime - CorrespondentConstants.MaxTokenLifetime;

    /// <summary>How long a node key Kcn is used for new nonces before a fresh one is drawn (RFC 6275 5.2.7 leaves it open).</summary>
    public TimeSpan NodeKeyLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The share of a binding's lifetime left when one Binding Refresh Request is sent (RFC 6275 9.5.5); 0 sends none.</summary>
    public double RefreshRequestFraction { get; init; } = 0.1;

    /// <summary>Binding Errors per second to one destination (RFC 6275 9.3.3: the rate MUST be limited).</summary>
    public double BindingErrorRatePerDestination { get; init; } = 1;

    /// <summary>Binding Errors per second in all: spoofed sources cannot multiply the per-destination rate.</summary>
    public double BindingErrorRateTotal { get; init; } = 20;

    /// <summary>Destinations the Binding Error limiter remembers (a bounded table).</summary>
    public int BindingErrorDestinations { get; init; } = 1024;

    /// <summary>
    /// Answer Binding Updates with H set with status 131 (RFC 6275 10.3.1). False when this process also runs a
    /// home agent: home registrations are its business, so the correspondent leaves them alone.
    /// </summary>
    public bool RefuseHomeRegistrations { get; init; } = true;

    /// <summary>
    /// Answer unrecognized Mobility Header types with a Binding Error status 2 (RFC 6275 9.2). False when another
    /// module of this process (the home agent) answers them, so the sender does not get two.
    /// </summary>
    public bool AnswerUnrecognizedTypes { get; init; } = true;

    /// <summary>The options for a profile: its [correspondent_node] section and the other roles it runs.</summary>
    public static CorrespondentOptions FromProfile(Profile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        bool withHomeAgent = profile.Node.Roles.Items.Contains(Role.HomeAgent);
        return new CorrespondentOptions(profile.Correspondent?.RouteOptimization ?? true)
        {
            RefuseHomeRegistrations = !withHomeAgent,
            AnswerUnrecognizedTypes = !withHomeAgent,
        };
    }

    /// <summary>Throws when a value is out of range; called when a node is made.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBindings, 1, nameof(MaxBindings));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBindingLifetime, TimeSpan.FromSeconds(4), nameof(MaxBindingLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(NonceRegenerationInterval, TimeSpan.Zero, nameof(NonceRegenerationInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(NonceLifetime, NonceRegenerationInterval, nameof(NonceLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(NodeKeyLifetime, NonceRegenerationInterval, nameof(NodeKeyLifetime));
        if (RefreshRequestFraction is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RefreshRequestFraction), RefreshRequestFraction, "must be in [0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BindingErrorRatePerDestination, 0, nameof(BindingErrorRatePerDestination));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BindingErrorRateTotal, 0, nameof(BindingErrorRateTotal));
        ArgumentOutOfRangeException.ThrowIfLessThan(BindingErrorDestinations, 1, nameof(BindingErrorDestinations));
    }
}
