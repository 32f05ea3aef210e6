using System.Buffers;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Hosting;
using BindingErrorStatus = Shisa.DataPlane.Wire.Mobility.BindingErrorStatus;
using BindingUpdateFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;
using MobilityMessage = Shisa.DataPlane.Wire.Mobility.MobilityMessage;

namespace Shisa.Modules.Correspondent;

/// <summary>
/// The correspondent node (SHISA's cnd; RFC 6275 5.2, 9): return routability, the binding cache of route-optimized
/// mobile nodes, Binding Errors. A synchronous state machine: every input (a received packet, a Binding Error hint
/// from the bus, a timer expiry, the journal's bindings at start) is one <see cref="Process"/> call with the current
/// time; its outputs are packets handed to the data plane and bus messages. It reads no clock and arms no timer: the
/// role host (<see cref="RoleMachineHost{TInput}"/>) feeds the deadline input at <see cref="NextDeadline"/>. Not
/// thread-safe: one caller at a time.
/// </summary>
public sealed class CorrespondentNode : IRoleMachine<CorrespondentInput>
{
    private static readonly byte[] NoKey = [];

    private readonly CorrespondentOptions _options;
    private readonly IPacketSender _sender;
    private readonly Action<BusMessage> _publish;
    private readonly ILogger _logger;
    private readonly CorrespondentBindingCache _cache;
    private readonly BindingErrorRateLimiter _bindingErrors;
    private readonly long[] _refused = new long[256];
    private readonly long[] _drops = new long[Enum.GetValues<CorrespondentDrop>().Length];
    private long _hotSent;
    private long _cotSent;
    private long _accepted;
    private long _deleted;
    private long _expired;
    private long _baSent;
    private long _beSent;
    private long _beLimited;
    private long _brrSent;
    private long _sendFailures;

    /// <param name="options">Behaviour and bounds.</param>
    /// <param name="sender">The data plane's send API.</param>
    /// <param name="publish">Publishes on the mobility bus (binding cache add/remove).</param>
    /// <param name="now">The time the node starts.</param>
    /// <param name="secrets">Kcn and nonces; fresh random ones when null.</param>
    /// <param name="logger">The correspondent's log; none when null.</param>
    public CorrespondentNode(
        CorrespondentOptions options,
        IPacketSender sender,
        Action<BusMessage> publish,
        DateTimeOffset now,
        NodeSecrets? secrets = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(publish);
        options.Validate();
        _options = options;
        _sender = sender;
        _publish = publish;
        _logger = logger ?? NullLogger.Instance;
        Secrets = secrets ?? new NodeSecrets(options, now);
        _cache = new CorrespondentBindingCache(options.MaxBindings);
        _bindingErrors = new BindingErrorRateLimiter(options.BindingErrorRatePerDestination, options.BindingErrorRateTotal, options.BindingErrorDestinations, now);
    }

    public CorrespondentOptions Options => _options;

    public NodeSecrets Secrets { get; }

    public int BindingCount => _cache.Count;

    /// <summary>When <see cref="OnTimer"/> is next needed: a nonce to regenerate, a binding to refresh or expire.</summary>
    public DateTimeOffset NextDeadline =>
        _cache.NextDeadline() is { } binding && binding < Secrets.NextRegeneration ? binding : Secrets.NextRegeneration;

    DateTimeOffset? IRoleMachine<CorrespondentInput>.NextDeadline => NextDeadline;

    /// <summary>The one entry point the role host drives: each input goes to its step below.</summary>
    public void Process(CorrespondentInput input, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(input);
        switch (input)
        {
            case CorrespondentInput.Signalling signalling:
                Receive(signalling.Packet, now);
                break;
            case CorrespondentInput.Hint hint:
                OnBindingErrorHint(hint.Message, now);
                break;
            case CorrespondentInput.DeadlineReached:
                OnTimer(now);
                break;
            case CorrespondentInput.Restored restored:
                Restore(restored.Entries, restored.RestoredAt, now);
                break;
            default:
                throw new ArgumentException($"unknown correspondent input {input.GetType().Name}", nameof(input));
        }
    }

    /// <summary>
    /// The Binding Refresh Request policy (RFC 6275 9.5.5): one request when <paramref name="fraction"/> of the
    /// granted lifetime is left. "Actively used" would need the data plane's traffic counters, which the
    /// correspondent does not see, so every binding gets its one request; null when the policy is off.
    /// </summary>
    public static DateTimeOffset? RefreshRequestTime(DateTimeOffset acceptedAt, TimeSpan lifetime, double fraction) =>
        fraction <= 0 || lifetime <= TimeSpan.Zero ? null : acceptedAt + (lifetime * (1 - fraction));

    /// <summary>Handles a Mobility Header packet the data plane received.</summary>
    public CorrespondentOutcome Receive(SignallingPacket packet, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (MobilityPackets.TryRead(packet, out var received, out var refusal, out var error))
        {
            return Receive(received!, now);
        }

        if (refusal == ReceiveRefusal.MobilityHeader && error == MobilityParseError.UnknownType
            && Ipv6Packet.TryParse(packet.Packet.Span, out var ip))
        {
            // RFC 6275 9.2: an unrecognized MH Type is answered with a Binding Error, status 2, carrying the
            // Home Address option's address if there was one (6.1.9).
            if (!_options.AnswerUnrecognizedTypes)
            {
                return Drop(CorrespondentDrop.UnrecognizedTypeNotAnswered, ip.Header.SourceAddress);
            }

            var home = ip.HasHomeAddress ? new IPAddress(ip.HomeAddress) : null;
            return SendBindingError(BindingErrorStatus.UnrecognizedMobilityHeaderType, ip.Header.DestinationAddress, ip.Header.SourceAddress, home, now);
        }

        // Checksum, Payload Proto, Header Len faults: silently discarded here (the Parameter Problem of RFC 6275 9.2
        // for the last two is ICMPv6, the data plane's business).
        return Drop(CorrespondentDrop.Malformed, null);
    }

    /// <summary>Handles a parsed Mobility Header message.</summary>
    public CorrespondentOutcome Receive(ReceivedMobilityMessage received, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(received);
        return received.Message switch
        {
            HomeTestInit hoti => OnHomeTestInit(received, hoti),
            CareOfTestInit coti => OnCareOfTestInit(received, coti),
            BindingUpdate bu => OnBindingUpdate(received, bu, now),
            _ => Drop(CorrespondentDrop.NotForCorrespondent, received.Source),
        };
    }

    /// <summary>
    /// Handles a Binding Error hint from the data plane (mipsock MIPM_BE_HINT): a packet with a Home Address option
    /// for which no binding exists (RFC 6275 9.3.1) is answered with a Binding Error, status 1 (9.3.3).
    /// </summary>
    public CorrespondentOutcome OnBindingErrorHint(BeHint hint, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hint);
        var status = (BindingErrorStatus)(byte)hint.Status;
        if (status == BindingErrorStatus.UnrecognizedMobilityHeaderType && !_options.AnswerUnrecognizedTypes)
        {
            return Drop(CorrespondentDrop.UnrecognizedTypeNotAnswered, hint.Source);
        }

        return SendBindingError(status, hint.Destination, hint.Source, hint.HomeAddress, now);
    }

    /// <summary>Timer expiry: regenerates the nonce when due, sends due Binding Refresh Requests, removes expired bindings.</summary>
    public void OnTimer(DateTimeOffset now)
    {
        if (Secrets.OnTimer(now))
        {
            CorrespondentLog.NonceRegenerated(_logger, Secrets.CurrentIndex);
        }

        foreach (var binding in _cache.Due(now))
        {
            var entry = binding.Entry;
            if (now >= binding.ExpiresAt)
            {
                // RFC 6275 9.5.2: an entry whose lifetime ran out is deleted.
                _cache.Remove(entry.Key);
                _publish(new BindingCacheRemove(entry));
                _expired++;
                CorrespondentLog.BindingExpired(_logger, entry.HomeAddress, entry.CareOfAddress);
            }
            else if (!binding.RefreshRequested)
            {
                // RFC 6275 9.5.5: a Binding Refresh Request goes to the home address (through the home agent).
                binding.RefreshRequested = true;
                if (Send(new BindingRefreshRequest(), new Ipv6Envelope(entry.Peer, entry.HomeAddress)))
                {
                    _brrSent++;
                    CorrespondentLog.RefreshRequestSent(_logger, entry.HomeAddress);
                }
            }
        }
    }

    /// <summary>
    /// Removes every binding, publishing the removals. Returns how many there were. (Not at a stop: bindings outlive
    /// the process, DESIGN 5.)
    /// </summary>
    public int Flush()
    {
        var all = _cache.Bindings.ToList();
        foreach (var binding in all)
        {
            _cache.Remove(binding.Entry.Key);
            _publish(new BindingCacheRemove(binding.Entry));
        }

        return all.Count;
    }

    /// <summary>
    /// An operator's flush (<c>shisa ctl flush</c>): removes the bindings of <paramref name="homeAddress"/> (of that
    /// <paramref name="bindingId"/> only, when given), publishing the removals. Returns what was removed.
    /// </summary>
    public IReadOnlyList<BindingCacheEntry> Flush(IPAddress homeAddress, ushort? bindingId)
    {
        ArgumentNullException.ThrowIfNull(homeAddress);
        var matching = _cache.Bindings
            .Where(b => b.Entry.HomeAddress.Equals(homeAddress) && (bindingId is null || b.Entry.BindingId == bindingId))
            .ToList();
        foreach (var binding in matching)
        {
            _cache.Remove(binding.Entry.Key);
            _publish(new BindingCacheRemove(binding.Entry));
        }

        return [.. matching.Select(b => b.Entry)];
    }

    /// <summary>What the timer waits for, earliest first: each binding's refresh request or expiry, and the nonce regeneration.</summary>
    public IReadOnlyList<(string Purpose, DateTimeOffset Due)> GetScheduled()
    {
        var scheduled = _cache.Bindings
            .Select(b => (Purpose: $"{(b.NextDeadline < b.ExpiresAt ? "binding refresh request" : "binding expiry")} {b.Entry.HomeAddress}", Due: b.NextDeadline))
            .Append((Purpose: "nonce regeneration", Due: Secrets.NextRegeneration));
        return [.. scheduled.OrderBy(s => s.Due)];
    }

    /// <summary>
    /// DESIGN 5: the bindings the journal kept across a restart come back with the lifetime they have left at
    /// <paramref name="now"/> (their lifetimes being what remained at <paramref name="restoredAt"/>) and their sequence
    /// numbers, and are published again so the data plane reinstalls them. Home registrations (a home agent's) are
    /// left alone; ours that ran out meanwhile, that no longer fit, or that route optimization now refuses are
    /// removed (BcRemove) so the journal forgets them. Refreshing one needs a new return routability exchange: the
    /// nonces and Kcn are new with the process.
    /// </summary>
    public void Restore(IReadOnlyList<BindingCacheEntry> entries, DateTimeOffset restoredAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var elapsed = now > restoredAt ? now - restoredAt : TimeSpan.Zero;
        int restored = 0;
        int removed = 0;
        foreach (var entry in entries)
        {
            if (entry.IsHomeRegistration || _cache.Find(entry.Key) is not null)
            {
                continue; // a home agent's, or already bound (a BcRemove here would take the live binding's key away)
            }

            var remaining = entry.Lifetime - elapsed;
            if (remaining <= TimeSpan.Zero || !_options.RouteOptimization || _cache.IsFull)
            {
                _publish(new BindingCacheRemove(entry));
                removed++;
                continue;
            }

            var binding = entry with { Lifetime = remaining };
            _cache.Set(new CorrespondentBinding(binding, now, now + remaining, RefreshRequestTime(now, remaining, _options.RefreshRequestFraction)));
            _publish(new BindingCacheAdd(binding));
            restored++;
        }

        if (restored + removed > 0)
        {
            CorrespondentLog.Restored(_logger, restored, removed);
        }
    }

    public CorrespondentSnapshot GetSnapshot(DateTimeOffset now)
    {
        var bindings = _cache.Bindings
            .Select(b => new CorrespondentBindingStatus(
                b.Entry.HomeAddress,
                b.Entry.CareOfAddress,
                b.Entry.Peer,
                b.Entry.Flags,
                b.Entry.Sequence,
                b.Entry.Lifetime,
                b.ExpiresAt > now ? b.ExpiresAt - now : TimeSpan.Zero,
                b.RefreshRequested))
            .ToImmutableArray();
        var refused = ImmutableDictionary.CreateBuilder<BindingAcknowledgementStatus, long>();
        for (int i = 0; i < _refused.Length; i++)
        {
            if (_refused[i] != 0)
            {
                refused[(BindingAcknowledgementStatus)i] = _refused[i];
            }
        }

        var drops = ImmutableDictionary.CreateBuilder<CorrespondentDrop, long>();
        foreach (var reason in Enum.GetValues<CorrespondentDrop>())
        {
            if (_drops[(int)reason] != 0)
            {
                drops[reason] = _drops[(int)reason];
            }
        }

        var counters = new CorrespondentCounters(
            _hotSent, _cotSent, _accepted, _deleted, _expired, refused.ToImmutable(), drops.ToImmutable(),
            _baSent, _beSent, _beLimited, _brrSent, _sendFailures);
        return new CorrespondentSnapshot(
            _options.RouteOptimization, Secrets.CurrentIndex, Secrets.ValidNonces(now), _options.MaxBindings, bindings, counters);
    }

    // RFC 6275 9.4.1, 9.4.3: a HoTI reaches us from the home address through the home agent; the HoT goes back to
    // the home address with the home keygen token of the current nonce and the cookie copied.
    private CorrespondentOutcome OnHomeTestInit(ReceivedMobilityMessage received, HomeTestInit hoti)
    {
        if (RefusedTestInit(received) is { } refused)
        {
            return refused;
        }

        ulong token = Secrets.CurrentHomeKeygenToken(received.Source, out ushort index);
        if (!Send(new HomeTest(index, hoti.HomeInitCookie, token), new Ipv6Envelope(received.Destination, received.Source)))
        {
            return CorrespondentOutcome.SendFailed;
        }

        _hotSent++;
        CorrespondentLog.HomeTestSent(_logger, received.Source, index);
        return CorrespondentOutcome.HomeTestSent;
    }

    // What HoTI and CoTI have in common: neither may carry a Home Address option (RFC 6275 9.4.1/9.4.2), no token
    // is handed out while route optimization is refused (so no binding can ever be authorized), and only unicast
    // peers get one.
    private CorrespondentOutcome? RefusedTestInit(ReceivedMobilityMessage received)
    {
        if (received.HomeAddress is not null)
        {
            return Drop(CorrespondentDrop.HomeAddressOptionOnTestInit, received.Source);
        }

        if (!_options.RouteOptimization)
        {
            return Drop(CorrespondentDrop.RouteOptimizationDisabled, received.Source);
        }

        return !IsUnicastRoutable(received.Source) || !IsUnicast(received.Destination) ? Drop(CorrespondentDrop.NotUnicast, received.Source) : null;
    }

    // RFC 6275 9.4.2, 9.4.4: a CoTI comes straight from the care-of address; the CoT goes back to it.
    private CorrespondentOutcome OnCareOfTestInit(ReceivedMobilityMessage received, CareOfTestInit coti)
    {
        if (RefusedTestInit(received) is { } refused)
        {
            return refused;
        }

        ulong token = Secrets.CurrentCareOfKeygenToken(received.Source, out ushort index);
        if (!Send(new CareOfTest(index, coti.CareOfInitCookie, token), new Ipv6Envelope(received.Destination, received.Source)))
        {
            return CorrespondentOutcome.SendFailed;
        }

        _cotSent++;
        CorrespondentLog.CareOfTestSent(_logger, received.Source, index);
        return CorrespondentOutcome.CareOfTestSent;
    }

    // RFC 6275 9.5.1 (checks), 9.5.2 (cache), 9.5.3 (deletion), 9.5.4 (acknowledgement).
    private CorrespondentOutcome OnBindingUpdate(ReceivedMobilityMessage received, BindingUpdate bu, DateTimeOffset now)
    {
        var us = received.Destination;
        var home = received.HomeAddress ?? received.Source;
        var careOf = bu.Options.Find<AlternateCareOfAddressOption>()?.CareOfAddress ?? received.Source;
        if (!IsUnicast(us) || !IsUnicastRoutable(home) || !IsUnicastRoutable(careOf))
        {
            return Drop(CorrespondentDrop.NotUnicast, received.Source);
        }

        bool acknowledge = (bu.Flags & BindingUpdateFlags.A) != 0;
        if ((bu.Flags & BindingUpdateFlags.H) != 0)
        {
            if (!_options.RefuseHomeRegistrations)
            {
                return Drop(CorrespondentDrop.HomeRegistrationForHomeAgent, received.Source);
            }

            // RFC 6275 10.3.1: a node that is no home agent rejects a home registration with 131, A set or not.
            return Refuse(received, home, BindingAcknowledgementStatus.HomeRegistrationNotSupported, bu.Sequence, acknowledgement: true, NoKey, careOf);
        }

        if (!_options.RouteOptimization)
        {
            // Route optimization refused by policy (RFC 6275 9.5.1 lets a node decline): 129, only if asked (9.5.4).
            return Refuse(received, home, BindingAcknowledgementStatus.AdministrativelyProhibited, bu.Sequence, acknowledge, NoKey, careOf);
        }

        // RFC 6275 9.5.1: a binding authorized by return routability carries both options, else it is dropped.
        var indices = bu.Options.Find<NonceIndicesOption>();
        if (indices is null || bu.Options.Find<BindingAuthorizationDataOption>() is null)
        {
            return Drop(CorrespondentDrop.MissingAuthorization, received.Source);
        }

        // RFC 6275 5.2.5, 9.5.1: deleting a binding (lifetime 0, or returning home) needs only the home keygen
        // token; the care-of nonce index is ignored then.
        bool deregistration = bu.LifetimeUnits == 0 || careOf.Equals(home);
        bool homeKnown = Secrets.TryHomeKeygenToken(indices.HomeNonceIndex, home, now, out ulong homeToken);
        ulong careOfToken = 0;
        bool careOfKnown = deregistration || Secrets.TryCareOfKeygenToken(indices.CareOfNonceIndex, careOf, now, out careOfToken);
        if (!homeKnown || !careOfKnown)
        {
            // RFC 6275 9.5.1: 136, 137 or 138, sent whatever the A flag (9.5.4); without Kbm it cannot be signed.
            var expired = !homeKnown && !careOfKnown ? BindingAcknowledgementStatus.ExpiredNonces
                : !homeKnown ? BindingAcknowledgementStatus.ExpiredHomeNonceIndex
                : BindingAcknowledgementStatus.ExpiredCareOfNonceIndex;
            return Refuse(received, home, expired, bu.Sequence, acknowledgement: true, NoKey, careOf);
        }

        var kbm = new byte[ReturnRoutability.BindingManagementKeyLength];
        if (deregistration)
        {
            ReturnRoutability.DeregistrationBindingManagementKey(homeToken, kbm);
        }
        else
        {
            ReturnRoutability.BindingManagementKey(homeToken, careOfToken, kbm);
        }

        // RFC 6275 6.2.7: the authenticator covers the care-of address, our address and the MH; a mismatch is
        // silently discarded (9.5.1). For a deletion 6.2.7 names the home address in place of the care-of address,
        // while KAME and the rr_crypto.json vector use the care-of address the BU came from: both are accepted
        // (either needs Kbm), and the BA is signed over the one that verified.
        var us16 = NodeSecrets.Bytes(us);
        bool verified = ReturnRoutability.Verify(received.MobilityHeader.Span, kbm, NodeSecrets.Bytes(careOf), us16);
        if (!verified && deregistration && !careOf.Equals(home)
            && ReturnRoutability.Verify(received.MobilityHeader.Span, kbm, NodeSecrets.Bytes(home), us16))
        {
            verified = true;
            careOf = home;
        }

        if (!verified)
        {
            _drops[(int)CorrespondentDrop.BadAuthenticator]++;
            CorrespondentLog.BadAuthenticator(_logger, home, received.Source);
            return CorrespondentOutcome.Dropped;
        }

        var key = new BindingCacheKey(us, home, 0);
        var existing = _cache.Find(key);
        if (existing is not null && !MobilitySequence.IsNewer(bu.Sequence, existing.Entry.Sequence))
        {
            // RFC 6275 9.5.1: out of window (modulo 2^16); the BA carries the last accepted sequence number.
            return Refuse(received, home, BindingAcknowledgementStatus.SequenceNumberOutOfWindow, existing.Entry.Sequence, acknowledgement: true, kbm, careOf);
        }

        if (deregistration)
        {
            // RFC 6275 9.5.3: delete the entry, if any; the BA (if asked) is still signed, with the deregistration Kbm.
            if (existing is not null)
            {
                _cache.Remove(key);
                _publish(new BindingCacheRemove(existing.Entry));
            }

            _deleted++;
            CorrespondentLog.BindingDeleted(_logger, home, bu.Sequence);
            if (acknowledge)
            {
                SendAcknowledgement(received, home, BindingAcknowledgementStatus.Accepted, bu.Sequence, 0, kbm, careOf);
            }

            return CorrespondentOutcome.BindingDeleted;
        }

        if (existing is null && _cache.IsFull)
        {
            // RFC 6275 9.5.2: no room; 130, sent whatever the A flag (9.5.4).
            return Refuse(received, home, BindingAcknowledgementStatus.InsufficientResources, bu.Sequence, acknowledgement: true, kbm, careOf);
        }

        // RFC 6275 9.5.2: the lifetime granted is at most MAX_RR_BINDING_LIFETIME.
        var lifetime = bu.Lifetime < _options.MaxBindingLifetime ? bu.Lifetime : _options.MaxBindingLifetime;
        ushort units = MobilityLifetime.ToUnits(lifetime);
        lifetime = MobilityLifetime.ToTimeSpan(units);
        var flags = (Shisa.DataPlane.Bus.BindingUpdateFlags)((ushort)bu.Flags & (ushort)(BindingUpdateFlags.A | BindingUpdateFlags.L | BindingUpdateFlags.K));
        var entry = new BindingCacheEntry(home, careOf, us, flags, lifetime, bu.Sequence, EquatableArray<Prefix>.Empty);
        _cache.Set(new CorrespondentBinding(entry, now, now + lifetime, RefreshRequestTime(now, lifetime, _options.RefreshRequestFraction)));
        _publish(new BindingCacheAdd(entry));
        _accepted++;
        CorrespondentLog.BindingAccepted(_logger, home, careOf, bu.Sequence, lifetime.TotalSeconds);
        if (acknowledge)
        {
            SendAcknowledgement(received, home, BindingAcknowledgementStatus.Accepted, bu.Sequence, units, kbm, careOf);
        }

        return CorrespondentOutcome.BindingAccepted;
    }

    private CorrespondentOutcome Refuse(
        ReceivedMobilityMessage received,
        IPAddress home,
        BindingAcknowledgementStatus status,
        ushort sequence,
        bool acknowledgement,
        byte[] kbm,
        IPAddress careOf)
    {
        _refused[(int)status]++;
        CorrespondentLog.BindingRefused(_logger, home, received.Source, status);
        if (acknowledgement)
        {
            SendAcknowledgement(received, home, status, sequence, 0, kbm, careOf);
        }

        return CorrespondentOutcome.BindingRefused;
    }

    // RFC 6275 9.5.4: to the BU's source; through a type 2 routing header to the home address when it came with a
    // Home Address option; with a Binding Authorization Data option whenever Kbm is known (6.2.7).
    private void SendAcknowledgement(
        ReceivedMobilityMessage received,
        IPAddress home,
        BindingAcknowledgementStatus status,
        ushort sequence,
        ushort lifetimeUnits,
        byte[] kbm,
        IPAddress careOf)
    {
        var envelope = new Ipv6Envelope(
            received.Destination,
            received.Source,
            RoutingHomeAddress: received.HomeAddress is { } h && !h.Equals(received.Source) ? h : null);
        var ba = new BindingAcknowledgement(status, BindingAcknowledgementFlags.None, sequence, lifetimeUnits);
        bool sent;
        if (kbm.Length == 0)
        {
            sent = Send(ba, envelope);
        }
        else
        {
            sent = SendSigned(ba with { Options = [BindingAuthorizationDataOption.Placeholder] }, envelope, kbm, careOf, home);
        }

        if (sent)
        {
            _baSent++;
        }
    }

    private bool SendSigned(BindingAcknowledgement ba, Ipv6Envelope envelope, byte[] kbm, IPAddress careOf, IPAddress home)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MobilityPackets.MaxPacketLength);
        try
        {
            var us = NodeSecrets.Bytes(envelope.Source);
            var finalDestination = NodeSecrets.Bytes(envelope.RoutingHomeAddress ?? envelope.Destination);
            if (MobilityPackets.TryWrite(ba, envelope, buffer, out int written))
            {
                int length = ba.GetByteCount();
                var mh = buffer.AsSpan(written - length, length);
                if (ReturnRoutability.TrySign(mh, kbm, NodeSecrets.Bytes(careOf), us, us, finalDestination)
                    && _sender.TrySend(buffer.AsSpan(0, written)))
                {
                    return true;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return SendFailed(ba.Type, envelope.Destination);
    }

    // RFC 6275 9.3.3: to the offending packet's source, only if it is unicast, at a limited rate.
    private CorrespondentOutcome SendBindingError(BindingErrorStatus status, IPAddress us, IPAddress destination, IPAddress? home, DateTimeOffset now)
    {
        if (!IsUnicast(destination) || !IsUnicast(us))
        {
            return Drop(CorrespondentDrop.NotUnicast, destination);
        }

        if (!_bindingErrors.TryAcquire(destination, now))
        {
            _beLimited++;
            CorrespondentLog.BindingErrorRateLimited(_logger, destination);
            return CorrespondentOutcome.BindingErrorRateLimited;
        }

        var homeAddress = home ?? IPAddress.IPv6Any;
        if (!Send(new BindingError(status, homeAddress), new Ipv6Envelope(us, destination)))
        {
            return CorrespondentOutcome.SendFailed;
        }

        _beSent++;
        CorrespondentLog.BindingErrorSent(_logger, status, destination, homeAddress);
        return CorrespondentOutcome.BindingErrorSent;
    }

    private bool Send(MobilityMessage message, Ipv6Envelope envelope) =>
        MobilityPackets.Send(_sender, message, envelope) || SendFailed(message.Type, envelope.Destination);

    private bool SendFailed(MobilityHeaderType type, IPAddress destination)
    {
        _sendFailures++;
        CorrespondentLog.SendFailed(_logger, type, destination);
        return false;
    }

    private CorrespondentOutcome Drop(CorrespondentDrop reason, IPAddress? source)
    {
        _drops[(int)reason]++;
        CorrespondentLog.Dropped(_logger, source, reason);
        return CorrespondentOutcome.Dropped;
    }

    private static bool IsUnicast(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6
        && !address.IsIPv6Multicast
        && !address.Equals(IPAddress.IPv6Any)
        && !address.Equals(IPAddress.IPv6Loopback);

    // RFC 6275 9.5.1: a home address (and a care-of address) must be unicast routable, so not link-local.
    private static bool IsUnicastRoutable(IPAddress address) => IsUnicast(address) && !address.IsIPv6LinkLocal;
}
