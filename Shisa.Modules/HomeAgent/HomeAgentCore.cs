using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Dsmip;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;
using BusFlags = Shisa.DataPlane.Bus.BindingUpdateFlags;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// SHISA's had as a synchronous state machine: home registrations (RFC 6275 9.5.1, 10.3.1, 10.3.2), duplicate
/// address detection through the bus, binding expiry, restore after a restart and reloads. Its parts each do one
/// job: <see cref="HomeAgentAuthentication"/> (RFC 4285), <see cref="HomeAgentReplies"/> (Binding Acknowledgements,
/// Binding Errors and Parameter Problems for broken Mobility Headers, 9.2) and <see cref="HomeAgentDiscovery"/>
/// (home agent address discovery, 10.5; mobile prefixes, 10.6). It never reads the clock (every event comes with
/// its time) and never writes forwarding state: it publishes BcAdd/BcRemove/Dad and hands whole packets to the
/// data plane.
/// </summary>
/// <remarks>
/// Not thread-safe: one caller at a time. The module drives it through <see cref="RoleMachineHost{TInput}"/>, which
/// holds one lock, re-arms its one timer for <see cref="NextDeadline"/> and feeds <see cref="DeadlineReached"/>.
/// </remarks>
public sealed class HomeAgentCore : IRoleMachine<HomeAgentInput>
{
    private const BusFlags KeptFlags = BusFlags.Acknowledge | BusFlags.HomeRegistration | BusFlags.LinkLocal | BusFlags.MobileRouter;

    private readonly Action<BusMessage> _publish;
    private readonly HomeAgentTuning _tuning;
    private readonly HomeLink _homeLink;
    private readonly IMobileRouterPolicy _mobileRouterPolicy;
    private readonly ILogger _logger;
    private readonly HomeBindingCache _cache = new();
    private readonly Dictionary<IPAddress, PendingRegistration> _pending = [];
    private readonly Dictionary<IPAddress, IPAddress> _dadAddressToHome = [];
    private readonly DeadlineQueue _deadlines = new();
    private readonly HomeAgentCounterSet _counters = new();
    private readonly HomeAgentReplies _replies;
    private readonly HomeAgentDiscovery _discovery;
    private readonly HomeAgentAuthentication _authentication;
    private Dictionary<IPAddress, AuthorizedMobileNode> _nodes = [];
    private HomeAgentSection _section;
    private long _nextPendingId;
    private OneSecondWindow _refusalAnswers = new();
    private readonly long[] _refusedSinceSummary = new long[256];
    private long _refusalsUnansweredSinceSummary;
    private DateTimeOffset? _refusalSummaryDue;

    public HomeAgentCore(
        HomeAgentSection section,
        IPacketSender sender,
        Action<BusMessage> publish,
        HomeAgentTuning? tuning = null,
        HomeLink? homeLink = null,
        IMobileRouterPolicy? mobileRouterPolicy = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(publish);
        _publish = publish;
        _tuning = tuning ?? HomeAgentTuning.Default;
        _homeLink = homeLink ?? HomeLink.Unknown;
        _mobileRouterPolicy = mobileRouterPolicy ?? ProfileMobileRouterPolicy.Instance;
        _logger = logger ?? NullLogger.Instance;
        _section = section;
        _replies = new HomeAgentReplies(sender, _tuning, _counters, _logger) { Address = section.Address };
        _discovery = new HomeAgentDiscovery(_cache, _replies, _tuning, _counters, _logger);
        _authentication = new HomeAgentAuthentication(_tuning);
        Apply(section);
    }

    /// <summary>The home agent's address (the profile's [home_agent] address).</summary>
    public IPAddress Address => _section.Address;

    /// <summary>The Mobile IPv6 Home-Agents anycast address of the home prefix (RFC 2526).</summary>
    public IPAddress AnycastAddress => _discovery.AnycastAddress;

    public int BindingCount => _cache.Count;

    /// <summary>When the next binding expires, DAD wait ends or refusal summary is due; null when nothing waits.</summary>
    public DateTimeOffset? NextDeadline =>
        (_deadlines.Next, _refusalSummaryDue) switch
        {
            ({ } a, { } b) => a < b ? a : b,
            (var a, var b) => a ?? b,
        };

    /// <summary>Entries of the timer queue, stale ones included (bounded by compaction).</summary>
    internal int DeadlineCount => _deadlines.Count;

    /// <summary>The one entry point: handles <paramref name="input"/> as of <paramref name="now"/>.</summary>
    public void Process(HomeAgentInput input, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(input);
        switch (input)
        {
            case SignallingReceived received:
                OnSignalling(received.Packet, now);
                break;
            case DadReported dad:
                OnDad(dad.Message, now);
                break;
            case DeadlineReached:
                OnDeadlines(now);
                break;
            case HomeAgentReconfigured reconfigured:
                OnReconfigured(reconfigured.Section, now);
                break;
            case BindingsRestored restored:
                OnRestored(restored.Entries, restored.RestoredAt, now);
                break;
            default:
                throw new ArgumentException($"unknown home agent input {input.GetType().Name}", nameof(input));
        }

        if (_refusalSummaryDue is { } due && due <= now)
        {
            LogRefusalSummary();
        }
    }

    public IReadOnlyList<HomeBindingStatus> GetBindings(DateTimeOffset now) => _cache.Snapshot(now);

    public HomeAgentCounters GetCounters() => _counters.Snapshot();

    /// <summary>
    /// The module stops: forgets every binding WITHOUT announcing a removal. Bindings outlive the process (DESIGN 5):
    /// the data plane keeps forwarding, the journal keeps them, the next start restores them; only expiry,
    /// deregistration or a reload that drops the mobile node removes one. Pending registrations (no BA sent) go.
    /// </summary>
    public void ForgetAll()
    {
        foreach (var binding in _cache.Bindings.ToList())
        {
            _cache.Remove(binding.HomeAddress, binding.BindingId, out _);
        }

        _pending.Clear();
        _dadAddressToHome.Clear();
    }

    /// <summary>
    /// An operator's flush (<c>shisa ctl flush</c>): removes the binding of <paramref name="homeAddress"/>, or every
    /// binding when null, and publishes each removal so the data plane removes its routes and proxy entries, as expiry
    /// does. No Binding Acknowledgement or error is sent: the mobile node finds out at its next refresh. Returns what
    /// was removed (nothing when the home address has no binding).
    /// </summary>
    public IReadOnlyList<BindingCacheEntry> Flush(IPAddress? homeAddress)
    {
        var removed = new List<BindingCacheEntry>();
        foreach (var binding in _cache.Bindings.Where(b => homeAddress is null || b.HomeAddress.Equals(homeAddress)).ToList())
        {
            _cache.Remove(binding.HomeAddress, binding.BindingId, out _);
            var entry = binding.ToEntry(Address);
            _publish(new BindingCacheRemove(entry));
            HomeAgentLog.Flushed(_logger, binding.HomeAddress, binding.CareOfAddress);
            removed.Add(entry);
        }

        return removed;
    }

    /// <summary>The live entries of the timer queue (stale ones skipped), earliest first, for <c>shisa ctl timers</c>.</summary>
    public IReadOnlyList<(string Purpose, DateTimeOffset Due)> GetScheduled()
    {
        var live = new List<(string, DateTimeOffset)>();
        foreach (var deadline in _deadlines.Entries().OrderBy(d => d.Due))
        {
            switch (deadline.Kind)
            {
                case DeadlineKind.BindingExpiry when _cache.IsCurrent(deadline.HomeAddress, deadline.BindingId, deadline.Generation):
                    live.Add((deadline.BindingId == 0 ? $"binding expiry {deadline.HomeAddress}" : $"binding expiry {deadline.HomeAddress} bid {deadline.BindingId}", deadline.Due));
                    break;
                case DeadlineKind.DadTimeout when _pending.TryGetValue(deadline.HomeAddress, out var pending) && pending.Id == deadline.Generation:
                    live.Add(($"duplicate address detection {deadline.HomeAddress}", deadline.Due));
                    break;
            }
        }

        return live;
    }

    // ---- Mobility Header ------------------------------------------------------------------------------------

    private void OnSignalling(SignallingPacket packet, DateTimeOffset now)
    {
        if (!Ipv6Packet.TryParse(packet.Packet.Span, out var ip) || ip.IsFragment)
        {
            _replies.Drop(HomeAgentDropReason.NotIpv6, null);
            return;
        }

        switch (ip.UpperLayerProtocol)
        {
            case MobilityHeader.NextHeader:
                OnMobilityHeader(packet, now);
                break;
            case IpProtocol.Icmpv6:
                _discovery.OnIcmp(packet.Packet.Span);
                break;
            default:
                _replies.Drop(HomeAgentDropReason.UnexpectedMessageType, ip.Header.SourceAddress);
                break;
        }
    }

    private void OnMobilityHeader(SignallingPacket packet, DateTimeOffset now)
    {
        if (MobilityPackets.TryRead(packet, out var received, out var refusal, out var error))
        {
            if (!received!.Destination.Equals(Address))
            {
                _replies.Drop(HomeAgentDropReason.NotForHomeAgent, received.Source);
            }
            else if (received.Message is BindingUpdate update)
            {
                OnBindingUpdate(received, update, now);
            }
            else
            {
                _replies.Drop(HomeAgentDropReason.UnexpectedMessageType, received.Source);
            }

            return;
        }

        if (refusal != ReceiveRefusal.MobilityHeader)
        {
            _replies.Drop(HomeAgentDropReason.NotIpv6, null);
            return;
        }

        // RFC 6275 9.2: a bad checksum or a short header is dropped silently (the codec checks the checksum first,
        // so the answers below only go to intact packets); an unknown type gets a Binding Error (status 2); a
        // Payload Proto other than 59 or a Header Len below the type's minimum gets a Parameter Problem, code 0.
        switch (error)
        {
            case MobilityParseError.BadChecksum:
                _replies.Drop(HomeAgentDropReason.BadChecksum, null);
                break;
            case MobilityParseError.Truncated:
                _replies.Drop(HomeAgentDropReason.Truncated, null);
                break;
            case MobilityParseError.UnknownType:
                _replies.SendBindingError(packet.Packet.Span, now);
                break;
            case MobilityParseError.PayloadProtoNotNone or MobilityParseError.HeaderLengthBelowMinimum:
                _replies.SendParameterProblem(packet.Packet.Span, MobilityHeader.ParameterProblemPointer(error), now);
                break;
            default:
                _replies.Drop(HomeAgentDropReason.MalformedOption, null);
                break;
        }
    }

    /// <summary>
    /// RFC 6275 9.5.1 and 10.3.1/10.3.2, checked in this order: for us and H set (else not ours: dropped);
    /// routable home and care-of addresses (else dropped silently); home address on the home prefix (132);
    /// on the mobile node list (129); RFC 4285 authenticator (146), timestamp present (145) and fresh (144);
    /// mobile router operation (140-142); sequence number newer than the binding's (135); then deregistration
    /// (without a binding: 133) or registration (a new one: max_bindings (130), then DAD (134)).
    /// </summary>
    private void OnBindingUpdate(ReceivedMobilityMessage received, BindingUpdate update, DateTimeOffset now)
    {
        if ((update.Flags & WireFlags.H) == 0)
        {
            _replies.Drop(HomeAgentDropReason.NotHomeRegistration, received.Source);
            return;
        }

        var home = received.Sender;
        if (!IsRoutableUnicast(home))
        {
            _replies.Drop(HomeAgentDropReason.HomeAddressNotRoutable, received.Source);
            return;
        }

        Ipv4CareOfVerdict? ipv4 = null;
        IPAddress careOf;
        if (update.Options.Find<IPv4CareOfAddressOption>() is { } ipv4Option)
        {
            // RFC 5555 4.2.2: an IPv4 care-of address, UDP-encapsulated in IPv4; see Dsmip/Ipv4CareOfCheck.
            ipv4 = Ipv4CareOfCheck.Evaluate(received, update, ipv4Option, _section.NatKeepaliveInterval);
            if (ipv4 is null)
            {
                _replies.Drop(HomeAgentDropReason.CareOfAddressNotRoutable, received.Source);
                return;
            }

            careOf = ipv4.CareOfAddress;
        }
        else
        {
            careOf = update.Options.Find<AlternateCareOfAddressOption>()?.CareOfAddress ?? received.Source;
            if (!IsRoutableUnicast(careOf) || !IsRoutableUnicast(received.Source))
            {
                _replies.Drop(HomeAgentDropReason.CareOfAddressNotRoutable, received.Source);
                return;
            }
        }

        _counters.BindingUpdatesReceived++;
        var route = new AckRoute(received.Source, received.HomeAddress, home) { NatDetection = ipv4?.NatDetection };
        if (ipv4 is { Status: var ipv4Status } && !ipv4Status.IsAccepted())
        {
            Refuse(route, update, careOf, ipv4Status, update.Sequence, now);
            return;
        }

        if (ipv4 is { NatDetected: true })
        {
            _counters.NatDetected++;
        }
        if (!_section.Prefix.Contains(home))
        {
            Refuse(route, update, careOf, BindingAcknowledgementStatus.NotHomeSubnet, update.Sequence, now);
            return;
        }

        if (!_nodes.TryGetValue(home, out var node))
        {
            // Deny by default: the profile's mobile node list is the home agent's administrative policy.
            Refuse(route, update, careOf, BindingAcknowledgementStatus.AdministrativelyProhibited, update.Sequence, now);
            return;
        }

        if (HomeAgentAuthentication.Requires(node))
        {
            var authentication = _authentication.Check(received, update, node, home, route, now);
            if (authentication != BindingAcknowledgementStatus.Accepted)
            {
                Refuse(route, update, careOf, authentication, update.Sequence, now);
                return;
            }
        }

        var mobileRouter = _mobileRouterPolicy.Authorize(update, node, _section.Prefix, out var prefixes);
        if (!mobileRouter.IsAccepted())
        {
            Refuse(route, update, careOf, mobileRouter, update.Sequence, now);
            return;
        }

        var requests = BindingIdentifierRequests.Read(update, careOf, out var identifierStatus);
        if (requests is not null && !_section.MultipleCareOf)
        {
            // RFC 5648 6.2: a home agent whose policy forbids multiple care-of addresses answers 166.
            Refuse(route, update, careOf, BindingAcknowledgementStatus.McoaProhibited, update.Sequence, now);
            return;
        }

        if (requests is not null && identifierStatus != BindingAcknowledgementStatus.Accepted)
        {
            Refuse(route, update, careOf, identifierStatus, update.Sequence, now);
            return;
        }

        if (_cache.TryGetLastSequence(home, out ushort lastSequence) && !MobilitySequence.IsNewer(update.Sequence, lastSequence))
        {
            // RFC 6275 9.5.1: the BA carries the last accepted sequence number.
            Refuse(route, update, careOf, BindingAcknowledgementStatus.SequenceNumberOutOfWindow, lastSequence, now);
            return;
        }

        PendingRegistration? superseded = null;
        if (_pending.TryGetValue(home, out var pending))
        {
            if (!MobilitySequence.IsNewer(update.Sequence, pending.Update.Sequence))
            {
                _replies.Drop(HomeAgentDropReason.DadInProgress, received.Source);
                return;
            }

            superseded = pending;
            ForgetPending(pending, stopDetection: false);
            _replies.Drop(HomeAgentDropReason.Superseded, pending.Route.Destination);
        }

        var existing = _cache.Of(home);
        if (update.LifetimeUnits == 0 || careOf.Equals(home))
        {
            StopDetection(superseded);
            Deregister(route, update, careOf, existing, requests, now);
            return;
        }

        if ((update.Flags & WireFlags.R) != 0 && _mobileRouterPolicy.CheckForwarding(node, prefixes) is var forwarding && !forwarding.IsAccepted())
        {
            // RFC 3963 4.2, 6.2: 143 when the mobile network cannot be forwarded to the router.
            StopDetection(superseded);
            Refuse(route, update, careOf, forwarding, update.Sequence, now);
            return;
        }

        int room = _section.MaxBindings - _cache.Count - PendingBindings;
        var plan = requests is null
            ? MultipleCareOfPlan.Single(new HomeBinding(home, careOf, ToBusFlags(update.Flags), update.Sequence, GrantLifetime(update), now, prefixes), existing, room)
            : MultipleCareOfPlan.Make(requests, existing, room,
                r => new HomeBinding(home, r.CareOfAddress, ToBusFlags(update.Flags), update.Sequence, GrantLifetime(update), now, prefixes, r.BindingId));
        if (plan.Refusal is { } refusal)
        {
            StopDetection(superseded);
            Refuse(route, update, careOf, refusal, update.Sequence, now, plan.Echo);
            return;
        }

        if (existing.Count > 0)
        {
            // A refresh or a move: no duplicate address detection (RFC 6275 10.3.1 asks it for a new binding only).
            Commit(plan.Bindings, update, route, now, plan.ReplacesOthers, plan.Echo, plan.AckStatus);
            return;
        }

        StartDetection(plan, update, route, superseded, now);
    }

    /// <summary>Bindings waiting for duplicate address detection: they count against max_bindings like bound ones.</summary>
    private int PendingBindings => _pending.Values.Sum(p => p.Bindings.Count);

    private void Deregister(AckRoute route, BindingUpdate update, IPAddress careOf, IReadOnlyList<HomeBinding> existing,
        IReadOnlyList<BindingIdentifierRequest>? requests, DateTimeOffset now)
    {
        // RFC 6275 10.3.2: without Binding Identifier options every binding of the home address goes. RFC 5648 6.2: with
        // them, the binding of each binding id goes, and a binding id without a binding refuses the whole update with 133.
        var leaving = requests is null
            ? [.. existing]
            : requests.Select(r => existing.FirstOrDefault(b => b.BindingId == r.BindingId)).ToList();
        var echo = requests is null ? [] : BindingIdentifierRequests.Echo(requests, r => existing.Any(b => b.BindingId == r.BindingId)
            ? BindingAcknowledgementStatus.Accepted : BindingAcknowledgementStatus.NotHomeAgentForThisMobileNode);
        if (leaving.Count == 0 || leaving.Contains(null))
        {
            Refuse(route, update, careOf, BindingAcknowledgementStatus.NotHomeAgentForThisMobileNode, update.Sequence, now, echo);
            return;
        }

        // RFC 6275 10.3.2: the entry goes (and with it tunnel and proxy ND) before the BA, so a mobile node back
        // home receives the BA directly.
        foreach (var binding in leaving)
        {
            _cache.Remove(binding!.HomeAddress, binding.BindingId, out _);
            _publish(new BindingCacheRemove(binding.ToEntry(Address)));
            HomeAgentLog.Deregistered(_logger, binding.HomeAddress, update.Sequence);
        }

        _counters.Outcome(BindingAcknowledgementStatus.Accepted);

        // RFC 3963 4.2: R answers a mobile router's Binding Update (the policy accepted R) from a home agent that
        // supports mobile routers, a deregistration's too.
        var flags = (update.Flags & WireFlags.R) != 0 ? BindingAcknowledgementFlags.R : BindingAcknowledgementFlags.None;
        _replies.SendAcknowledgement(route, BindingAcknowledgementStatus.Accepted, flags, update.Sequence, 0, now, echo);
    }

    /// <summary>
    /// Installs <paramref name="bindings"/> (all of one home address): each is published before any binding it
    /// replaces is removed, so the home address keeps a route throughout; with <paramref name="replaceOthers"/> the home
    /// address's other bindings go (a Binding Update without Binding Identifier option, or RFC 5648 6.2's O flag).
    /// </summary>
    private void Commit(IReadOnlyList<HomeBinding> bindings, BindingUpdate update, AckRoute route, DateTimeOffset now,
        bool replaceOthers, MobilityOption[] echo, BindingAcknowledgementStatus ackStatus)
    {
        var accepted = bindings[0];
        foreach (var binding in bindings)
        {
            accepted = binding with { AcceptedAt = now };
            long generation = _cache.Set(accepted);
            _deadlines.Add(new Deadline(DeadlineKind.BindingExpiry, accepted.HomeAddress, generation, accepted.ExpiresAt, accepted.BindingId));
            _publish(new BindingCacheAdd(accepted.ToEntry(Address)));
            HomeAgentLog.Accepted(_logger, accepted.HomeAddress, accepted.CareOfAddress, accepted.Sequence, accepted.Lifetime.TotalSeconds);
        }

        if (replaceOthers)
        {
            foreach (var other in _cache.Of(accepted.HomeAddress).Where(b => !bindings.Any(n => n.BindingId == b.BindingId)).ToList())
            {
                _cache.Remove(other.HomeAddress, other.BindingId, out _);
                _publish(new BindingCacheRemove(other.ToEntry(Address)));
            }
        }

        _counters.Outcome(ackStatus);
        CompactDeadlines();

        // RFC 6275 9.5.4: an accepted Binding Update is acknowledged when it asked (A).
        if ((update.Flags & WireFlags.A) != 0)
        {
            var flags = accepted.IsMobileRouter() ? BindingAcknowledgementFlags.R : BindingAcknowledgementFlags.None;
            _replies.SendAcknowledgement(route, ackStatus, flags, accepted.Sequence, MobilityLifetime.ToUnits(accepted.Lifetime), now, echo);
        }
    }

    private void Refuse(AckRoute route, BindingUpdate update, IPAddress careOf, BindingAcknowledgementStatus status, ushort sequence, DateTimeOffset now,
        MobilityOption[]? echo = null)
    {
        // RFC 6275 9.5.4: a refused Binding Update is answered, A or not; existing bindings stay as they are. A
        // refusal of a home address not on the list (129, 132: what a flood of forged BUs draws) is answered at a
        // bounded rate: RFC 6275 11.3.1 ("Binding Acknowledgements with error status ... MAY be rate limited") and
        // 9.3.3 permit it. Listed nodes are always answered; they need the status to recover (135, 144, ...).
        _counters.Outcome(status);
        HomeAgentLog.Refused(_logger, route.HomeAddress, careOf, update.Sequence, status);
        _refusedSinceSummary[(byte)status]++;
        _refusalSummaryDue ??= now + _tuning.RefusalSummaryInterval;
        if (!_nodes.ContainsKey(route.HomeAddress) && !_refusalAnswers.TryTake(now, _tuning.RefusalRatePerSecond))
        {
            _refusalsUnansweredSinceSummary++;
            _replies.Drop(HomeAgentDropReason.RefusalRateLimited, careOf);
            return;
        }

        _replies.SendAcknowledgement(route, status, BindingAcknowledgementFlags.None, sequence, 0, now, echo ?? EchoWithStatus(update, status));
    }

    /// <summary>RFC 5648 6.2: a refusal copies the Binding Update's Binding Identifier options too, each with the refusal's status.</summary>
    private static MobilityOption[] EchoWithStatus(BindingUpdate update, BindingAcknowledgementStatus status) =>
        [.. update.Options.OfType<BindingIdentifierOption>().Select(o => (MobilityOption)(o with { Status = (byte)status }))];

    /// <summary>One Warning line for every refusal since the last one, with counts by status.</summary>
    private void LogRefusalSummary()
    {
        var text = new System.Text.StringBuilder();
        long total = 0;
        for (int status = 0; status < _refusedSinceSummary.Length; status++)
        {
            long count = _refusedSinceSummary[status];
            if (count == 0)
            {
                continue;
            }

            text.Append(text.Length == 0 ? "" : ", ").Append(status).Append(" (").Append((BindingAcknowledgementStatus)status).Append(") x ").Append(count);
            total += count;
            _refusedSinceSummary[status] = 0;
        }

        HomeAgentLog.RefusalSummary(_logger, total, _tuning.RefusalSummaryInterval.TotalSeconds, text.ToString(), _refusalsUnansweredSinceSummary);
        _refusalsUnansweredSinceSummary = 0;
        _refusalSummaryDue = null;
    }

    /// <summary>RFC 6275 10.3.1: lifetime no longer than max_lifetime nor the home prefix's valid lifetime.</summary>
    private TimeSpan GrantLifetime(BindingUpdate update)
    {
        var granted = update.Lifetime;
        if (granted > _section.MaxLifetime)
        {
            granted = _section.MaxLifetime;
        }

        if (granted > _tuning.PrefixValidLifetime)
        {
            granted = _tuning.PrefixValidLifetime;
        }

        return MobilityLifetime.ToTimeSpan(Math.Max((ushort)1, MobilityLifetime.ToUnits(granted)));
    }

    // ---- Duplicate address detection ------------------------------------------------------------------------

    private void StartDetection(MultipleCareOfPlan plan, BindingUpdate update, AckRoute route, PendingRegistration? superseded, DateTimeOffset now)
    {
        var binding = plan.Bindings[0];
        var needed = new List<IPAddress> { binding.HomeAddress };
        if ((update.Flags & WireFlags.L) != 0)
        {
            // RFC 6275 10.3.1: with L the home agent defends the link-local address too.
            needed.Add(HomeAgentAddresses.LinkLocalOf(binding.HomeAddress));
        }

        var requested = superseded?.Requested ?? [];
        var waiting = superseded?.Waiting ?? [];
        var due = superseded?.Due ?? now + _tuning.DadTimeout;
        foreach (var address in needed.Where(a => !requested.Contains(a)))
        {
            requested.Add(address);
            waiting.Add(address);
            due = now + _tuning.DadTimeout;
            _counters.DadRequested++;
            HomeAgentLog.DadRequested(_logger, address, _homeLink.Name);
            _publish(new Dad(DadMessage.Do, address, _homeLink.Name, _homeLink.Index));
        }

        var pending = new PendingRegistration
        {
            Id = ++_nextPendingId,
            Update = update,
            Route = route,
            Bindings = plan.Bindings,
            Echo = plan.Echo,
            AckStatus = plan.AckStatus,
            Waiting = waiting,
            Requested = requested,
            Due = due,
        };
        _pending[binding.HomeAddress] = pending;
        foreach (var address in requested)
        {
            _dadAddressToHome[address] = binding.HomeAddress;
        }

        _deadlines.Add(new Deadline(DeadlineKind.DadTimeout, binding.HomeAddress, pending.Id, due));
        if (waiting.Count == 0)
        {
            // Every address was confirmed for the registration this one replaces.
            ForgetPending(pending, stopDetection: false);
            Commit(pending.Bindings, update, route, now, replaceOthers: false, pending.Echo, pending.AckStatus);
        }
    }

    private void OnDad(Dad message, DateTimeOffset now)
    {
        if (!message.IsResult
            || !_dadAddressToHome.TryGetValue(message.Address, out var home)
            || !_pending.TryGetValue(home, out var pending)
            || !pending.Waiting.Contains(message.Address))
        {
            return;
        }

        if (message.Message == DadMessage.Busy)
        {
            // The detector could not check the address (too many probes and waiting requests): no result is not a
            // unique address. 130 Insufficient resources (RFC 6275 6.1.8); the mobile node retries later.
            _counters.DadBusy++;
            ForgetPending(pending, stopDetection: true);
            Refuse(pending.Route, pending.Update, pending.CareOfAddress, BindingAcknowledgementStatus.InsufficientResources, pending.Update.Sequence, now);
            return;
        }

        if (message.Message == DadMessage.Fail)
        {
            _counters.DadFailed++;
            HomeAgentLog.DadFailed(_logger, message.Address);
            ForgetPending(pending, stopDetection: true);
            Refuse(pending.Route, pending.Update, pending.CareOfAddress, BindingAcknowledgementStatus.DuplicateAddressDetectionFailed, pending.Update.Sequence, now);
            return;
        }

        pending.Waiting.Remove(message.Address);
        if (pending.Waiting.Count == 0)
        {
            ForgetPending(pending, stopDetection: false);
            Commit(pending.Bindings, pending.Update, pending.Route, now, replaceOthers: false, pending.Echo, pending.AckStatus);
        }
    }

    private void ForgetPending(PendingRegistration pending, bool stopDetection)
    {
        _pending.Remove(pending.HomeAddress);
        foreach (var address in pending.Requested)
        {
            _dadAddressToHome.Remove(address);
        }

        if (stopDetection)
        {
            StopDetection(pending);
        }
    }

    private void StopDetection(PendingRegistration? pending)
    {
        foreach (var address in pending?.Waiting ?? [])
        {
            _publish(new Dad(DadMessage.Stop, address, _homeLink.Name, _homeLink.Index));
        }
    }

    // ---- Timers ---------------------------------------------------------------------------------------------

    private void OnDeadlines(DateTimeOffset now)
    {
        while (_deadlines.TryTakeDue(now, out var deadline))
        {
            switch (deadline.Kind)
            {
                case DeadlineKind.BindingExpiry when _cache.IsCurrent(deadline.HomeAddress, deadline.BindingId, deadline.Generation)
                    && _cache.Remove(deadline.HomeAddress, deadline.BindingId, out var binding):
                    _counters.BindingsExpired++;
                    HomeAgentLog.Expired(_logger, binding.HomeAddress);
                    _publish(new BindingCacheRemove(binding.ToEntry(Address)));
                    break;
                case DeadlineKind.DadTimeout when _pending.TryGetValue(deadline.HomeAddress, out var pending) && pending.Id == deadline.Generation:
                    // The detector's Success or Fail never came (it waited too long for a free probe): a registration
                    // is never accepted without a result. Refused with 130 Insufficient resources; the mobile node
                    // retries (RFC 6275 11.8), and the detection still queued is stopped.
                    _counters.DadTimedOut++;
                    HomeAgentLog.DadTimedOut(_logger, deadline.HomeAddress);
                    ForgetPending(pending, stopDetection: true);
                    Refuse(pending.Route, pending.Update, pending.CareOfAddress, BindingAcknowledgementStatus.InsufficientResources, pending.Update.Sequence, now);
                    break;
            }
        }

        CompactDeadlines();
    }

    private void CompactDeadlines()
    {
        int live = _cache.Count + _pending.Count;
        if (_deadlines.Count > (4 * live) + 64)
        {
            _deadlines.Compact(d => d.Kind == DeadlineKind.BindingExpiry
                ? _cache.IsCurrent(d.HomeAddress, d.BindingId, d.Generation)
                : _pending.TryGetValue(d.HomeAddress, out var p) && p.Id == d.Generation);
        }
    }

    // ---- Restart --------------------------------------------------------------------------------------------

    /// <summary>
    /// DESIGN 5: home registrations the journal kept come back with the lifetime they have left and their sequence
    /// numbers (so the next Binding Update's sequence check holds and expiry fires on time), and are announced again
    /// so the data plane reinstalls tunnel and proxy ND. Entries of another role (a correspondent's: no H, another
    /// peer) are left alone; ours that the profile no longer allows (mobile node or prefix gone, beyond
    /// max_bindings) or whose lifetime ran out meanwhile are removed instead (BcRemove), so the journal forgets them.
    /// </summary>
    private void OnRestored(IReadOnlyList<BindingCacheEntry> entries, DateTimeOffset restoredAt, DateTimeOffset now)
    {
        var elapsed = now > restoredAt ? now - restoredAt : TimeSpan.Zero;
        int restored = 0;
        int removed = 0;
        foreach (var entry in entries)
        {
            if (!entry.Peer.Equals(Address) || !entry.IsHomeRegistration)
            {
                continue;
            }

            if (_cache.TryGet(entry.HomeAddress, entry.BindingId, out _))
            {
                continue; // already bound (a BcRemove here would take the live binding's key away)
            }

            var remaining = entry.Lifetime - elapsed;
            if (remaining <= TimeSpan.Zero || !MayRestore(entry))
            {
                _publish(new BindingCacheRemove(entry));
                HomeAgentLog.NotRestored(_logger, entry.HomeAddress, entry.CareOfAddress);
                removed++;
                continue;
            }

            var binding = new HomeBinding(entry.HomeAddress, entry.CareOfAddress, entry.Flags & KeptFlags, entry.Sequence, remaining, now, entry.MobileNetworkPrefixes, entry.BindingId);
            long generation = _cache.Set(binding);
            _deadlines.Add(new Deadline(DeadlineKind.BindingExpiry, binding.HomeAddress, generation, binding.ExpiresAt, binding.BindingId));
            _publish(new BindingCacheAdd(binding.ToEntry(Address)));
            restored++;
        }

        HomeAgentLog.Restored(_logger, restored, removed);
    }

    private bool MayRestore(BindingCacheEntry entry) =>
        (entry.BindingId == 0 || _section.MultipleCareOf)
        && _section.Prefix.Contains(entry.HomeAddress)
        && _nodes.TryGetValue(entry.HomeAddress, out var node)
        && entry.MobileNetworkPrefixes.All(p => node.Prefixes.Any(allowed => allowed.Contains(p)))
        && _cache.Count + PendingBindings < _section.MaxBindings;

    // ---- Reconfiguration ------------------------------------------------------------------------------------

    private void OnReconfigured(HomeAgentSection section, DateTimeOffset now)
    {
        var oldPrefix = _section.Prefix;
        var oldNodes = _nodes;
        Apply(section);
        _authentication.Reconfigured(oldNodes, _nodes, now);

        // A mobile node the new list no longer names loses its binding (and a registration waiting for DAD).
        foreach (var binding in _cache.Bindings.Where(b => !_nodes.ContainsKey(b.HomeAddress)).ToList())
        {
            _cache.Remove(binding.HomeAddress, binding.BindingId, out _);
            _publish(new BindingCacheRemove(binding.ToEntry(Address)));
            HomeAgentLog.RemovedByReload(_logger, binding.HomeAddress);
        }

        foreach (var pending in _pending.Values.Where(p => !_nodes.ContainsKey(p.HomeAddress)).ToList())
        {
            ForgetPending(pending, stopDetection: true);
        }

        HomeAgentLog.Reconfigured(_logger, section.Prefix.ToString(), _nodes.Count);
        if (!oldPrefix.Equals(section.Prefix))
        {
            _discovery.AnnouncePrefixChange();
        }
    }

    private void Apply(HomeAgentSection section)
    {
        _section = section;
        _nodes = section.MobileNodes.ToDictionary(n => n.HomeAddress);
        _replies.Address = section.Address;
        _discovery.Apply(section);
    }

    // ---- Helpers --------------------------------------------------------------------------------------------

    private static bool IsRoutableUnicast(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return Ipv6Address.IsRoutableUnicast(bytes);
    }

    private static BusFlags ToBusFlags(WireFlags flags) => (BusFlags)(ushort)flags & KeptFlags;
}

internal static class HomeBindingExtensions
{
    public static bool IsMobileRouter(this HomeBinding binding) => (binding.Flags & BusFlags.MobileRouter) != 0;
}
