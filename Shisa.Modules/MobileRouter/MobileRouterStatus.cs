using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.Modules.Configuration;

namespace Shisa.Modules.MobileRouter;

/// <summary>Where the mobile network's registration stands (for logs and the status page).</summary>
public enum MobileRouterState
{
    /// <summary>The mobile node has not started with the mobile router attached.</summary>
    Stopped,

    /// <summary>No home agent routes the mobile network (yet, or any more).</summary>
    Unregistered,

    /// <summary>A home agent accepted the registration with R: the mobile network is tunnelled.</summary>
    Registered,

    /// <summary>The home agent refused (statuses 140-143 and others); the mobile node backs off and retries.</summary>
    Refused,

    /// <summary>Leaving a home agent that does not support mobile routers, or looking for one that does (DHAAD with R).</summary>
    SeekingHomeAgent,
}

/// <summary>The mobile router's counters (they only grow while it runs).</summary>
/// <param name="Registrations">Bindings accepted with R by a home agent, refreshes not counted.</param>
/// <param name="Refreshes">Refreshes of such a binding accepted with R.</param>
/// <param name="Withdrawals">Times the mobile network stopped being routed through a home agent.</param>
/// <param name="HomeAgentsWithoutNemo">Acceptances without R (RFC 3963 4.2): home agents left for another.</param>
/// <param name="DhaadRequests">DHAAD requests sent with the R bit (RFC 3963 7.1).</param>
/// <param name="Refusals">Refusals by status value; 140 to 143 always listed.</param>
public sealed record MobileRouterCounters(
    long Registrations,
    long Refreshes,
    long Withdrawals,
    long HomeAgentsWithoutNemo,
    long DhaadRequests,
    EquatableArray<KeyValuePair<byte, long>> Refusals)
{
    /// <summary>The counters as stable snake_case names (the status API and /metrics).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ToNamedCounters()
    {
        var named = new List<KeyValuePair<string, long>>
        {
            new("mr_registrations", Registrations),
            new("mr_refreshes", Refreshes),
            new("mr_withdrawals", Withdrawals),
            new("mr_ha_without_nemo", HomeAgentsWithoutNemo),
            new("mr_dhaad_requests", DhaadRequests),
        };
        named.AddRange(Refusals.Select(kv => new KeyValuePair<string, long>($"mr_refused_{kv.Key}", kv.Value)));
        return named;
    }
}

/// <summary>The mobile router at one instant (a snapshot, never the live state).</summary>
/// <param name="State">Where the mobile router's registration stands.</param>
/// <param name="Mode">How its prefixes are registered (the profile's mode).</param>
/// <param name="ConfiguredPrefixes">The [mobile_router] prefixes.</param>
/// <param name="RegisteredPrefixes">The prefixes the data plane was last told to tunnel; empty when unregistered.</param>
/// <param name="Ingress">The [mobile_router] ingress interfaces.</param>
/// <param name="HomeAgent">The home agent of the current registration, or of the last attempt.</param>
/// <param name="CareOfAddress">The current care-of address; null when none.</param>
/// <param name="LastRefusal">The last refusal, "status meaning", or null.</param>
/// <param name="HomeAgentsWithoutNemo">Home agents that accepted without R and are not chosen again.</param>
/// <param name="Counters">The mobile router's counters.</param>
public sealed record MobileRouterStatus(
    MobileRouterState State,
    MobileRouterMode Mode,
    EquatableArray<Prefix> ConfiguredPrefixes,
    EquatableArray<Prefix> RegisteredPrefixes,
    EquatableArray<string> Ingress,
    IPAddress? HomeAgent,
    IPAddress? CareOfAddress,
    string? LastRefusal,
    EquatableArray<IPAddress> HomeAgentsWithoutNemo,
    MobileRouterCounters Counters);
