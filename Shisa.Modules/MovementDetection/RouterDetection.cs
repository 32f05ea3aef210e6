using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.Modules.Configuration;

namespace Shisa.Modules.MovementDetection;

/// <summary>What <see cref="RouterDetection"/> asks for or concludes; the module acts on each.</summary>
public abstract record DetectionAction;

/// <summary>Send a Router Solicitation to all-routers (ff02::2) on the interface.</summary>
public sealed record SendRouterSolicitation : DetectionAction;

/// <summary>Send a unicast Neighbor Solicitation for <paramref name="Router"/> (a link-local address) on the interface.</summary>
public sealed record SendNeighborSolicitation(IPAddress Router) : DetectionAction;

/// <summary>
/// The node is still on (or back on) the link of <paramref name="Router"/>, whose prefixes are known. When DNA
/// confirmed it, <paramref name="Remembered"/> holds the addresses the node had there that may still be used.
/// </summary>
public sealed record LinkConfirmed(IPAddress Router, IReadOnlyList<Prefix> Prefixes, string By, IReadOnlyList<RememberedAddress>? Remembered = null) : DetectionAction;

/// <summary>An address the node held on a remembered router's link, and what is left of its prefix's lifetimes.</summary>
public sealed record RememberedAddress(IPAddress Address, int PrefixLength, TimeSpan ValidLifetime, TimeSpan PreferredLifetime);

/// <summary>The node has left the link of <paramref name="Router"/>: what its prefixes gave is stale.</summary>
public sealed record RouterLost(IPAddress Router, IReadOnlyList<Prefix> Prefixes, string By) : DetectionAction;

/// <summary>
/// Movement detection from Neighbor Discovery on one interface, as a state machine with no clock of its own (STYLE:
/// timer expiries are events): the module feeds it link changes, received RAs and NAs, and the time, and sends
/// or acts on what it returns; <see cref="NextDeadline"/> says when to call <see cref="OnTimer"/> next.
/// </summary>
/// <remarks>
/// What each method adds (a method left out of the profile changes nothing here):
/// <list type="bullet">
/// <item>any method: a Router Solicitation at once on link-up while no router is known, and after a router is lost;
/// retransmitted as for ra.</item>
/// <item><b>ra</b>: a Router Solicitation at once on every link-up, retransmitted with the bounded exponential backoff of
/// RFC 7559 2 until an RA arrives; each router's RAs tracked; the current router is lost when its advertised
/// interval (RFC 6275 7.3) passes without an RA (RFC 6275 11.5.1).</item>
/// <item><b>nud</b>: when the current router's RAs stop (ra) or the link flaps, unicast NS probes to it (RFC 4861 7.3.3
/// PROBE); <see cref="MaxRouterProbes"/> unanswered probes mean it is lost (UMIP's MnRouterProbes).</item>
/// <item><b>dna</b>: a bounded cache of routers seen before, their prefixes and the addresses the node held on
/// their links (RFC 6059 5.1's SDAT); on link-up a unicast NS to each, sent with the RS (RFC 6059 5.2); a solicited
/// NA from one confirms its link at once (RFC 6059 5.5), and the addresses held there are used again without
/// waiting for an RA (<see cref="LinkConfirmed.Remembered"/>).</item>
/// </list>
/// Not thread-safe: the module calls it under its lock.
/// </remarks>
public sealed class RouterDetection
{
    /// <summary>RFC 7559 2: IRT = RTR_SOLICITATION_INTERVAL (RFC 4861 10), doubled per retransmission up to MRT.</summary>
    public static readonly TimeSpan SolicitationInterval = TimeSpan.FromSeconds(4);

    /// <summary>RFC 7559 2: MRT (MAX_RTR_SOLICITATION_INTERVAL), the bound of the backoff.</summary>
    public static readonly TimeSpan MaxSolicitationInterval = TimeSpan.FromSeconds(3600);

    /// <summary>RFC 4861 10: RETRANS_TIMER when the router advertises none.</summary>
    public static readonly TimeSpan DefaultRetransTimer = TimeSpan.FromSeconds(1);

    /// <summary>Unanswered probes before the router counts as lost (RFC 4861 10 MAX_UNICAST_SOLICIT; UMIP MnRouterProbes).</summary>
    public const int MaxRouterProbes = 3;

    /// <summary>Routers remembered for DNA (RFC 6059 5.1 leaves the size to the implementation); the oldest go first.</summary>
    public const int MaxRememberedRouters = 8;

    private readonly bool _ra;
    private readonly bool _nud;
    private readonly bool _dna;
    private readonly LinkedList<RouterEntry> _seen = new(); // most recently heard first, at most MaxRememberedRouters
    private RouterEntry? _current;
    private TimeSpan? _nextSolicitation;
    private TimeSpan _solicitationInterval;
    private int _probesSent;
    private TimeSpan? _nextProbe;
    private TimeSpan? _dnaUntil;
    private bool _linkUp;

    public RouterDetection(MovementDetectorSection methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        _ra = methods.Uses(MovementDetectionMethod.Ra);
        _nud = methods.Uses(MovementDetectionMethod.Nud);
        _dna = methods.Uses(MovementDetectionMethod.Dna);
    }

    /// <summary>The router the node is attached through, as far as Neighbor Discovery tells; null when unknown.</summary>
    public IPAddress? CurrentRouter => _current?.Address;

    /// <summary>
    /// The node uses <paramref name="address"/> on this interface: remembered with the current router whose prefix
    /// holds it (one per prefix), for DNA to use again on a return to its link.
    /// </summary>
    public void Held(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        foreach (var prefix in _current?.Prefixes ?? [])
        {
            if (prefix.Contains(address))
            {
                _current!.Held[prefix] = address;
                return;
            }
        }
    }

    /// <summary>The routers remembered for DNA, most recently heard first.</summary>
    public IReadOnlyList<IPAddress> RememberedRouters => [.. _seen.Select(r => r.Address)];

    /// <summary>When <see cref="OnTimer"/> has something to do; null when nothing is pending.</summary>
    public TimeSpan? NextDeadline => Min(Min(_nextSolicitation, _nextProbe), Min(RouterDeadline, _dnaUntil));

    /// <summary>
    /// Carrier came (back). RFC 4861 6.3.7's random delay of up to MAX_RTR_SOLICITATION_DELAY before the first RS is
    /// there to spread many hosts that start up on a link together; a mobile node that has just attached is not
    /// such a host, RFC 6275 11.5.1 has it solicit to learn quickly whether it moved, and RFC 6059 5.2 sends the
    /// DNA probes together with the RS, without delay. So: now (paraphrased; see the RFCs for the text).
    /// </summary>
    public IReadOnlyList<DetectionAction> OnLinkUp(TimeSpan now)
    {
        _linkUp = true;
        var actions = new List<DetectionAction>();

        // ra asks at once; DNA sends its RS with the probes (RFC 6059 5.2); and a node that knows no router here has
        // nothing to probe (NUD) and would otherwise wait out a whole unsolicited interval (RFC 4861 6.3.7: a host
        // solicits when an interface becomes enabled).
        if (_ra || _dna || _current is null)
        {
            actions.Add(new SendRouterSolicitation());
            _solicitationInterval = SolicitationInterval;
            _nextSolicitation = now + _solicitationInterval;
        }

        if (_dna)
        {
            foreach (var router in _seen)
            {
                actions.Add(new SendNeighborSolicitation(router.Address));
            }

            _dnaUntil = _seen.Count > 0 ? now + (_current?.RetransTimer ?? DefaultRetransTimer) : null;
        }

        if (_nud && _current is not null)
        {
            // The link flapped: is the router still there? (DNA's NS to it, when sent, doubles as the first probe.)
            if (!actions.OfType<SendNeighborSolicitation>().Any(s => s.Router.Equals(_current.Address)))
            {
                actions.Add(new SendNeighborSolicitation(_current.Address));
            }

            _probesSent = 1;
            _nextProbe = now + _current.RetransTimer;
        }

        return actions;
    }

    /// <summary>Carrier lost: nothing is sent until it is back; what was learnt stays for NUD and DNA.</summary>
    public void OnLinkDown()
    {
        _linkUp = false;
        _nextSolicitation = null;
        _nextProbe = null;
        _probesSent = 0;
        _dnaUntil = null;
    }

    /// <summary>A valid RA (RFC 4861 6.1.2: link-local source, hop limit 255, already checked) from <paramref name="router"/>.</summary>
    public IReadOnlyList<DetectionAction> OnRouterAdvertisement(IPAddress router, RouterAdvertisement advertisement, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(advertisement);
        var actions = new List<DetectionAction>();
        if (!_ra && !_dna && !_nud)
        {
            return actions;
        }

        _nextSolicitation = null; // RFC 7559 2: an RA ends the solicitations
        var entry = Remember(router, advertisement, now);
        if (_current is null)
        {
            // First router on this link, or the first one after the last was lost.
            _current = entry;
            _dnaUntil = null;
            actions.Add(new LinkConfirmed(router, entry.Prefixes, "ra"));
        }
        else if (_current == entry)
        {
            if (_nextProbe is not null || _dnaUntil is not null)
            {
                actions.Add(new LinkConfirmed(router, entry.Prefixes, "ra"));
            }

            _nextProbe = null;
            _probesSent = 0;
            _dnaUntil = null;
        }
        else if (_dna && _dnaUntil is not null && !SharesPrefix(entry, _current))
        {
            // RFC 6059 5.5: an RA whose prefixes are not the known link's says the link changed; no need to wait out the probes.
            actions.AddRange(Lose("dna", now));
            _current = entry;
            _nextSolicitation = null; // the RS Lose sends asks again for what the forgotten link state loses
            actions.Add(new LinkConfirmed(router, entry.Prefixes, "ra"));
        }

        return actions;
    }

    /// <summary>A Neighbor Advertisement for <paramref name="target"/> (RFC 4861 7.1.2 valid, hop limit 255).</summary>
    public IReadOnlyList<DetectionAction> OnNeighborAdvertisement(IPAddress target, bool solicited, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(target);
        var actions = new List<DetectionAction>();
        if (!solicited || !_linkUp)
        {
            return actions; // only an answer to our own probe says the router is reachable (RFC 4861 7.3.1)
        }

        if (_current is not null && _current.Address.Equals(target) && (_nextProbe is not null || _dnaUntil is not null))
        {
            _nextProbe = null;
            _probesSent = 0;
            _dnaUntil = null;
            _current.LastHeard = now;
            actions.Add(new LinkConfirmed(target, _current.Prefixes, _dna ? "dna" : "nud", _dna ? Remembered(_current, now) : null));
            return actions;
        }

        if (_dna && _dnaUntil is not null && _seen.FirstOrDefault(r => r.Address.Equals(target)) is { } known)
        {
            // RFC 6059 5.5: a reachability confirmation from a remembered router: the node is back on its link.
            if (_current is not null)
            {
                actions.AddRange(Lose("dna", now));
            }

            var remembered = Remembered(known, now);
            known.LastHeard = now;
            _current = known;
            _dnaUntil = null;
            actions.Add(new LinkConfirmed(target, known.Prefixes, "dna", remembered));
        }

        return actions;
    }

    /// <summary>Time passed: retransmits, probes, and losses that are due at <paramref name="now"/>.</summary>
    public IReadOnlyList<DetectionAction> OnTimer(TimeSpan now)
    {
        var actions = new List<DetectionAction>();
        if (_nextSolicitation is { } solicitation && now >= solicitation)
        {
            actions.Add(new SendRouterSolicitation());
            _solicitationInterval = _solicitationInterval * 2 < MaxSolicitationInterval ? _solicitationInterval * 2 : MaxSolicitationInterval;
            _nextSolicitation = now + _solicitationInterval;
        }

        if (_dnaUntil is { } dnaUntil && now >= dnaUntil)
        {
            _dnaUntil = null; // no remembered router answered: the RAs decide (RFC 6059 5.5)
        }

        if (_current is not null && _nextProbe is { } probe && now >= probe)
        {
            if (_probesSent < MaxRouterProbes)
            {
                _probesSent++;
                _nextProbe = now + _current.RetransTimer;
                actions.Add(new SendNeighborSolicitation(_current.Address));
            }
            else
            {
                actions.AddRange(Lose("nud", now));
            }
        }
        else if (_current is not null && _nextProbe is null && RouterDeadline is { } deadline && now >= deadline)
        {
            if (_nud)
            {
                // RFC 6275 11.5.1: missing advertisements are a hint; NUD confirms before the node calls it a move.
                _probesSent = 1;
                _nextProbe = now + _current.RetransTimer;
                actions.Add(new SendNeighborSolicitation(_current.Address));
            }
            else
            {
                actions.AddRange(Lose("ra", now));
            }
        }

        return actions;
    }

    /// <summary>
    /// RFC 6275 11.5.1 and 7.3: the Advertisement Interval option tells how often the router sends unsolicited
    /// RAs, so its silence for that long says the router is probably gone. Only with <c>ra</c>, on an up link, when the
    /// router advertised an interval.
    /// </summary>
    private TimeSpan? RouterDeadline => _ra && _linkUp && _nextProbe is null && _current is { Interval: { } interval } current ? current.LastHeard + interval : null;

    private List<DetectionAction> Lose(string by, TimeSpan now)
    {
        var lost = _current!;
        _current = null;
        _nextProbe = null;
        _probesSent = 0;
        _dnaUntil = null;
        List<DetectionAction> actions = [new RouterLost(lost.Address, lost.Prefixes, by)];
        if (_linkUp)
        {
            // Ask the new link's router at once rather than wait for its next unsolicited RA (whatever the method: the
            // node knows no router now).
            actions.Add(new SendRouterSolicitation());
            _solicitationInterval = SolicitationInterval;
            _nextSolicitation = now + _solicitationInterval;
        }

        return actions;
    }

    private RouterEntry Remember(IPAddress router, RouterAdvertisement advertisement, TimeSpan now)
    {
        var node = _seen.First;
        while (node is not null && !node.Value.Address.Equals(router))
        {
            node = node.Next;
        }

        var entry = node?.Value ?? new RouterEntry(router);
        if (node is not null)
        {
            _seen.Remove(node);
        }

        entry.LastHeard = now;
        entry.Interval = advertisement.AdvertisementInterval;
        entry.RetransTimer = advertisement.RetransTimer > TimeSpan.Zero ? advertisement.RetransTimer : DefaultRetransTimer;
        entry.AdvertisedAt = now;
        entry.Prefixes = [.. advertisement.Prefixes.Where(p => p.ValidLifetime > 0).Select(p => new Prefix(p.Prefix, p.PrefixLength))];
        entry.Lifetimes.Clear();
        foreach (var p in advertisement.Prefixes.Where(p => p.ValidLifetime > 0 && p.Autonomous))
        {
            entry.Lifetimes[new Prefix(p.Prefix, p.PrefixLength)] = (TimeSpan.FromSeconds(p.ValidLifetime), TimeSpan.FromSeconds(p.PreferredLifetime));
        }

        foreach (var stale in entry.Held.Keys.Where(k => !entry.Lifetimes.ContainsKey(k)).ToList())
        {
            entry.Held.Remove(stale); // the router stopped advertising it (or autoconfiguration from it)
        }
        _seen.AddFirst(entry);
        while (_seen.Count > MaxRememberedRouters)
        {
            if (_seen.Last!.Value == _current)
            {
                _seen.Remove(_seen.Last.Previous!); // never forget the current router
            }
            else
            {
                _seen.RemoveLast();
            }
        }

        return entry;
    }

    // RFC 6059 5.1/5.5: what the node configured on that router's link stays usable while the prefix's lifetimes,
    // counted from the router's last advertisement, last.
    private static List<RememberedAddress> Remembered(RouterEntry router, TimeSpan now)
    {
        List<RememberedAddress> remembered = [];
        foreach (var (prefix, address) in router.Held)
        {
            if (router.Lifetimes.TryGetValue(prefix, out var lifetimes) && lifetimes.Valid - (now - router.AdvertisedAt) is { } valid && valid > TimeSpan.Zero)
            {
                var preferred = lifetimes.Preferred - (now - router.AdvertisedAt);
                remembered.Add(new RememberedAddress(address, prefix.Length, valid, preferred > TimeSpan.Zero ? preferred : TimeSpan.Zero));
            }
        }

        return remembered;
    }

    private static bool SharesPrefix(RouterEntry a, RouterEntry b) => a.Prefixes.Any(p => b.Prefixes.Contains(p));

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private sealed class RouterEntry(IPAddress address)
    {
        public IPAddress Address { get; } = address;

        public TimeSpan LastHeard { get; set; }

        public TimeSpan? Interval { get; set; }

        public TimeSpan RetransTimer { get; set; } = DefaultRetransTimer;

        public IReadOnlyList<Prefix> Prefixes { get; set; } = [];

        /// <summary>When its last RA came: the prefix lifetimes count from there.</summary>
        public TimeSpan AdvertisedAt { get; set; }

        /// <summary>Valid and preferred lifetimes of its autonomous prefixes, as last advertised.</summary>
        public Dictionary<Prefix, (TimeSpan Valid, TimeSpan Preferred)> Lifetimes { get; } = [];

        /// <summary>The address the node held under each of its prefixes (bounded by the advertised prefixes).</summary>
        public Dictionary<Prefix, IPAddress> Held { get; } = [];
    }
}
