using System.Collections.Immutable;
using System.Net;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.Modules.Correspondent;

/// <summary>Why the correspondent dropped a received packet without an answer.</summary>
public enum CorrespondentDrop
{
    /// <summary>Not an IPv6 packet with a Mobility Header, a bad checksum or a malformed MH (RFC 6275 9.2).</summary>
    Malformed,

    /// <summary>A HoTI or CoTI with a Home Address option (RFC 6275 9.4.1, 9.4.2).</summary>
    HomeAddressOptionOnTestInit,

    /// <summary>An address we would answer from or to, or register, is not a unicast IPv6 address.</summary>
    NotUnicast,

    /// <summary>A Binding Update without the Nonce Indices or Binding Authorization Data option (RFC 6275 9.5.1).</summary>
    MissingAuthorization,

    /// <summary>A Binding Update whose authenticator does not verify (RFC 6275 9.5.1).</summary>
    BadAuthenticator,

    /// <summary>A Mobility Header message a correspondent does not take (BA, BE, HoT, CoT, BRR).</summary>
    NotForCorrespondent,

    /// <summary>A home registration left to this process's home agent.</summary>
    HomeRegistrationForHomeAgent,

    /// <summary>A HoTI or CoTI while route optimization is off.</summary>
    RouteOptimizationDisabled,

    /// <summary>An unrecognized MH type while another module answers those.</summary>
    UnrecognizedTypeNotAnswered,
}

/// <summary>What the correspondent did with one event; tests and logs read it.</summary>
public enum CorrespondentOutcome
{
    Dropped,
    HomeTestSent,
    CareOfTestSent,
    BindingAccepted,
    BindingDeleted,
    BindingRefused,
    BindingErrorSent,
    BindingErrorRateLimited,
    SendFailed,
}

/// <summary>The correspondent's counters at one instant, for the status page.</summary>
public sealed record CorrespondentCounters(
    long HomeTestInitsAnswered,
    long CareOfTestInitsAnswered,
    long BindingsAccepted,
    long BindingsDeleted,
    long BindingsExpired,
    ImmutableDictionary<BindingAcknowledgementStatus, long> BindingUpdatesRefused,
    ImmutableDictionary<CorrespondentDrop, long> Drops,
    long BindingAcknowledgementsSent,
    long BindingErrorsSent,
    long BindingErrorsRateLimited,
    long BindingRefreshRequestsSent,
    long SendFailures)
{
    /// <summary>
    /// The counters as flat snake_case names (the status API's <c>counters{}</c> and /metrics), e.g.
    /// <c>cn_bu_refused_135</c>, <c>cn_drop_bad_authenticator</c>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, long>> ToNamedCounters()
    {
        var named = new List<KeyValuePair<string, long>>
        {
            new("cn_hoti_answered", HomeTestInitsAnswered),
            new("cn_coti_answered", CareOfTestInitsAnswered),
            new("cn_bu_accepted", BindingsAccepted),
            new("cn_bu_deleted", BindingsDeleted),
            new("cn_bindings_expired", BindingsExpired),
            new("cn_ba_sent", BindingAcknowledgementsSent),
            new("cn_be_sent", BindingErrorsSent),
            new("cn_be_rate_limited", BindingErrorsRateLimited),
            new("cn_brr_sent", BindingRefreshRequestsSent),
            new("cn_send_failures", SendFailures),
        };
        named.AddRange(BindingUpdatesRefused.OrderBy(kv => kv.Key).Select(kv => new KeyValuePair<string, long>($"cn_bu_refused_{(byte)kv.Key}", kv.Value)));
        named.AddRange(Drops.OrderBy(kv => kv.Key).Select(kv => new KeyValuePair<string, long>($"cn_drop_{SnakeCase(kv.Key.ToString())}", kv.Value)));
        return named;
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

/// <summary>A binding as the status page shows it.</summary>
public sealed record CorrespondentBindingStatus(
    IPAddress HomeAddress,
    IPAddress CareOfAddress,
    IPAddress Peer,
    Shisa.DataPlane.Bus.BindingUpdateFlags Flags,
    ushort Sequence,
    TimeSpan Lifetime,
    TimeSpan LifetimeRemaining,
    bool RefreshRequested);

/// <summary>The correspondent node's state at one instant (STYLE: status from snapshots, never live tables).</summary>
public sealed record CorrespondentSnapshot(
    bool RouteOptimization,
    ushort CurrentNonceIndex,
    int ValidNonces,
    int MaxBindings,
    ImmutableArray<CorrespondentBindingStatus> Bindings,
    CorrespondentCounters Counters);
