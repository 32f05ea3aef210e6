using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

using Shisa.Modules.Common;

namespace Shisa.Modules.MobileNode;

/// <summary>What the home registration machine is configured with.</summary>
/// <param name="HomeAddress">The mobile node's home address.</param>
/// <param name="HomePrefixLength">The length of the home prefix the home address is in.</param>
/// <param name="HomeAgent">Null: find it with DHAAD (<c>home_agent = "discover"</c>).</param>
/// <param name="Lifetime">The lifetime asked for in each registration.</param>
/// <param name="InitialSequence">The first Binding Update gets the one after it.</param>
/// <param name="IncludeAlternateCareOfAddress">Add the Alternate Care-of Address option to registrations
/// (RFC 6275 11.7.1 asks for it when IPsec ESP protects the BU; the RFC 4285 authenticator covers the care-of
/// address itself, so it is off by default).</param>
/// <param name="MobileRouter">Set for a mobile router (RFC 3963): how its registrations differ; null for a mobile host.</param>
/// <param name="OptimisticHandoff">UMIP's OptimisticHandoff: on a move from a bound care-of address, the new one is
/// published (state WaitingAck) as soon as its Binding Update is sent, so outbound traffic uses it at once instead
/// of after the acknowledgement; the profile's <c>[mobile_node] optimistic_handoff</c>.</param>
/// <param name="UplinkBindingIds">Multiple care-of addresses (RFC 5648, <c>[mobile_node] multiple_care_of</c>): the binding id
/// of an uplink by interface name (null: not an uplink); the lowest id is the preferred uplink. Null registers one
/// care-of address at a time (RFC 6275).</param>
public sealed record HomeRegistrationOptions(
    IPAddress HomeAddress,
    int HomePrefixLength,
    IPAddress? HomeAgent,
    TimeSpan Lifetime,
    ushort InitialSequence,
    bool IncludeAlternateCareOfAddress = false,
    MobileRouterRegistration? MobileRouter = null,
    bool OptimisticHandoff = false,
    Func<string, ushort?>? UplinkBindingIds = null);

/// <summary>
/// The mobile node's home registration (SHISA mnd's registration FSM): IDLE, DHAAD, WAITA, WAITAR, BOUND, WAITD, and for a
/// mobile router LEAVING (deregistering from a home agent that does not support mobile routers, RFC 3963 5.3).
/// A pure machine: <see cref="Handle"/> is its one entry point; it takes an event and the time it happened, and
/// returns what to do (send, publish, arm the timer). It never reads a clock, sends or publishes itself.
/// </summary>
/// <remarks>Not thread-safe: its module feeds it one event at a time.</remarks>
public sealed class HomeRegistration
{
    private const BusFlags HostRegistrationFlags = BusFlags.Acknowledge | BusFlags.HomeRegistration;

    // Home agents found not to support mobile routers, oldest first; bounded, a DHAAD reply is bounded too.
    private const int MaxUnsuitableHomeAgents = 8;

    private readonly HomeRegistrationOptions _options;
    private readonly BusFlags _registrationFlags;
    private readonly List<IPAddress> _unsuitable = [];
    private readonly List<HomeRegistrationAction> _actions = [];
    private ushort _sequence;
    private BindingUpdateRequest? _lastSent;
    private TimeSpan _backoff;
    private int _attempts;
    private int _refusals;
    private int _resyncs;
    private bool _registeredWithHomeAgent;
    private bool _homeAgentMayHoldBinding;
    private bool _solicitedPrefixes;
    private ushort _haadIdentifier;
    private DateTimeOffset _movedAt;
    private IPAddress? _homeFrom;
    private DateTimeOffset _homeMovedAt;
    private IPAddress? _previousCareOf;
    private IPAddress? _lostBoundCareOf;
    private DateTimeOffset? _homePrefixValidUntil;
    private readonly MultipleCareOfUplinks? _uplinks;

    public HomeRegistration(HomeRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Lifetime, TimeSpan.Zero);
        _options = options;

        // RFC 3963 4.1, 5.2: a mobile router sets R in its Binding Updates; its binding carries R for the data plane.
        _registrationFlags = options.MobileRouter is null ? HostRegistrationFlags : HostRegistrationFlags | BusFlags.MobileRouter;
        _sequence = options.InitialSequence;
        _haadIdentifier = options.InitialSequence;
        HomeAgent = options.HomeAgent;
        _uplinks = options.UplinkBindingIds is { } ids ? new MultipleCareOfUplinks(ids) : null;
    }

    /// <summary>The uplinks registered together (RFC 5648), by binding id; empty without multiple care-of addresses.</summary>
    public IReadOnlyList<BindingUpdateListEntry> PublishedUplinks => _uplinks?.Published ?? [];

    public HomeRegistrationState State { get; private set; } = HomeRegistrationState.Idle;

    /// <summary>The configured or discovered home agent; null until discovered.</summary>
    public IPAddress? HomeAgent { get; private set; }

    public IPAddress HomeAddress => _options.HomeAddress;

    /// <summary>The care-of address being registered or registered; null at home or with none.</summary>
    public IPAddress? CareOfAddress { get; private set; }

    public string? InterfaceName { get; private set; }

    public bool AtHome { get; private set; }

    /// <summary>The sequence number of the last Binding Update sent.</summary>
    public ushort Sequence => _sequence;

    /// <summary>The entry published with BulAdd and not yet removed; null when the data plane has none.</summary>
    public BindingUpdateListEntry? PublishedEntry { get; private set; }

    /// <summary>When the binding the home agent granted runs out; null when none.</summary>
    public DateTimeOffset? BindingExpires { get; private set; }

    /// <summary>Home agents that accepted a mobile router's registration without R (RFC 3963 5.3); not chosen again.</summary>
    public IReadOnlyList<IPAddress> UnsuitableHomeAgents => _unsuitable;

    /// <summary>The one entry point: feeds <paramref name="event"/>, which happened at <paramref name="now"/>.</summary>
    public IReadOnlyList<HomeRegistrationAction> Handle(HomeRegistrationEvent @event, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(@event);
        _actions.Clear();
        switch (@event)
        {
            case MovedTo moved:
                OnMovedTo(moved, now);
                break;
            case ReturnedHome home:
                OnReturnedHome(home, now);
                break;
            case CareOfAddressLost lost:
                OnCareOfAddressLost(lost, now);
                break;
            case BaReceived ba:
                OnBindingAcknowledgement(ba, now);
                break;
            case BrrReceived brr:
                OnBindingRefreshRequest(brr, now);
                break;
            case RefreshRequested when State == HomeRegistrationState.Bound:
                StartRefresh(now);
                break;
            case RefreshRequested:
                Ignore($"refresh asked for in {State.Name()}");
                break;
            case HaadReplyReceived reply:
                OnHaadReply(reply, now);
                break;
            case HomePrefixLifetime prefix:
                _homePrefixValidUntil = now + prefix.ValidLifetime;
                break;
            case RegistrationTimeout:
                OnTimeout(now);
                break;
            case RegistrationRestored restored:
                OnRestored(restored, now);
                break;
            case StopRequested:
                OnStop();
                break;
            case Abandon:
                GoIdle();
                break;
            default:
                Ignore($"unknown event {@event.GetType().Name}");
                break;
        }

        return [.. _actions];
    }

    // DESIGN 5: the binding survived the process (it ended without deregistering). It is published again at once so
    // the data plane's tunnel stays up, and refreshed at once with the next sequence number: no tear-down, and the
    // home agent's answer (135 resynchronises a sequence that moved on meanwhile) confirms it is still there.
    private void OnRestored(RegistrationRestored restored, DateTimeOffset now)
    {
        var entry = restored.Entry;
        if (State != HomeRegistrationState.Idle || PublishedEntry is not null)
        {
            Ignore($"restored binding in {State.Name()}");
            return;
        }

        if (!entry.IsHomeRegistration || !entry.HomeAddress.Equals(HomeAddress))
        {
            Ignore($"restored binding of {entry.HomeAddress}, not this home registration");
            return;
        }

        var remaining = entry.Lifetime - (now > restored.RestoredAt ? now - restored.RestoredAt : TimeSpan.Zero);
        if (remaining <= TimeSpan.Zero || (_options.HomeAgent is { } configured && !configured.Equals(entry.Peer)))
        {
            // Ran out meanwhile, or the profile now names another home agent: the data plane and journal forget it.
            _actions.Add(new PublishMessage(new BindingUpdateListRemove(entry)));
            Ignore(remaining <= TimeSpan.Zero ? "restored binding ran out" : $"restored binding is with {entry.Peer}, not the configured home agent");
            return;
        }

        HomeAgent = entry.Peer;
        CareOfAddress = entry.CareOfAddress;
        AtHome = false;
        _sequence = entry.Sequence;
        _registeredWithHomeAgent = true;
        _movedAt = now;
        BindingExpires = now + remaining;
        PublishedEntry = entry with { Lifetime = remaining, State = BindingUpdateListState.Bound };
        _actions.Add(new PublishMessage(new BindingUpdateListAdd(PublishedEntry)));
        StartRefresh(now);
    }

    // RFC 6275 11.5.1/11.7.1: a new care-of address means a new home registration from it.
    private void OnMovedTo(MovedTo moved, DateTimeOffset now)
    {
        if (_uplinks is not null)
        {
            // RFC 5648: a care-of address on an uplink joins the set registered together; the Binding Updates leave
            // from the preferred uplink's care-of address.
            if (!_uplinks.Set(moved.InterfaceName, moved.CareOfAddress, out string? why))
            {
                Ignore(why);
                return;
            }

            var preferred = _uplinks.Preferred!.Value;
            moved = new MovedTo(preferred.CareOfAddress, preferred.InterfaceName);
        }
        else if (!AtHome && moved.CareOfAddress.Equals(CareOfAddress)
            && State is HomeRegistrationState.WaitAck or HomeRegistrationState.WaitAckRefresh or HomeRegistrationState.Bound or HomeRegistrationState.Discovering)
        {
            Ignore("same care-of address");
            return;
        }

        // A move often shows as the old address going first (carrier lost, address flushed) and the new one
        // arriving after: the handover is still from the care-of address that was bound.
        _previousCareOf = PublishedEntry?.CareOfAddress ?? _lostBoundCareOf;
        _lostBoundCareOf = null;
        CareOfAddress = moved.CareOfAddress;
        InterfaceName = moved.InterfaceName;
        AtHome = false;
        _movedAt = now;
        if (HomeAgent is null || _unsuitable.Contains(HomeAgent))
        {
            StartDiscovery();
        }
        else
        {
            StartRegistration(now);
        }
    }

    // RFC 6275 11.4.1: ask the home agents' anycast address of the home prefix.
    private void StartDiscovery()
    {
        State = HomeRegistrationState.Discovering;
        _haadIdentifier++;
        _backoff = MobileIpv6Constants.InitialDhaadTimeout;
        _attempts = 0;
        _actions.Add(new SendHaadRequest(_haadIdentifier, CareOfAddress!, HomeAgentsAnycast.For(HomeAddress, _options.HomePrefixLength), false, IsMobileRouter));
        _actions.Add(new ArmTimer(_backoff));
    }

    private void OnHaadReply(HaadReplyReceived reply, DateTimeOffset now)
    {
        if (State != HomeRegistrationState.Discovering)
        {
            Ignore("not discovering");
        }
        else if (reply.Reply.Identifier != _haadIdentifier)
        {
            Ignore("identifier does not match the request");
        }
        else if (reply.Reply.HomeAgents.Count == 0)
        {
            Ignore("no home agent in the reply");
        }
        else if (reply.Reply.HomeAgents.FirstOrDefault(a => !_unsuitable.Contains(a)) is not { } agent)
        {
            Ignore("every home agent in the reply is known not to support mobile routers");
        }
        else
        {
            // The list is in order of preference (RFC 6275 10.5.1): take the first (that may serve a mobile router).
            HomeAgent = agent;
            _registeredWithHomeAgent = false;
            StartRegistration(now);
        }
    }

    private void StartRegistration(DateTimeOffset now)
    {
        State = HomeRegistrationState.WaitAck;
        _refusals = 0;
        _resyncs = 0;
        _attempts = 0;

        // RFC 6275 11.8: the first registration with a home agent waits longer, for its DAD of the home address.
        _backoff = _registeredWithHomeAgent ? MobileIpv6Constants.InitialBindAckTimeout : MobileIpv6Constants.InitialBindAckTimeoutFirstRegistration;
        SendRegistration(now, retransmission: false);
        _actions.Add(new ArmTimer(_backoff));
        if (_options.OptimisticHandoff && _uplinks is null && PublishedEntry is { State: BindingUpdateListState.Bound or BindingUpdateListState.WaitingAck } bound && !bound.CareOfAddress.Equals(CareOfAddress))
        {
            // The BU for the new care-of address is out (it goes first on the same path): outbound traffic follows it
            // now; the home agent has the binding by the time the first tunnelled packet arrives, not one BA later.
            PublishedEntry = bound with { CareOfAddress = CareOfAddress!, State = BindingUpdateListState.WaitingAck };
            _actions.Add(new PublishMessage(new BindingUpdateListAdd(PublishedEntry)));
        }
    }

    private void StartRefresh(DateTimeOffset now)
    {
        State = HomeRegistrationState.WaitAckRefresh;
        _refusals = 0;
        _resyncs = 0;
        _attempts = 0;
        _backoff = MobileIpv6Constants.InitialBindAckTimeout;
        SendRegistration(now, retransmission: false);
        _actions.Add(new ArmTimer(_backoff));
        if (_homePrefixValidUntil is { } until && now + _options.Lifetime > until)
        {
            // RFC 6275 11.4.2: the home address is about to become invalid: ask for fresh prefix information.
            _actions.Add(new SolicitPrefixes(CareOfAddress!, HomeAgent!));
        }
    }

    private void SendRegistration(DateTimeOffset now, bool retransmission)
    {
        var lifetime = _options.Lifetime;
        _homeAgentMayHoldBinding = true;
        if (_homePrefixValidUntil is { } until && until - now < lifetime && until > now)
        {
            // RFC 6275 11.7.1: the lifetime must not exceed the home address's remaining valid lifetime.
            lifetime = until - now;
        }

        Send(new BindingUpdateRequest(
            NextSequence(),
            (WireFlags)_registrationFlags,
            lifetime,
            CareOfAddress!,
            HomeAgent!,
            HomeAddress,
            _options.IncludeAlternateCareOfAddress ? CareOfAddress : null,
            _options.MobileRouter?.AdvertisedPrefixes ?? default,
            _uplinks?.RegistrationOptions() ?? default), retransmission);
    }

    // RFC 6275 11.5.5 (from the home address, no HAO) at home; from the care-of address with a HAO when leaving.
    private void SendDeregistration(bool retransmission)
    {
        var request = AtHome || CareOfAddress is null
            ? new BindingUpdateRequest(NextSequence(), (WireFlags)_registrationFlags, TimeSpan.Zero, HomeAddress, HomeAgent!, null)
            : new BindingUpdateRequest(NextSequence(), (WireFlags)_registrationFlags, TimeSpan.Zero, CareOfAddress, HomeAgent!, HomeAddress);
        Send(request, retransmission);
    }

    private void Send(BindingUpdateRequest request, bool retransmission)
    {
        _lastSent = request;
        _actions.Add(new SendBindingUpdate(request, retransmission));
    }

    // RFC 6275 11.8: every retransmission carries a new sequence number; arithmetic is modulo 2^16 (9.5.1).
    private ushort NextSequence() => unchecked(++_sequence);

    private void OnTimeout(DateTimeOffset now)
    {
        switch (State)
        {
            case HomeRegistrationState.Discovering:
                _attempts++;
                _backoff = Doubled(_backoff);
                _actions.Add(new SendHaadRequest(_haadIdentifier, CareOfAddress!, HomeAgentsAnycast.For(HomeAddress, _options.HomePrefixLength), true, IsMobileRouter));
                _actions.Add(new ArmTimer(_backoff));
                break;

            case HomeRegistrationState.WaitAck or HomeRegistrationState.WaitAckRefresh:
                if (State == HomeRegistrationState.WaitAckRefresh && BindingExpires <= now)
                {
                    // The binding ran out before a refresh was acknowledged: the data plane stops using it.
                    RemovePublished();
                    State = HomeRegistrationState.WaitAck;
                }

                // RFC 6275 11.8: double the timeout up to MAX_BINDACK_TIMEOUT, then go on at that rate.
                _attempts++;
                _backoff = Doubled(_backoff);
                SendRegistration(now, retransmission: true);
                _actions.Add(new ArmTimer(_backoff));
                break;

            case HomeRegistrationState.Bound:
                StartRefresh(now);
                break;

            case HomeRegistrationState.WaitDereg or HomeRegistrationState.LeavingHomeAgent:
                if (++_attempts > MobileIpv6Constants.MaxDeregistrationRetries)
                {
                    // Given up: the binding there expires on its own.
                    FinishDeregistration();
                    break;
                }

                _backoff = Doubled(_backoff);
                SendDeregistration(retransmission: true);
                _actions.Add(new ArmTimer(_backoff));
                break;

            default:
                Ignore($"timer in {State.Name()}");
                break;
        }
    }

    // RFC 6275 11.7.3: receiving Binding Acknowledgements.
    private void OnBindingAcknowledgement(BaReceived received, DateTimeOffset now)
    {
        var ba = received.Ack;
        if (_uplinks is not null && received.Source.Equals(HomeAgent) && _uplinks.TakeDeregistration(ba.Sequence))
        {
            // The answer to a single binding id's deregistration (RFC 5648 6.2): nothing waits for it. 133 means the
            // home agent had no such binding any more, which is what was asked for.
            _actions.Add(new BindingDeregistered(ba.Status));
            return;
        }

        if (State is not (HomeRegistrationState.WaitAck or HomeRegistrationState.WaitAckRefresh or HomeRegistrationState.WaitDereg
            or HomeRegistrationState.LeavingHomeAgent) || _lastSent is null)
        {
            Ignore($"no Binding Update outstanding in {State.Name()}");
            return;
        }

        if (!received.Source.Equals(HomeAgent))
        {
            Ignore($"from {received.Source}, not the home agent");
            return;
        }

        // Sent from the care-of address with a HAO: back to it with a type 2 routing header for the home address
        // (RFC 6275 9.5.4, 6.4); sent from the home address: back to it without one.
        bool addressed = _lastSent.HomeAddressOption is { } hoa
            ? received.Destination.Equals(_lastSent.Source) && hoa.Equals(received.RoutingHomeAddress)
            : received.Destination.Equals(_lastSent.Source) && received.RoutingHomeAddress is null;
        if (!addressed)
        {
            Ignore($"to {received.Destination} (RH2 {received.RoutingHomeAddress?.ToString() ?? "none"}), not as the Binding Update was sent");
            return;
        }

        if (ba.Status == BindingAcknowledgementStatus.SequenceNumberOutOfWindow)
        {
            OnSequenceOutOfWindow(ba, now);
            return;
        }

        if (ba.Sequence != _lastSent.Sequence)
        {
            Ignore($"sequence {ba.Sequence}, expected {_lastSent.Sequence}");
            return;
        }

        if (AtHome && State == HomeRegistrationState.WaitDereg)
        {
            // Coming home is a handover too, from the last care-of address to the home address (the timeline): it
            // ends with the home agent's answer, an acceptance or a refusal such as 133 (it holds no binding).
            _actions.Add(new ReturnedHomeDeregistered(_homeFrom, _homeMovedAt, now));
        }

        if (!ba.IsAccepted)
        {
            OnRefused(ba.Status);
            return;
        }

        if (State is HomeRegistrationState.WaitDereg or HomeRegistrationState.LeavingHomeAgent)
        {
            _homeAgentMayHoldBinding = false;
            FinishDeregistration();
            return;
        }

        if (ba.Lifetime == TimeSpan.Zero)
        {
            // Accepted with no lifetime: nothing is bound; treat it as a refusal and retry later.
            OnRefused(ba.Status);
            return;
        }

        if (IsMobileRouter && (ba.Flags & BindingAcknowledgementFlags.R) == 0)
        {
            LeaveHomeAgent();
            return;
        }

        Bind(ba, now);
    }

    private void Bind(BindingAcknowledgement ba, DateTimeOffset now)
    {
        bool refresh = State == HomeRegistrationState.WaitAckRefresh;
        var granted = ba.Lifetime < _lastSent!.Lifetime ? ba.Lifetime : _lastSent.Lifetime;
        State = HomeRegistrationState.Bound;
        _registeredWithHomeAgent = true;
        BindingExpires = now + granted;
        var entry = new BindingUpdateListEntry(
            HomeAgent!, HomeAddress, CareOfAddress!, _registrationFlags, granted, ba.Sequence, BindingUpdateListState.Bound,
            _options.MobileRouter?.MobileNetworkPrefixes ?? default);
        if (_uplinks is not null && _lastSent.BindingIdentifiers.Count > 0)
        {
            // RFC 5648 6.2: one entry per binding id the acknowledgement accepted; the preferred one is PublishedEntry.
            PublishedEntry = _uplinks.Bind(entry, _lastSent.BindingIdentifiers, ba, _actions);
        }
        else
        {
            if (PublishedEntry is { BindingId: not 0 })
            {
                _uplinks?.Unpublish(_actions);
            }

            PublishedEntry = entry;
            _actions.Add(new PublishMessage(new BindingUpdateListAdd(PublishedEntry)));
        }

        // RFC 6275 11.7.3: refresh before the lifetime ends, or at the Binding Refresh Advice's interval.
        var refreshAt = TimeSpan.FromTicks((long)(granted.Ticks * MobileIpv6Constants.RefreshFraction));
        if (ba.Options.Find<BindingRefreshAdviceOption>() is { } advice && advice.RefreshInterval > TimeSpan.Zero && advice.RefreshInterval < granted)
        {
            refreshAt = advice.RefreshInterval;
        }

        if (ba.Options.Find<NatDetectionOption>()?.KeepaliveInterval is { } keepalive && keepalive < refreshAt)
        {
            // RFC 5555 4.3: behind a NAT the Binding Update is the keepalive, at the home agent's Refresh Time.
            refreshAt = keepalive;
        }

        _actions.Add(new ArmTimer(refreshAt));
        _actions.Add(new Registered(refresh ? CareOfAddress : _previousCareOf, CareOfAddress!, refresh ? now : _movedAt, now, granted, refresh));
        if (!_solicitedPrefixes || ba.Status == BindingAcknowledgementStatus.AcceptedPrefixDiscoveryNecessary)
        {
            // RFC 6275 11.4.2 / 11.7.3 (status 1): learn the home prefixes once bound.
            _solicitedPrefixes = true;
            _actions.Add(new SolicitPrefixes(CareOfAddress!, HomeAgent!));
        }
    }

    // RFC 6275 11.7.3: status 135 carries the last sequence the home agent accepted; go on from there.
    private void OnSequenceOutOfWindow(BindingAcknowledgement ba, DateTimeOffset now)
    {
        if (++_resyncs > MobileIpv6Constants.MaxSequenceResyncs)
        {
            OnRefused(ba.Status);
            return;
        }

        _sequence = ba.Sequence;
        if (State is HomeRegistrationState.WaitDereg or HomeRegistrationState.LeavingHomeAgent)
        {
            SendDeregistration(retransmission: false);
        }
        else
        {
            SendRegistration(now, retransmission: false);
        }

        _actions.Add(new ArmTimer(_backoff));
    }

    private void OnRefused(BindingAcknowledgementStatus status)
    {
        if (status == BindingAcknowledgementStatus.McoaProhibited && _uplinks is { Registering: true })
        {
            // RFC 5648 6.2: the home agent does not allow multiple care-of addresses: register the preferred one alone.
            // The timer's next attempt goes without Binding Identifier options.
            _uplinks.Refused();
        }

        if (State is HomeRegistrationState.WaitDereg or HomeRegistrationState.LeavingHomeAgent)
        {
            // E.g. 133: the home agent has no binding (any more) to remove.
            _homeAgentMayHoldBinding = false;
            _actions.Add(new Refused(status, GaveUp: true));
            FinishDeregistration();
            return;
        }

        if (++_refusals > MobileIpv6Constants.MaxRefusals)
        {
            _actions.Add(new Refused(status, GaveUp: true));
            GoIdle();
            return;
        }

        // Back off, then the timer sends the next attempt with a new sequence number.
        _actions.Add(new Refused(status, GaveUp: false));
        _backoff = Doubled(_backoff);
        _actions.Add(new ArmTimer(_backoff));
    }

    // RFC 6275 11.7.4: a Binding Refresh Request from the home agent asks for a refresh now.
    private void OnBindingRefreshRequest(BrrReceived brr, DateTimeOffset now)
    {
        if (!brr.Source.Equals(HomeAgent))
        {
            Ignore($"Binding Refresh Request from {brr.Source}, not the home agent");
        }
        else if (State != HomeRegistrationState.Bound)
        {
            Ignore($"Binding Refresh Request in {State.Name()}");
        }
        else
        {
            StartRefresh(now);
        }
    }

    // RFC 6275 11.5.5: back home, deregister from the home address; the data plane stops tunnelling at once. The
    // home agent may hold a binding also when the care-of address was lost on the way home (the machine went idle).
    private void OnReturnedHome(ReturnedHome home, DateTimeOffset now)
    {
        if (AtHome && State == HomeRegistrationState.WaitDereg)
        {
            // Back home reported again (link, then RA or DNA) while the deregistration waits for its BA: a second BU
            // would take a new sequence number, the first BA would then be ignored (RFC 6275 11.7.3: sequence does
            // not match) and the second BU answered with 133, the binding being gone. The timer retransmits.
            InterfaceName = home.InterfaceName;
            Ignore("deregistration already outstanding");
            return;
        }

        if (!AtHome)
        {
            _homeFrom = PublishedEntry?.CareOfAddress ?? CareOfAddress ?? _lostBoundCareOf;
            _homeMovedAt = now;
        }

        bool registered = PublishedEntry is not null || _homeAgentMayHoldBinding
            || State is HomeRegistrationState.WaitAck or HomeRegistrationState.WaitAckRefresh or HomeRegistrationState.Bound
                or HomeRegistrationState.LeavingHomeAgent;
        AtHome = true;
        InterfaceName = home.InterfaceName;
        CareOfAddress = null;
        _lostBoundCareOf = null;
        RemovePublished();
        _uplinks?.Clear();
        if (!registered || HomeAgent is null)
        {
            if (State != HomeRegistrationState.WaitDereg)
            {
                GoIdle();
            }

            return;
        }

        State = HomeRegistrationState.WaitDereg;
        _attempts = 0;
        _backoff = MobileIpv6Constants.InitialBindAckTimeout;
        SendDeregistration(retransmission: false);
        _actions.Add(new ArmTimer(_backoff));
    }

    private void OnCareOfAddressLost(CareOfAddressLost lost, DateTimeOffset now)
    {
        if (!AtHome && _uplinks is not null && _uplinks.Remove(lost.CareOfAddress, out var gone) && _uplinks.Preferred is { } next)
        {
            // RFC 5648: another uplink is left. Its entry is withdrawn at once (outbound traffic leaves through the next
            // uplink), and the binding id deregistered alone (6.2: lifetime 0 with its Binding Identifier option) from the
            // preferred uplink left, so the home agent moves the home address's traffic now. Its acknowledgement is not
            // waited for: the next registration (a bulk one with O, 6.2) removes the binding if this one was lost.
            // When the next uplink is bound, it leaves from a care-of address whose state is installed since that
            // registration, so it does not wait for the data plane to apply the lost uplink's withdrawal (measured:
            // 15 ms of the failover gap, issue 13). Before, the uplink's own state may still be queued: it waits.
            _uplinks.Unpublish(gone.BindingId, _actions);
            CareOfAddress = next.CareOfAddress;
            InterfaceName = next.InterfaceName;
            PublishedEntry = _uplinks.Published.FirstOrDefault() ?? (PublishedEntry is { BindingId: 0 } plain ? plain with { CareOfAddress = next.CareOfAddress } : null);
            if (HomeAgent is not null && _uplinks.Registering
                && State is HomeRegistrationState.WaitAck or HomeRegistrationState.WaitAckRefresh or HomeRegistrationState.Bound)
            {
                ushort sequence = NextSequence();
                _uplinks.Deregistering(sequence);
                _actions.Add(new SendBindingUpdate(new BindingUpdateRequest(sequence, (WireFlags)_registrationFlags, TimeSpan.Zero,
                    next.CareOfAddress, HomeAgent, HomeAddress, BindingIdentifiers: new([new BindingIdentifierOption(gone.BindingId, 0, BindingIdentifierFlags.None)])), false,
                    Ahead: _uplinks.Published.Any(e => e.BindingId == next.BindingId)));
            }
            else if (State == HomeRegistrationState.Bound && _uplinks.Published.Count == 0)
            {
                // Registered without binding ids (the home agent refused them): the next uplink registers afresh.
                StartRegistration(now);
            }

            return;
        }

        if (AtHome || !lost.CareOfAddress.Equals(CareOfAddress))
        {
            Ignore($"{lost.CareOfAddress} is not the care-of address");
            return;
        }

        // Nothing can be sent from it any more; the next care-of address registers afresh.
        _lostBoundCareOf = PublishedEntry?.CareOfAddress;
        CareOfAddress = null;
        GoIdle();
    }

    // Deregister a live binding from the care-of address; the stop then waits for the BA (or abandons).
    private void OnStop()
    {
        if (State == HomeRegistrationState.WaitDereg)
        {
            return;
        }

        if (!AtHome && CareOfAddress is not null && HomeAgent is not null
            && State is HomeRegistrationState.WaitAck or HomeRegistrationState.WaitAckRefresh or HomeRegistrationState.Bound
                or HomeRegistrationState.LeavingHomeAgent)
        {
            State = HomeRegistrationState.WaitDereg;
            _attempts = 0;
            _backoff = MobileIpv6Constants.InitialBindAckTimeout;
            SendDeregistration(retransmission: false);
            _actions.Add(new ArmTimer(_backoff));
            return;
        }

        GoIdle();
    }

    private bool IsMobileRouter => _options.MobileRouter is not null;

    // RFC 3963 4.2, 5.3: a home agent that accepts a mobile router's Binding Update without R does not support
    // mobile routers and would not forward the mobile network's traffic. Nothing is published for it (a refresh's
    // entry is withdrawn), its binding is deregistered, and DHAAD with R (RFC 3963 7.1) looks for another one.
    private void LeaveHomeAgent()
    {
        var agent = HomeAgent!;
        RemovePublished();
        if (!_unsuitable.Contains(agent))
        {
            if (_unsuitable.Count >= MaxUnsuitableHomeAgents)
            {
                _unsuitable.RemoveAt(0);
            }

            _unsuitable.Add(agent);
        }

        _actions.Add(new HomeAgentUnsuitable(agent));
        State = HomeRegistrationState.LeavingHomeAgent;
        _attempts = 0;
        _backoff = MobileIpv6Constants.InitialBindAckTimeout;
        SendDeregistration(retransmission: false);
        _actions.Add(new ArmTimer(_backoff));
    }

    // A deregistration ended (acknowledged, refused or given up): idle, or, when leaving a home agent that cannot
    // serve a mobile router, on to discovering another.
    private void FinishDeregistration()
    {
        if (State != HomeRegistrationState.LeavingHomeAgent || AtHome || CareOfAddress is null)
        {
            GoIdle();
            return;
        }

        HomeAgent = null;
        _registeredWithHomeAgent = false;
        StartDiscovery();
    }

    private void GoIdle()
    {
        State = HomeRegistrationState.Idle;
        RemovePublished();
        _actions.Add(CancelTimer.Instance);
    }

    private void RemovePublished()
    {
        if (_uplinks?.Published.Count > 0)
        {
            _uplinks.Unpublish(_actions);
            PublishedEntry = null;
            BindingExpires = null;
        }

        if (PublishedEntry is { } entry)
        {
            _actions.Add(new PublishMessage(new BindingUpdateListRemove(entry)));
            PublishedEntry = null;
            BindingExpires = null;
        }
    }

    private void Ignore(string reason) => _actions.Add(new Ignored(reason));

    private static TimeSpan Doubled(TimeSpan backoff)
    {
        var doubled = backoff + backoff;
        return doubled > MobileIpv6Constants.MaxBindAckTimeout ? MobileIpv6Constants.MaxBindAckTimeout : doubled;
    }
}
