using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;
using RrCrypto = Shisa.DataPlane.Wire.Crypto.ReturnRoutability;
using WireBindingErrorStatus = Shisa.DataPlane.Wire.Mobility.BindingErrorStatus;

namespace Shisa.Modules.MobileNode.ReturnRoutability;

/// <summary>
/// Return routability and the binding with one correspondent (RFC 6275 5.2, 11.6, 11.7.2; SHISA mnd's RR and
/// registration machines for a correspondent): START, WAITHC, WAITH, WAITC, WAITA, BOUND, WAITD. A pure machine:
/// <see cref="Handle"/> is its one entry point; it takes an event and the time it happened and returns what to do
/// (send, publish, count). It never reads a clock, sends or publishes itself; its one timer is
/// <see cref="Deadline"/>, which the manager turns into <see cref="CorrespondentTimeout"/> events.
/// </summary>
/// <remarks>Not thread-safe: its manager feeds it one event at a time.</remarks>
public sealed class CorrespondentRegistration
{
    /// <summary>Bindings with correspondents ask for an acknowledgement and are never home registrations (RFC 6275 11.7.2).</summary>
    private const BusFlags CorrespondentFlags = BusFlags.Acknowledge;

    private readonly RouteOptimizationOptions _options;
    private readonly Func<ulong> _cookies;
    private readonly List<CorrespondentAction> _actions = [];
    private ushort _sequence;
    private ulong _homeCookie;
    private ulong _careOfCookie;
    private KeygenToken? _homeToken;
    private KeygenToken? _careOfToken;
    private CorrespondentBindingUpdateRequest? _lastSent;
    private TimeSpan _backoff;
    private DateTimeOffset? _retransmitAt;
    private DateTimeOffset? _refreshAt;
    private int _deregistrationAttempts;
    private bool _deregistering;
    private bool _correspondentMayHaveBinding;

    /// <param name="peer">The correspondent.</param>
    /// <param name="options">Lifetime, bounds and timeouts; <see cref="RouteOptimizationOptions.HomeAddress"/> is ours.</param>
    /// <param name="initialSequence">The first Binding Update gets the one after it.</param>
    /// <param name="cookies">Draws a fresh init cookie (RFC 6275 5.2.3: random, so that only the addressee can answer).</param>
    public CorrespondentRegistration(IPAddress peer, RouteOptimizationOptions options, ushort initialSequence, Func<ulong> cookies)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cookies);
        options.Validate();
        Peer = peer;
        _options = options;
        _sequence = initialSequence;
        _cookies = cookies;
        _backoff = options.InitialTimeout;
    }

    public IPAddress Peer { get; }

    public IPAddress HomeAddress => _options.HomeAddress;

    public CorrespondentRegistrationState State { get; private set; } = CorrespondentRegistrationState.Start;

    /// <summary>The care-of address the binding is for; null at home or with none.</summary>
    public IPAddress? CareOfAddress { get; private set; }

    public bool AtHome { get; private set; }

    /// <summary>Failed attempts since the last success (MAX_RO_FAILURE of them give the correspondent up).</summary>
    public int Failures { get; private set; }

    /// <summary>Why route optimization with this correspondent is over for good; null while it is not.</summary>
    public string? GaveUpReason { get; private set; }

    /// <summary>The sequence number of the last Binding Update sent.</summary>
    public ushort Sequence => _sequence;

    /// <summary>The entry published with BulAdd and not yet removed; null when the data plane has none.</summary>
    public BindingUpdateListEntry? PublishedEntry { get; private set; }

    /// <summary>When the binding the correspondent granted runs out; null when none is published.</summary>
    public DateTimeOffset? BindingExpires { get; private set; }

    /// <summary>When the home keygen token in hand was received; null without one.</summary>
    public DateTimeOffset? HomeTokenReceivedAt => _homeToken?.ReceivedAt;

    /// <summary>When the care-of keygen token in hand was received; null without one.</summary>
    public DateTimeOffset? CareOfTokenReceivedAt => _careOfToken?.ReceivedAt;

    /// <summary>True while a restart waits for the home registration of a new care-of address (the HoTI needs the tunnel).</summary>
    public bool WaitingForHomeRegistration { get; private set; }

    /// <summary>When <see cref="CorrespondentTimeout"/> is due: a retransmission, a refresh or the binding's expiry.</summary>
    public DateTimeOffset? Deadline => State switch
    {
        CorrespondentRegistrationState.Start => null,
        CorrespondentRegistrationState.Bound => Earliest(_refreshAt, BindingExpires),
        _ => Earliest(_retransmitAt, PublishedEntry is null ? null : BindingExpires),
    };

    /// <summary>True when nothing here is worth keeping: the manager may drop the machine to make room.</summary>
    public bool IsIdle => State == CorrespondentRegistrationState.Start && PublishedEntry is null && !WaitingForHomeRegistration && GaveUpReason is null;

    /// <summary>The one entry point: feeds <paramref name="event"/>, which happened at <paramref name="now"/>.</summary>
    public IReadOnlyList<CorrespondentAction> Handle(CorrespondentEvent @event, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(@event);
        _actions.Clear();
        if (GaveUpReason is not null)
        {
            Ignore($"route optimization given up: {GaveUpReason}");
            return [.. _actions];
        }

        switch (@event)
        {
            case StartRequested start:
                OnStart(start, now);
                break;
            case HomeTestReceived hot:
                OnHomeTest(hot, now);
                break;
            case CareOfTestReceived cot:
                OnCareOfTest(cot, now);
                break;
            case AcknowledgementReceived ack:
                OnAcknowledgement(ack, now);
                break;
            case BindingErrorReceived error:
                OnBindingError(error);
                break;
            case RefreshRequestReceived brr:
                OnRefreshRequest(brr, now);
                break;
            case RouteOptimizationUnsupported unsupported:
                GiveUp(unsupported.Reason);
                break;
            case CareOfAddressChanged changed:
                OnCareOfAddressChanged(changed.CareOfAddress);
                break;
            case HomeRegistrationBound bound:
                OnHomeRegistrationBound(bound, now);
                break;
            case CareOfAddressLost:
                OnCareOfAddressLost();
                break;
            case ReturnedHomeLink:
                OnReturnedHome(now);
                break;
            case CorrespondentTimeout:
                OnTimeout(now);
                break;
            case CorrespondentStop:
                OnStop(now);
                break;
            default:
                Ignore($"unknown event {@event.GetType().Name}");
                break;
        }

        return [.. _actions];
    }

    private void OnStart(StartRequested start, DateTimeOffset now)
    {
        if (State != CorrespondentRegistrationState.Start)
        {
            Ignore($"already in {State.Name()}");
            return;
        }

        CareOfAddress = start.CareOfAddress;
        AtHome = false;
        WaitingForHomeRegistration = false;
        _deregistering = false;
        BeginReturnRoutability(now);
    }

    // RFC 6275 11.6.1: ask for the keygen tokens not in hand, or still valid (MAX_TOKEN_LIFETIME, 5.2.7); a binding
    // needs both, a deletion only the home keygen token (5.2.5). With both in hand the Binding Update goes at once.
    private void BeginReturnRoutability(DateTimeOffset now)
    {
        _backoff = _options.InitialTimeout;
        bool needHome = !HasValidToken(_homeToken, HomeAddress, now);
        bool needCareOf = !_deregistering && !HasValidToken(_careOfToken, CareOfAddress, now);
        if (!needHome && !needCareOf)
        {
            SendUpdate(now, retransmission: false);
            return;
        }

        if (needHome)
        {
            _homeToken = null;
            _homeCookie = _cookies();
            SendHomeTestInit(retransmission: false);
        }

        if (needCareOf)
        {
            _careOfToken = null;
            _careOfCookie = _cookies();
            SendCareOfTestInit(retransmission: false);
        }

        State = needHome && needCareOf ? CorrespondentRegistrationState.WaitHomeAndCareOfTest
            : needHome ? CorrespondentRegistrationState.WaitHomeTest
            : CorrespondentRegistrationState.WaitCareOfTest;
        _retransmitAt = now + _backoff;
    }

    private void SendHomeTestInit(bool retransmission) =>
        _actions.Add(new SendHomeTestInit(_homeCookie, HomeAddress, Peer, retransmission));

    private void SendCareOfTestInit(bool retransmission) =>
        _actions.Add(new SendCareOfTestInit(_careOfCookie, CareOfAddress!, Peer, retransmission));

    private void SendUpdate(DateTimeOffset now, bool retransmission)
    {
        if (_deregistering)
        {
            SendDeregistration(now, retransmission);
        }
        else
        {
            SendBindingUpdate(now, retransmission);
        }
    }

    // RFC 6275 11.7.2: from the care-of address with a HAO, A set, the nonce indices, and the authenticator keyed with
    // Kbm = SHA1(home keygen token | care-of keygen token) over care-of address | correspondent | MH data (6.2.7).
    private void SendBindingUpdate(DateTimeOffset now, bool retransmission)
    {
        var home = _homeToken!.Value;
        var careOf = _careOfToken!.Value;
        var kbm = new byte[RrCrypto.BindingManagementKeyLength];
        RrCrypto.BindingManagementKey(home.Value, careOf.Value, kbm);
        var lifetime = MobilityLifetime.ToTimeSpan(MobilityLifetime.ToUnits(_options.Lifetime));
        var careOfAddress = CareOfAddress!;
        Send(new CorrespondentBindingUpdateRequest(
            NextSequence(), lifetime, careOfAddress, Peer, HomeAddress, careOfAddress, home.Index, careOf.Index, kbm), retransmission);
        _correspondentMayHaveBinding = true;
        State = CorrespondentRegistrationState.WaitAck;
        _retransmitAt = now + _backoff;
    }

    // RFC 6275 5.2.5, 11.7.2: a deletion (lifetime 0) needs only the home keygen token: Kbm = SHA1(home keygen token).
    // From home it goes from the home address without a HAO; from a care-of address (a stop) with one. The care-of
    // nonce index is sent as last known; the correspondent ignores it for a deletion (9.5.1).
    private void SendDeregistration(DateTimeOffset now, bool retransmission)
    {
        var home = _homeToken!.Value;
        var kbm = new byte[RrCrypto.BindingManagementKeyLength];
        RrCrypto.DeregistrationBindingManagementKey(home.Value, kbm);
        var source = AtHome || CareOfAddress is null ? HomeAddress : CareOfAddress;
        Send(new CorrespondentBindingUpdateRequest(
            NextSequence(), TimeSpan.Zero, source, Peer, source.Equals(HomeAddress) ? null : HomeAddress, source, home.Index,
            _careOfToken?.Index ?? 0, kbm), retransmission);
        State = CorrespondentRegistrationState.WaitDeregistration;
        _retransmitAt = now + _backoff;
    }

    private void Send(CorrespondentBindingUpdateRequest request, bool retransmission)
    {
        _lastSent = request;
        _actions.Add(new SendCorrespondentBindingUpdate(request, retransmission));
    }

    // RFC 6275 11.8: every Binding Update carries a new sequence number; arithmetic is modulo 2^16 (9.5.1).
    private ushort NextSequence() => unchecked(++_sequence);

    // RFC 6275 11.6.2: from the correspondent, to the home address, with the cookie of the HoTI outstanding.
    private void OnHomeTest(HomeTestReceived hot, DateTimeOffset now)
    {
        if (!hot.Source.Equals(Peer) || !hot.Destination.Equals(HomeAddress))
        {
            Ignore($"Home Test {hot.Source} -> {hot.Destination}, not {Peer} -> {HomeAddress}");
        }
        else if (State is not (CorrespondentRegistrationState.WaitHomeAndCareOfTest or CorrespondentRegistrationState.WaitHomeTest))
        {
            Ignore($"no Home Test Init outstanding in {State.Name()}");
        }
        else if (hot.Message.HomeInitCookie != _homeCookie)
        {
            Ignore("Home Init Cookie does not match");
        }
        else
        {
            _homeToken = new KeygenToken(hot.Message.HomeKeygenToken, hot.Message.HomeNonceIndex, now, HomeAddress);
            if (State == CorrespondentRegistrationState.WaitHomeAndCareOfTest)
            {
                State = CorrespondentRegistrationState.WaitCareOfTest;
            }
            else
            {
                TokensComplete(now);
            }
        }
    }

    // RFC 6275 11.6.2: from the correspondent, to the care-of address, with the cookie of the CoTI outstanding.
    private void OnCareOfTest(CareOfTestReceived cot, DateTimeOffset now)
    {
        if (!cot.Source.Equals(Peer) || !cot.Destination.Equals(CareOfAddress))
        {
            Ignore($"Care-of Test {cot.Source} -> {cot.Destination}, not {Peer} -> {CareOfAddress?.ToString() ?? "no care-of address"}");
        }
        else if (State is not (CorrespondentRegistrationState.WaitHomeAndCareOfTest or CorrespondentRegistrationState.WaitCareOfTest))
        {
            Ignore($"no Care-of Test Init outstanding in {State.Name()}");
        }
        else if (cot.Message.CareOfInitCookie != _careOfCookie)
        {
            Ignore("Care-of Init Cookie does not match");
        }
        else
        {
            _careOfToken = new KeygenToken(cot.Message.CareOfKeygenToken, cot.Message.CareOfNonceIndex, now, CareOfAddress!);
            if (State == CorrespondentRegistrationState.WaitHomeAndCareOfTest)
            {
                State = CorrespondentRegistrationState.WaitHomeTest;
            }
            else
            {
                TokensComplete(now);
            }
        }
    }

    private void TokensComplete(DateTimeOffset now)
    {
        _backoff = _options.InitialTimeout;
        SendUpdate(now, retransmission: false);
    }

    // RFC 6275 11.7.3: from the correspondent, to where the Binding Update came from (RH2 = home address when it
    // carried a HAO), authenticated with Kbm; only the nonce expiry statuses (136-138) come unsigned, the
    // correspondent having no Kbm then (9.5.1, 9.5.4).
    private void OnAcknowledgement(AcknowledgementReceived received, DateTimeOffset now)
    {
        var ack = received.Ack;
        var packet = received.Received;
        var sent = _lastSent;
        if (State is not (CorrespondentRegistrationState.WaitAck or CorrespondentRegistrationState.WaitDeregistration) || sent is null)
        {
            Ignore($"no Binding Update outstanding in {State.Name()}");
            return;
        }

        bool addressed = packet.Source.Equals(Peer) && packet.Destination.Equals(sent.Source)
            && (sent.HomeAddressOption is { } home ? home.Equals(packet.RoutingHomeAddress) : packet.RoutingHomeAddress is null);
        if (!addressed)
        {
            Ignore($"{packet.Source} -> {packet.Destination} (RH2 {packet.RoutingHomeAddress?.ToString() ?? "none"}), not as the Binding Update was sent");
            return;
        }

        if (ack.Options.Find<BindingAuthorizationDataOption>() is not null)
        {
            if (!RrCrypto.Verify(packet.MobilityHeader.Span, sent.Kbm.Span, packet.Destination.GetAddressBytes(), packet.Source.GetAddressBytes()))
            {
                _actions.Add(new AcknowledgementNotAuthentic("the Binding Authorization Data does not verify"));
                return;
            }
        }
        else if (ack.Status is not (BindingAcknowledgementStatus.ExpiredHomeNonceIndex or BindingAcknowledgementStatus.ExpiredCareOfNonceIndex
            or BindingAcknowledgementStatus.ExpiredNonces))
        {
            _actions.Add(new AcknowledgementNotAuthentic($"status {(byte)ack.Status} without Binding Authorization Data"));
            return;
        }

        if (ack.Status == BindingAcknowledgementStatus.SequenceNumberOutOfWindow)
        {
            OnSequenceOutOfWindow(ack, now);
            return;
        }

        if (ack.Sequence != sent.Sequence)
        {
            Ignore($"sequence {ack.Sequence}, expected {sent.Sequence}");
            return;
        }

        if (State == CorrespondentRegistrationState.WaitDeregistration)
        {
            // Deleted, or refused: either way nothing more is done for a binding this node no longer wants.
            _correspondentMayHaveBinding = false;
            _actions.Add(ack.IsAccepted ? CorrespondentDeregistered.Instance : new CorrespondentRefused(ack.Status));
            EnterStart();
        }
        else if (ack.IsAccepted && ack.LifetimeUnits > 0)
        {
            Bind(ack, now);
        }
        else
        {
            OnRefused(ack.Status, now);
        }
    }

    private void Bind(BindingAcknowledgement ack, DateTimeOffset now)
    {
        bool refresh = PublishedEntry is not null;
        var granted = ack.Lifetime < _lastSent!.Lifetime ? ack.Lifetime : _lastSent.Lifetime;
        Failures = 0;
        State = CorrespondentRegistrationState.Bound;
        _retransmitAt = null;
        BindingExpires = now + granted;
        PublishedEntry = new BindingUpdateListEntry(Peer, HomeAddress, CareOfAddress!, CorrespondentFlags, granted, ack.Sequence, BindingUpdateListState.Bound);
        _actions.Add(new PublishBindingUpdateList(new BindingUpdateListAdd(PublishedEntry)));

        // Refresh before the lifetime ends (or at the Binding Refresh Advice's interval): return routability again.
        var refreshAfter = TimeSpan.FromTicks((long)(granted.Ticks * _options.RefreshFraction));
        if (ack.Options.Find<BindingRefreshAdviceOption>() is { } advice && advice.RefreshInterval > TimeSpan.Zero && advice.RefreshInterval < granted)
        {
            refreshAfter = advice.RefreshInterval;
        }

        _refreshAt = now + refreshAfter;
        _actions.Add(new CorrespondentBound(CareOfAddress!, granted, refresh));
    }

    // RFC 6275 11.7.3: status 135 carries the last sequence number the correspondent accepted; go on from there.
    private void OnSequenceOutOfWindow(BindingAcknowledgement ack, DateTimeOffset now)
    {
        _sequence = ack.Sequence;
        _actions.Add(new CorrespondentRefused(ack.Status));
        if (State == CorrespondentRegistrationState.WaitDeregistration)
        {
            if (++_deregistrationAttempts > _options.MaxDeregistrationRetries)
            {
                _correspondentMayHaveBinding = false;
                EnterStart();
            }
            else
            {
                SendDeregistration(now, retransmission: false);
            }
        }
        else if (CountFailure("sequence number out of window"))
        {
            ResendOrRedo(now, retransmission: false);
        }
    }

    private void OnRefused(BindingAcknowledgementStatus status, DateTimeOffset now)
    {
        _actions.Add(new CorrespondentRefused(status));
        switch (status)
        {
            // RFC 6275 11.7.3: a nonce expired: new keygen tokens for the expired ones, then a new Binding Update.
            case BindingAcknowledgementStatus.ExpiredHomeNonceIndex:
                _homeToken = null;
                Retry("home nonce index expired");
                break;
            case BindingAcknowledgementStatus.ExpiredCareOfNonceIndex:
                _careOfToken = null;
                Retry("care-of nonce index expired");
                break;
            case BindingAcknowledgementStatus.ExpiredNonces:
                _homeToken = null;
                _careOfToken = null;
                Retry("both nonce indices expired");
                break;
            case BindingAcknowledgementStatus.AdministrativelyProhibited:
                // The correspondent declines route optimization by policy (9.5.1): asking again will not change that.
                GiveUp("the correspondent refused the binding (129, administratively prohibited)");
                break;
            case BindingAcknowledgementStatus.Accepted or BindingAcknowledgementStatus.AcceptedPrefixDiscoveryNecessary:
                RemovePublished();
                if (CountFailure("accepted with lifetime 0"))
                {
                    EnterStart();
                }

                break;
            default:
                // Back to triangle routing; the next RrHint tries again, until MAX_RO_FAILURE.
                RemovePublished();
                if (CountFailure($"refused with status {(byte)status}"))
                {
                    EnterStart();
                }

                break;
        }

        void Retry(string reason)
        {
            if (CountFailure(reason))
            {
                BeginReturnRoutability(now);
            }
        }
    }

    // RFC 6275 11.3.6: status 2, the correspondent does not know the Mobility Header: route optimization is impossible
    // with it. Status 1: it has no binding for our Home Address option: back to the tunnel, counted as a failure.
    private void OnBindingError(BindingErrorReceived received)
    {
        var error = received.Error;
        if (!received.Source.Equals(Peer))
        {
            Ignore($"Binding Error from {received.Source}, not {Peer}");
        }
        else if (!error.HomeAddress.Equals(HomeAddress) && !error.HomeAddress.Equals(IPAddress.IPv6Any))
        {
            Ignore($"Binding Error about home address {error.HomeAddress}");
        }
        else if (error.Status == WireBindingErrorStatus.UnrecognizedMobilityHeaderType)
        {
            GiveUp("the correspondent does not recognize the Mobility Header (Binding Error status 2)");
        }
        else if (error.Status == WireBindingErrorStatus.UnknownBindingForHomeAddressOption)
        {
            RemovePublished();
            if (CountFailure("the correspondent has no binding for our home address (Binding Error status 1)")
                && State == CorrespondentRegistrationState.Bound)
            {
                EnterStart();
            }
        }
        else
        {
            Ignore($"Binding Error status {(byte)error.Status}");
        }
    }

    // RFC 6275 11.7.4: a Binding Refresh Request asks for a new Binding Update; the tokens still valid are reused.
    private void OnRefreshRequest(RefreshRequestReceived brr, DateTimeOffset now)
    {
        if (!brr.Source.Equals(Peer))
        {
            Ignore($"Binding Refresh Request from {brr.Source}, not {Peer}");
        }
        else if (State != CorrespondentRegistrationState.Bound)
        {
            Ignore($"Binding Refresh Request in {State.Name()}");
        }
        else
        {
            BeginReturnRoutability(now);
        }
    }

    // RFC 6275 11.7.2: a new care-of address needs a new binding with every correspondent route optimization was used
    // with; it starts "when the mobile node is assured that its home address is valid", i.e. once the home
    // registration of the new care-of address is acknowledged. The old binding stops being used at once.
    private void OnCareOfAddressChanged(IPAddress careOf)
    {
        if (!AtHome && careOf.Equals(CareOfAddress))
        {
            Ignore("same care-of address");
            return;
        }

        bool active = State != CorrespondentRegistrationState.Start || WaitingForHomeRegistration || PublishedEntry is not null;
        RemovePublished();
        CareOfAddress = careOf;
        AtHome = false;
        EnterStart();
        WaitingForHomeRegistration = false;
        WaitingForHomeRegistration = active;
    }

    // The home registration is acknowledged: return routability for the new care-of address: a new care-of keygen
    // token always, a new home keygen token only when the one in hand is too old (RFC 6275 5.2.5; the HoTI needs the
    // tunnel that is now up).
    private void OnHomeRegistrationBound(HomeRegistrationBound bound, DateTimeOffset now)
    {
        if (AtHome || !bound.CareOfAddress.Equals(CareOfAddress))
        {
            OnCareOfAddressChanged(bound.CareOfAddress);
        }

        if (WaitingForHomeRegistration && State == CorrespondentRegistrationState.Start)
        {
            WaitingForHomeRegistration = false;
            BeginReturnRoutability(now);
        }
    }

    private void OnCareOfAddressLost()
    {
        if (AtHome || CareOfAddress is null)
        {
            Ignore("no care-of address");
            return;
        }

        bool active = State != CorrespondentRegistrationState.Start || WaitingForHomeRegistration || PublishedEntry is not null;
        RemovePublished();
        CareOfAddress = null;
        EnterStart();
        WaitingForHomeRegistration = active;
    }

    // RFC 6275 11.5.5, 11.7.2: back home, delete the binding at the correspondent (lifetime 0, from the home address,
    // Kbm from the home keygen token only); the data plane stops using it at once.
    private void OnReturnedHome(DateTimeOffset now)
    {
        if (AtHome)
        {
            Ignore("already at home");
            return;
        }

        AtHome = true;
        CareOfAddress = null;
        WaitingForHomeRegistration = false;
        RemovePublished();
        EnterStart();
        if (!_correspondentMayHaveBinding)
        {
            return;
        }

        _deregistering = true;
        _deregistrationAttempts = 0;
        BeginReturnRoutability(now);
    }

    private void OnTimeout(DateTimeOffset now)
    {
        if (PublishedEntry is not null && BindingExpires <= now)
        {
            // The binding ran out before a refresh was acknowledged: the data plane goes back to the tunnel.
            RemovePublished();
        }

        switch (State)
        {
            case CorrespondentRegistrationState.Bound when _refreshAt <= now:
                BeginReturnRoutability(now);
                break;
            case CorrespondentRegistrationState.Start or CorrespondentRegistrationState.Bound:
                break;
            default:
                if (_retransmitAt <= now)
                {
                    Retransmit(now);
                }

                break;
        }
    }

    // RFC 6275 11.8: double the timeout up to MAX_BINDACK_TIMEOUT; an unanswered attempt counts as a failure, and
    // MAX_RO_FAILURE of them give the correspondent up. A deletion is retried a few times, then left to expire.
    private void Retransmit(DateTimeOffset now)
    {
        if (_deregistering)
        {
            if (++_deregistrationAttempts > _options.MaxDeregistrationRetries)
            {
                _correspondentMayHaveBinding = false;
                Ignore("deletion unanswered; the correspondent's entry expires on its own");
                EnterStart();
                return;
            }
        }
        else if (!CountFailure(State == CorrespondentRegistrationState.WaitAck ? "no Binding Acknowledgement" : $"no answer to return routability in {State.Name()}"))
        {
            return;
        }

        _backoff = Doubled(_backoff);
        if (State is CorrespondentRegistrationState.WaitAck or CorrespondentRegistrationState.WaitDeregistration)
        {
            ResendOrRedo(now, retransmission: true);
            return;
        }

        if (State is CorrespondentRegistrationState.WaitHomeAndCareOfTest or CorrespondentRegistrationState.WaitHomeTest)
        {
            SendHomeTestInit(retransmission: true);
        }

        if (State is CorrespondentRegistrationState.WaitHomeAndCareOfTest or CorrespondentRegistrationState.WaitCareOfTest)
        {
            SendCareOfTestInit(retransmission: true);
        }

        _retransmitAt = now + _backoff;
    }

    // A new Binding Update with the tokens in hand while they are valid, else return routability for the stale ones.
    private void ResendOrRedo(DateTimeOffset now, bool retransmission)
    {
        bool tokensValid = HasValidToken(_homeToken, HomeAddress, now) && (_deregistering || HasValidToken(_careOfToken, CareOfAddress, now));
        if (tokensValid)
        {
            SendUpdate(now, retransmission);
        }
        else
        {
            var backoff = _backoff;
            BeginReturnRoutability(now);
            _backoff = backoff;
            _retransmitAt = State is CorrespondentRegistrationState.Start ? null : now + _backoff;
        }
    }

    // Stop: delete the binding from the care-of address if the home keygen token still allows it (no wait for the
    // answer: the correspondent's entry expires on its own otherwise); the data plane forgets the entry.
    private void OnStop(DateTimeOffset now)
    {
        if (_correspondentMayHaveBinding && !AtHome && CareOfAddress is not null && HasValidToken(_homeToken, HomeAddress, now)
            && State != CorrespondentRegistrationState.WaitDeregistration)
        {
            _deregistering = true;
            SendDeregistration(now, retransmission: false);
            _correspondentMayHaveBinding = false;
        }

        RemovePublished();
        WaitingForHomeRegistration = false;
        EnterStart();
    }

    private bool CountFailure(string reason)
    {
        Failures++;
        _actions.Add(new CorrespondentFailure(reason, Failures));
        if (Failures >= _options.MaxFailures)
        {
            GiveUp($"{Failures} failures in a row, the last: {reason}");
            return false;
        }

        return true;
    }

    private void GiveUp(string reason)
    {
        GaveUpReason = reason;
        RemovePublished();
        WaitingForHomeRegistration = false;
        EnterStart();
        _actions.Add(new CorrespondentGaveUp(reason));
    }

    private void EnterStart()
    {
        State = CorrespondentRegistrationState.Start;
        _retransmitAt = null;
        _refreshAt = null;
        _deregistering = false;
    }

    private void RemovePublished()
    {
        if (PublishedEntry is { } entry)
        {
            _actions.Add(new PublishBindingUpdateList(new BindingUpdateListRemove(entry)));
            PublishedEntry = null;
            BindingExpires = null;
        }
    }

    private bool HasValidToken(KeygenToken? token, IPAddress? address, DateTimeOffset now) =>
        token is { } t && address is not null && t.Address.Equals(address) && now - t.ReceivedAt < _options.TokenLifetime;

    private void Ignore(string reason) => _actions.Add(new CorrespondentIgnored(reason));

    private TimeSpan Doubled(TimeSpan backoff)
    {
        var doubled = backoff + backoff;
        return doubled > _options.MaxTimeout ? _options.MaxTimeout : doubled;
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>A keygen token as received: its value, nonce index, when, and for which address (RFC 6275 5.2.5).</summary>
    private readonly record struct KeygenToken(ulong Value, ushort Index, DateTimeOffset ReceivedAt, IPAddress Address);
}
