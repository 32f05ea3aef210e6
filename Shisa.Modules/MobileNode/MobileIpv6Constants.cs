namespace Shisa.Modules.MobileNode;

/// <summary>The mobile node's protocol constants (RFC 6275 12) and configuration variables (RFC 6275 13).</summary>
public static class MobileIpv6Constants
{
    /// <summary>INITIAL_BINDACK_TIMEOUT: first retransmission of a Binding Update (RFC 6275 11.8).</summary>
    public static readonly TimeSpan InitialBindAckTimeout = TimeSpan.FromSeconds(1);

    /// <summary>InitialBindackTimeoutFirstReg: the same for the first registration with a home agent, which
    /// runs duplicate address detection for the home address first (RFC 6275 11.8, 13).</summary>
    public static readonly TimeSpan InitialBindAckTimeoutFirstRegistration = TimeSpan.FromSeconds(1.5);

    /// <summary>MAX_BINDACK_TIMEOUT: the back-off stops doubling here (RFC 6275 11.8).</summary>
    public static readonly TimeSpan MaxBindAckTimeout = TimeSpan.FromSeconds(32);

    /// <summary>INITIAL_DHAAD_TIMEOUT (RFC 6275 11.4.1).</summary>
    public static readonly TimeSpan InitialDhaadTimeout = TimeSpan.FromSeconds(3);

    /// <summary>DHAAD_RETRIES: after these the request goes on at the slowest rate (RFC 6275 11.4.1).</summary>
    public const int DhaadRetries = 4;

    /// <summary>INITIAL_SOLICIT_TIMER: first retransmission of a Mobile Prefix Solicitation (RFC 6275 11.4.2).</summary>
    public static readonly TimeSpan InitialSolicitTimer = TimeSpan.FromSeconds(3);

    /// <summary>How many times a Mobile Prefix Solicitation is retransmitted before waiting for the next trigger.</summary>
    public const int MobilePrefixSolicitationRetries = 3;

    /// <summary>Refusals (status &gt;= 128) in a row after which a registration is given up until the next movement.</summary>
    public const int MaxRefusals = 5;

    /// <summary>Status 135 answers in a row after which they count as a refusal (a bound on resynchronisation).</summary>
    public const int MaxSequenceResyncs = 3;

    /// <summary>Deregistration retransmissions before giving up (the home agent's entry then expires on its own).</summary>
    public const int MaxDeregistrationRetries = 3;

    /// <summary>Without a Binding Refresh Advice, refresh at this share of the granted lifetime (RFC 6275 11.7.1).</summary>
    public const double RefreshFraction = 0.8;

    /// <summary>How long a clean stop waits for the deregistration's acknowledgement.</summary>
    public static readonly TimeSpan StopDeregistrationWait = TimeSpan.FromSeconds(1.5);

    /// <summary>MAX_RR_BINDING_LIFETIME: the longest binding return routability may authorize (RFC 6275 5.2.6, 12).</summary>
    public static readonly TimeSpan MaxRrBindingLifetime = TimeSpan.FromSeconds(420);

    /// <summary>MAX_RO_FAILURE: failed route optimization attempts after which a correspondent is given up (RFC 6275 11.8, 12).</summary>
    public const int MaxRouteOptimizationFailures = 3;

    /// <summary>MAX_TOKEN_LIFETIME: how long a mobile node uses a keygen token after receiving it (RFC 6275 5.2.7, 12).</summary>
    public static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromSeconds(210);

    /// <summary>MAX_NONCE_LIFETIME: how long a correspondent accepts a nonce after making it (RFC 6275 5.2.7, 12).</summary>
    public static readonly TimeSpan MaxNonceLifetime = TimeSpan.FromSeconds(240);
}
