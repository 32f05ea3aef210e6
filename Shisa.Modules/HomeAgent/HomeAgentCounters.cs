using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.Modules.HomeAgent;

/// <summary>Why the home agent dropped a received packet without answering it.</summary>
public enum HomeAgentDropReason
{
    /// <summary>Not an IPv6 packet the walker accepts (includes a HAO with a non-routable home address, RFC 6275 9.3.1).</summary>
    NotIpv6,

    /// <summary>A Mobility Header whose checksum does not verify (RFC 6275 9.2: silently discarded).</summary>
    BadChecksum,

    /// <summary>A Mobility Header shorter than its Header Len says (silently discarded).</summary>
    Truncated,

    /// <summary>A mobility option with a wrong length or running past the header (RFC 6275 6.2.1).</summary>
    MalformedOption,

    /// <summary>Addressed to another address than the home agent's (a correspondent's business, or not ours).</summary>
    NotForHomeAgent,

    /// <summary>A Binding Update without H: a correspondent registration, the correspondent module's business.</summary>
    NotHomeRegistration,

    /// <summary>A known Mobility Header type a home agent does not act on (BA, BE, BRR, HoTI ...).</summary>
    UnexpectedMessageType,

    /// <summary>The home address is multicast, link-local, loopback, unspecified or IPv4-mapped (RFC 6275 9.5.1).</summary>
    HomeAddressNotRoutable,

    /// <summary>The care-of address is not a routable unicast address (RFC 6275 9.5.1).</summary>
    CareOfAddressNotRoutable,

    /// <summary>A retransmission (or an older one) of a Binding Update whose duplicate address detection is running.</summary>
    DadInProgress,

    /// <summary>A pending registration replaced by a newer Binding Update before its detection ended: no answer to the old one.</summary>
    Superseded,

    /// <summary>An error answer (Binding Error, Parameter Problem) over the rate limit.</summary>
    RateLimited,

    /// <summary>An ICMPv6 message with a bad checksum or code, or not the mobility message it claims to be.</summary>
    BadIcmp,

    /// <summary>A Home Agent Address Discovery Request not sent to our home subnet's anycast address.</summary>
    DiscoveryNotForUs,

    /// <summary>A discovery request with R from a mobile router while no mobile node may register prefixes here (RFC 3963 7.1).</summary>
    DiscoveryMobileRouterUnsupported,

    /// <summary>A Mobile Prefix Solicitation from a node without a binding, or not from its care-of address (RFC 6275 10.6.2).</summary>
    SolicitationWithoutBinding,

    /// <summary>The data plane refused to send our answer.</summary>
    SendFailed,

    /// <summary>A refused Binding Update for a home address not on the list, not answered: over RefusalRatePerSecond (RFC 6275 11.3.1).</summary>
    RefusalRateLimited,
}

/// <summary>The home agent's counters at one instant, for the status page and metrics (DESIGN 8).</summary>
/// <param name="BindingUpdatesReceived">Binding Updates that reached the registration checks.</param>
/// <param name="BindingUpdatesByStatus">Outcome of every processed home registration, accepted (0) or refused (128 and up).</param>
/// <param name="AcknowledgementsSentByStatus">Binding Acknowledgements sent, by status.</param>
/// <param name="Drops">Packets dropped without an answer, by reason.</param>
/// <param name="BindingErrorsSent">Binding Error messages sent.</param>
/// <param name="ParameterProblemsSent">ICMPv6 Parameter Problem messages sent.</param>
/// <param name="DiscoveryRepliesSent">Home Agent Address Discovery replies sent.</param>
/// <param name="PrefixAdvertisementsSent">Mobile Prefix Advertisements sent.</param>
/// <param name="BindingsExpired">Bindings removed because their lifetime ran out.</param>
/// <param name="DadRequested">Duplicate Address Detections asked of the data plane.</param>
/// <param name="DadFailed">Detections that found the address in use.</param>
/// <param name="DadTimedOut">Detections whose result never came (the registration refused with 130).</param>
/// <param name="DadBusy">Detections the detector could not run (the registration refused with 130).</param>
/// <param name="NatDetected">Binding Updates from an IPv4 care-of address behind a NAT (RFC 5555 4.2.2).</param>
public sealed record HomeAgentCounters(
    long BindingUpdatesReceived,
    IReadOnlyDictionary<BindingAcknowledgementStatus, long> BindingUpdatesByStatus,
    IReadOnlyDictionary<BindingAcknowledgementStatus, long> AcknowledgementsSentByStatus,
    IReadOnlyDictionary<HomeAgentDropReason, long> Drops,
    long BindingErrorsSent,
    long ParameterProblemsSent,
    long DiscoveryRepliesSent,
    long PrefixAdvertisementsSent,
    long BindingsExpired,
    long DadRequested,
    long DadFailed,
    long DadTimedOut,
    long DadBusy = 0,
    long NatDetected = 0)
{
    /// <summary>Flat snake_case names for the status API's <c>counters{}</c> and Prometheus.</summary>
    public IReadOnlyDictionary<string, long> ToDictionary()
    {
        var flat = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["ha_binding_updates_received"] = BindingUpdatesReceived,
            ["ha_binding_errors_sent"] = BindingErrorsSent,
            ["ha_parameter_problems_sent"] = ParameterProblemsSent,
            ["ha_discovery_replies_sent"] = DiscoveryRepliesSent,
            ["ha_prefix_advertisements_sent"] = PrefixAdvertisementsSent,
            ["ha_bindings_expired"] = BindingsExpired,
            ["ha_dad_requested"] = DadRequested,
            ["ha_dad_failed"] = DadFailed,
            ["ha_dad_timed_out"] = DadTimedOut,
            ["ha_dad_busy"] = DadBusy,
            ["ha_nat_detected"] = NatDetected,
        };
        foreach (var (status, count) in BindingUpdatesByStatus)
        {
            flat[$"ha_binding_updates_status_{(byte)status}"] = count;
        }

        foreach (var (status, count) in AcknowledgementsSentByStatus)
        {
            flat[$"ha_binding_acks_sent_status_{(byte)status}"] = count;
        }

        foreach (var (reason, count) in Drops)
        {
            flat[$"ha_drops_{HomeAgentNames.SnakeCase(reason.ToString())}"] = count;
        }

        return flat;
    }
}

/// <summary>The live counters; only the core's single thread writes them.</summary>
internal sealed class HomeAgentCounterSet
{
    private readonly long[] _byStatus = new long[256];
    private readonly long[] _acksByStatus = new long[256];
    private readonly long[] _drops = new long[Enum.GetValues<HomeAgentDropReason>().Length];

    public long BindingUpdatesReceived;
    public long BindingErrorsSent;
    public long ParameterProblemsSent;
    public long DiscoveryRepliesSent;
    public long PrefixAdvertisementsSent;
    public long BindingsExpired;
    public long DadRequested;
    public long DadFailed;
    public long DadTimedOut;
    public long DadBusy;
    public long NatDetected;

    public void Outcome(BindingAcknowledgementStatus status) => _byStatus[(byte)status]++;

    public void AcknowledgementSent(BindingAcknowledgementStatus status) => _acksByStatus[(byte)status]++;

    public void Drop(HomeAgentDropReason reason) => _drops[(int)reason]++;

    public long Drops(HomeAgentDropReason reason) => _drops[(int)reason];

    public HomeAgentCounters Snapshot() => new(
        BindingUpdatesReceived,
        NonZero(_byStatus),
        NonZero(_acksByStatus),
        Enum.GetValues<HomeAgentDropReason>().Where(r => _drops[(int)r] != 0).ToDictionary(r => r, r => _drops[(int)r]),
        BindingErrorsSent,
        ParameterProblemsSent,
        DiscoveryRepliesSent,
        PrefixAdvertisementsSent,
        BindingsExpired,
        DadRequested,
        DadFailed,
        DadTimedOut,
        DadBusy,
        NatDetected);

    private static Dictionary<BindingAcknowledgementStatus, long> NonZero(long[] counts)
    {
        var result = new Dictionary<BindingAcknowledgementStatus, long>();
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                result[(BindingAcknowledgementStatus)i] = counts[i];
            }
        }

        return result;
    }
}

internal static class HomeAgentNames
{
    public static string SnakeCase(string name)
    {
        var text = new System.Text.StringBuilder(name.Length + 4);
        foreach (char c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
