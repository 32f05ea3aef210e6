using System.Net;
using Shisa.DataPlane.Bus;

namespace Shisa.Modules.MobileNode.ReturnRoutability;

/// <summary>
/// How the mobile node does route optimization (RFC 6275 5.2, 11.6, 11.7.2): the home address, the correspondents
/// it never optimizes toward (SHISA's noro list), and bounds. The defaults follow RFC 6275 12.
/// </summary>
/// <param name="HomeAddress">The home address bound at correspondents.</param>
/// <param name="OptOut">Correspondents never to start route optimization with (a policy list; value equality).</param>
public sealed record RouteOptimizationOptions(IPAddress HomeAddress, EquatableArray<IPAddress> OptOut = default)
{
    /// <summary>Correspondents handled at once; an RrHint for one more is ignored unless an idle one can be dropped.</summary>
    public int MaxPeers { get; init; } = 64;

    /// <summary>Correspondents remembered as given up; the oldest is forgotten past this bound.</summary>
    public int MaxGivenUp { get; init; } = 1024;

    /// <summary>Lifetime asked for in Binding Updates to correspondents; at most MAX_RR_BINDING_LIFETIME (RFC 6275 5.2.6).</summary>
    public TimeSpan Lifetime { get; init; } = MobileIpv6Constants.MaxRrBindingLifetime;

    /// <summary>Failed attempts in a row after which a correspondent is given up for good (MAX_RO_FAILURE).</summary>
    public int MaxFailures { get; init; } = MobileIpv6Constants.MaxRouteOptimizationFailures;

    /// <summary>How long a keygen token is used after it was received (MAX_TOKEN_LIFETIME, RFC 6275 5.2.7).</summary>
    public TimeSpan TokenLifetime { get; init; } = MobileIpv6Constants.MaxTokenLifetime;

    /// <summary>First retransmission timeout of HoTI, CoTI and Binding Updates (INITIAL_BINDACK_TIMEOUT, RFC 6275 11.8).</summary>
    public TimeSpan InitialTimeout { get; init; } = MobileIpv6Constants.InitialBindAckTimeout;

    /// <summary>The doubling stops here (MAX_BINDACK_TIMEOUT, RFC 6275 11.8).</summary>
    public TimeSpan MaxTimeout { get; init; } = MobileIpv6Constants.MaxBindAckTimeout;

    /// <summary>The binding is refreshed when this share of the granted lifetime has passed.</summary>
    public double RefreshFraction { get; init; } = MobileIpv6Constants.RefreshFraction;

    /// <summary>Retransmissions of a deletion after returning home before giving it up (the entry then expires at the correspondent).</summary>
    public int MaxDeregistrationRetries { get; init; } = MobileIpv6Constants.MaxDeregistrationRetries;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(HomeAddress);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPeers, 1, nameof(MaxPeers));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxGivenUp, 1, nameof(MaxGivenUp));
        ArgumentOutOfRangeException.ThrowIfLessThan(Lifetime, TimeSpan.FromSeconds(4), nameof(Lifetime));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Lifetime, MobileIpv6Constants.MaxRrBindingLifetime, nameof(Lifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFailures, 1, nameof(MaxFailures));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TokenLifetime, TimeSpan.Zero, nameof(TokenLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InitialTimeout, TimeSpan.Zero, nameof(InitialTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTimeout, InitialTimeout, nameof(MaxTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDeregistrationRetries, 0, nameof(MaxDeregistrationRetries));
        if (RefreshFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RefreshFraction), RefreshFraction, "must be in (0, 1)");
        }
    }
}
