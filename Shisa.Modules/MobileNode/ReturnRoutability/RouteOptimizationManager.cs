using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;

namespace Shisa.Modules.MobileNode.ReturnRoutability;

/// <summary>
/// The mobile node's route optimization (SHISA mnd's correspondent side): one <see cref="CorrespondentRegistration"/>
/// per correspondent, started by an RrHint (triangle routing seen) unless policy opts the peer out or it was given up
/// before. A synchronous component like the correspondent node: every input is one call with the current time; its
/// outputs are packets handed to the data plane and binding update list messages on the bus. It reads no clock and
/// arms no timer: whoever drives it asks for <see cref="NextDeadline"/> and calls <see cref="OnTimer"/> then.
/// </summary>
/// <remarks>Not thread-safe: one caller at a time.</remarks>
public sealed class RouteOptimizationManager
{
    private readonly RouteOptimizationOptions _options;
    private readonly IPacketSender _sender;
    private readonly Action<BusMessage> _publish;
    private readonly ILogger _logger;
    private readonly Func<ulong> _cookies;
    private readonly Func<ushort> _sequences;
    private readonly HashSet<IPAddress> _optOut;
    private readonly Dictionary<IPAddress, CorrespondentRegistration> _peers = [];
    private readonly Dictionary<IPAddress, GivenUpCorrespondent> _givenUp = [];
    private readonly Queue<IPAddress> _givenUpOrder = new();
    private IPAddress? _careOf;
    private bool _homeBound;

    private long _rrHints;
    private long _rrHintsOptedOut;
    private long _rrHintsGivenUp;
    private long _rrHintsNotRegistered;
    private long _rrHintsNoRoom;
    private long _hotiSent;
    private long _cotiSent;
    private long _hotReceived;
    private long _cotReceived;
    private long _buSent;
    private long _deregSent;
    private long _retransmissions;
    private long _bound;
    private long _deregistered;
    private long _refused;
    private long _notAuthentic;
    private long _beReceived;
    private long _brrReceived;
    private long _parameterProblems;
    private long _failures;
    private long _gaveUp;
    private long _fromUnknownPeers;
    private long _ignored;
    private long _sendFailures;

    /// <param name="options">Home address, opt-out list, bounds.</param>
    /// <param name="sender">The data plane's send API.</param>
    /// <param name="publish">Publishes on the mobility bus (binding update list add/remove).</param>
    /// <param name="logger">Route optimization's log; none when null.</param>
    /// <param name="cookies">Init cookies; random unless a test scripts them.</param>
    /// <param name="sequences">Each correspondent's first sequence number; random unless a test scripts them.</param>
    public RouteOptimizationManager(
        RouteOptimizationOptions options,
        IPacketSender sender,
        Action<BusMessage> publish,
        ILogger? logger = null,
        Func<ulong>? cookies = null,
        Func<ushort>? sequences = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(publish);
        options.Validate();
        _options = options;
        _sender = sender;
        _publish = publish;
        _logger = logger ?? NullLogger.Instance;
        _cookies = cookies ?? RandomCookie;
        _sequences = sequences ?? (static () => (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1));
        _optOut = [.. options.OptOut];
        RouteOptimizationLog.Started(_logger, options.HomeAddress, _optOut.Count, options.MaxPeers);
    }

    public RouteOptimizationOptions Options => _options;

    /// <summary>When <see cref="OnTimer"/> is next needed; null when no correspondent waits for anything.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            DateTimeOffset? next = null;
            foreach (var machine in _peers.Values)
            {
                if (machine.Deadline is { } deadline && (next is null || deadline < next))
                {
                    next = deadline;
                }
            }

            return next;
        }
    }

    /// <summary>The correspondents never route-optimized with (SHISA's noro list), now.</summary>
    public IReadOnlyCollection<IPAddress> OptOut => _optOut;

    /// <summary>
    /// <c>shisa ctl ro deny</c>: no return routability with <paramref name="peer"/> from now on; a binding with it
    /// under way or held is stopped (deleted where the tokens allow, removed from the binding update list). False
    /// when it was denied already.
    /// </summary>
    public bool Deny(IPAddress peer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (!_optOut.Add(peer))
        {
            return false;
        }

        if (_peers.TryGetValue(peer, out var machine))
        {
            Run(machine, CorrespondentStop.Instance, now);
        }

        return true;
    }

    /// <summary><c>shisa ctl ro allow</c>: the next hint from <paramref name="peer"/> may start return routability. False when it was not denied.</summary>
    public bool Allow(IPAddress peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return _optOut.Remove(peer);
    }

    /// <summary>Each correspondent's next deadline, earliest first (<c>shisa ctl timers</c>).</summary>
    public IReadOnlyList<(IPAddress Peer, string State, DateTimeOffset Due)> Deadlines() =>
        [.. _peers.Values.Where(m => m.Deadline is not null).Select(m => (m.Peer, m.State.Name(), m.Deadline!.Value)).OrderBy(d => d.Item3)];

    /// <summary>True when route optimization with <paramref name="peer"/> was given up for good.</summary>
    public bool IsGivenUp(IPAddress peer) => _givenUp.ContainsKey(peer);

    /// <summary>The machine of <paramref name="peer"/>, for tests and diagnostics; null when none.</summary>
    public CorrespondentRegistration? Find(IPAddress peer) => _peers.GetValueOrDefault(peer);

    /// <summary>
    /// MIPM_RR_HINT: a packet from <paramref name="hint"/>'s peer came through the reverse tunnel. Starts return
    /// routability with it unless it is opted out, given up, already under way, or the home registration is not bound.
    /// </summary>
    public void OnRrHint(RrHint hint, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hint);
        _rrHints++;
        var peer = hint.Peer;
        if (!hint.HomeAddress.Equals(_options.HomeAddress) || !IsCorrespondentAddress(peer))
        {
            _ignored++;
            RouteOptimizationLog.HintIgnored(_logger, peer, $"not for home address {_options.HomeAddress}, or not a unicast correspondent");
            return;
        }

        if (_optOut.Contains(peer))
        {
            _rrHintsOptedOut++;
            RouteOptimizationLog.HintIgnored(_logger, peer, "opted out by policy");
            return;
        }

        if (_givenUp.TryGetValue(peer, out var given))
        {
            _rrHintsGivenUp++;
            RouteOptimizationLog.HintIgnored(_logger, peer, $"given up: {given.Reason}");
            return;
        }

        if (_careOf is null || !_homeBound)
        {
            _rrHintsNotRegistered++;
            RouteOptimizationLog.HintIgnored(_logger, peer, "the home registration is not bound");
            return;
        }

        if (!_peers.TryGetValue(peer, out var machine))
        {
            if (_peers.Count >= _options.MaxPeers && !EvictIdle())
            {
                _rrHintsNoRoom++;
                RouteOptimizationLog.HintIgnored(_logger, peer, $"{_options.MaxPeers} correspondents under way already");
                return;
            }

            machine = new CorrespondentRegistration(peer, _options, _sequences(), _cookies);
            _peers[peer] = machine;
        }

        if (machine.State == CorrespondentRegistrationState.Start)
        {
            Run(machine, new StartRequested(_careOf), now);
        }
    }

    /// <summary>A Mobility Header message from a correspondent: HoT, CoT, BA, BE or BRR.</summary>
    public void Receive(ReceivedMobilityMessage received, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(received);
        CorrespondentEvent? @event = received.Message switch
        {
            HomeTest hot => new HomeTestReceived(hot, received.Source, received.Destination),
            CareOfTest cot => new CareOfTestReceived(cot, received.Source, received.Destination),
            BindingAcknowledgement ack => new AcknowledgementReceived(ack, received),
            BindingError error => new BindingErrorReceived(error, received.Source),
            BindingRefreshRequest => new RefreshRequestReceived(received.Source),
            _ => null,
        };
        switch (@event)
        {
            case HomeTestReceived:
                _hotReceived++;
                break;
            case CareOfTestReceived:
                _cotReceived++;
                break;
            case BindingErrorReceived:
                _beReceived++;
                break;
            case RefreshRequestReceived:
                _brrReceived++;
                break;
            case null:
                _ignored++;
                RouteOptimizationLog.UnknownPeer(_logger, received.Message.Type.ToString(), received.Source);
                return;
        }

        if (!_peers.TryGetValue(received.Source, out var machine))
        {
            _fromUnknownPeers++;
            RouteOptimizationLog.UnknownPeer(_logger, received.Message.Type.ToString(), received.Source);
            return;
        }

        Run(machine, @event, now);
    }

    /// <summary>
    /// An ICMPv6 Parameter Problem: when it refuses our Mobility Header or Home Address option toward a correspondent,
    /// that correspondent cannot do route optimization (RFC 6275 11.3.6) and is given up for good.
    /// </summary>
    public void OnParameterProblem(SignallingPacket packet, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!CorrespondentPackets.TryReadParameterProblem(packet, out var source, out var peer, out string reason))
        {
            _ignored++;
            RouteOptimizationLog.ParameterProblemIgnored(_logger, reason);
            return;
        }

        if (!source!.Equals(_options.HomeAddress) && !source.Equals(_careOf))
        {
            _ignored++;
            RouteOptimizationLog.ParameterProblemIgnored(_logger, $"about a packet from {source}, not from our addresses");
            return;
        }

        if (!_peers.TryGetValue(peer!, out var machine))
        {
            _ignored++;
            RouteOptimizationLog.ParameterProblemIgnored(_logger, $"about a packet to {peer}, no route optimization with it");
            return;
        }

        _parameterProblems++;
        Run(machine, new RouteOptimizationUnsupported(reason), now);
    }

    /// <summary>
    /// A change of the home registration, handed to every correspondent: <see cref="CareOfAddressChanged"/>,
    /// <see cref="HomeRegistrationBound"/>, <see cref="CareOfAddressLost"/> or <see cref="ReturnedHomeLink"/>.
    /// </summary>
    public void OnHomeRegistration(CorrespondentEvent change, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        switch (change)
        {
            case CareOfAddressChanged moved:
                _homeBound = _homeBound && moved.CareOfAddress.Equals(_careOf);
                _careOf = moved.CareOfAddress;
                break;
            case HomeRegistrationBound bound:
                _careOf = bound.CareOfAddress;
                _homeBound = true;
                break;
            case CareOfAddressLost or ReturnedHomeLink:
                _careOf = null;
                _homeBound = false;
                break;
            default:
                throw new ArgumentException($"{change.GetType().Name} is not a change of the home registration", nameof(change));
        }

        foreach (var machine in _peers.Values.ToList())
        {
            Run(machine, change, now);
        }
    }

    /// <summary>Timer expiry: every correspondent whose deadline passed gets its timeout.</summary>
    public void OnTimer(DateTimeOffset now)
    {
        foreach (var machine in _peers.Values.Where(m => m.Deadline <= now).ToList())
        {
            Run(machine, CorrespondentTimeout.Instance, now);
        }
    }

    /// <summary>The mobile node stops: bindings are deleted where the tokens allow, and the data plane forgets them all.</summary>
    public void Stop(DateTimeOffset now)
    {
        _homeBound = false;
        foreach (var machine in _peers.Values.ToList())
        {
            Run(machine, CorrespondentStop.Instance, now);
        }
    }

    public RouteOptimizationStatus GetStatus(DateTimeOffset now)
    {
        var peers = _peers.Values
            .OrderBy(m => m.Peer.ToString(), StringComparer.Ordinal)
            .Select(m => new CorrespondentPeerStatus(
                m.Peer,
                m.State.Name(),
                m.CareOfAddress,
                m.Sequence,
                m.Failures,
                m.HomeTokenReceivedAt is { } home ? now - home : null,
                m.CareOfTokenReceivedAt is { } careOf ? now - careOf : null,
                m.BindingExpires is { } expires ? (expires > now ? expires - now : TimeSpan.Zero) : null,
                m.WaitingForHomeRegistration));
        return new RouteOptimizationStatus(
            _options.HomeAddress,
            _careOf,
            _homeBound,
            new EquatableArray<CorrespondentPeerStatus>(peers),
            new EquatableArray<GivenUpCorrespondent>(_givenUpOrder.Select(p => _givenUp[p])),
            new EquatableArray<IPAddress>(_optOut.OrderBy(p => p.ToString(), StringComparer.Ordinal)),
            GetCounters());
    }

    public RouteOptimizationCounters GetCounters() => new(
        _rrHints, _rrHintsOptedOut, _rrHintsGivenUp, _rrHintsNotRegistered, _rrHintsNoRoom,
        _hotiSent, _cotiSent, _hotReceived, _cotReceived, _buSent, _deregSent, _retransmissions,
        _bound, _deregistered, _refused, _notAuthentic, _beReceived, _brrReceived, _parameterProblems,
        _failures, _gaveUp, _fromUnknownPeers, _ignored, _sendFailures);

    private void Run(CorrespondentRegistration machine, CorrespondentEvent @event, DateTimeOffset now)
    {
        var before = machine.State;
        var actions = machine.Handle(@event, now);
        foreach (var action in actions)
        {
            Execute(machine, action, @event);
        }

        if (machine.State != before)
        {
            RouteOptimizationLog.Transition(_logger, machine.Peer, before.Name(), machine.State.Name());
        }

        if (machine.GaveUpReason is { } reason)
        {
            _peers.Remove(machine.Peer);
            Remember(new GivenUpCorrespondent(machine.Peer, reason, now));
        }
    }

    private void Execute(CorrespondentRegistration machine, CorrespondentAction action, CorrespondentEvent cause)
    {
        var peer = machine.Peer;
        switch (action)
        {
            case SendHomeTestInit hoti:
                _hotiSent++;
                CountRetransmission(hoti.Retransmission);
                RouteOptimizationLog.TestInitSent(_logger, "Home Test Init", peer, hoti.Source, Retransmitted(hoti.Retransmission));
                SendOrCount(CorrespondentPackets.Send(_sender, hoti), "Home Test Init", peer);
                break;
            case SendCareOfTestInit coti:
                _cotiSent++;
                CountRetransmission(coti.Retransmission);
                RouteOptimizationLog.TestInitSent(_logger, "Care-of Test Init", peer, coti.Source, Retransmitted(coti.Retransmission));
                SendOrCount(CorrespondentPackets.Send(_sender, coti), "Care-of Test Init", peer);
                break;
            case SendCorrespondentBindingUpdate bu:
                var request = bu.Request;
                if (request.IsDeregistration)
                {
                    _deregSent++;
                }
                else
                {
                    _buSent++;
                }

                CountRetransmission(bu.Retransmission);
                RouteOptimizationLog.BindingUpdateSent(_logger, peer, request.Sequence, request.Lifetime.TotalSeconds, request.Source, Retransmitted(bu.Retransmission));
                SendOrCount(CorrespondentPackets.Send(_sender, request), "Binding Update", peer);
                break;
            case PublishBindingUpdateList publish:
                _publish(publish.Message);
                break;
            case CorrespondentBound bound:
                _bound++;
                RouteOptimizationLog.Bound(_logger, peer, bound.CareOfAddress, bound.Lifetime.TotalSeconds, bound.Refresh ? " (refresh)" : string.Empty);
                break;
            case CorrespondentDeregistered:
                _deregistered++;
                RouteOptimizationLog.Deregistered(_logger, peer);
                break;
            case CorrespondentRefused refused:
                _refused++;
                RouteOptimizationLog.Refused(_logger, peer, $"{(byte)refused.Status} {refused.Status}");
                break;
            case CorrespondentFailure failure:
                _failures++;
                RouteOptimizationLog.Failure(_logger, peer, failure.Failures, failure.Reason);
                break;
            case CorrespondentGaveUp gaveUp:
                _gaveUp++;
                RouteOptimizationLog.GaveUp(_logger, peer, gaveUp.Reason);
                break;
            case AcknowledgementNotAuthentic notAuthentic:
                _notAuthentic++;
                RouteOptimizationLog.NotAuthentic(_logger, peer, notAuthentic.Reason);
                break;
            case CorrespondentIgnored ignored:
                _ignored++;
                RouteOptimizationLog.Ignored(_logger, peer, cause.GetType().Name, ignored.Reason);
                break;
        }
    }

    private void CountRetransmission(bool retransmission)
    {
        if (retransmission)
        {
            _retransmissions++;
        }
    }

    private void SendOrCount(bool sent, string what, IPAddress peer)
    {
        if (!sent)
        {
            _sendFailures++;
            RouteOptimizationLog.SendFailed(_logger, what, peer);
        }
    }

    // The "never again" memory is bounded: past MaxGivenUp the oldest is forgotten.
    private void Remember(GivenUpCorrespondent peer)
    {
        if (_givenUp.ContainsKey(peer.Peer))
        {
            return;
        }

        while (_givenUp.Count >= _options.MaxGivenUp && _givenUpOrder.TryDequeue(out var oldest))
        {
            _givenUp.Remove(oldest);
        }

        _givenUp[peer.Peer] = peer;
        _givenUpOrder.Enqueue(peer.Peer);
    }

    private bool EvictIdle()
    {
        foreach (var machine in _peers.Values)
        {
            if (machine.IsIdle)
            {
                _peers.Remove(machine.Peer);
                return true;
            }
        }

        return false;
    }

    private bool IsCorrespondentAddress(IPAddress peer) =>
        peer.AddressFamily == AddressFamily.InterNetworkV6
        && !peer.IsIPv6Multicast
        && !peer.IsIPv6LinkLocal
        && !peer.Equals(IPAddress.IPv6Any)
        && !peer.Equals(IPAddress.IPv6Loopback)
        && !peer.Equals(_options.HomeAddress);

    private static string Retransmitted(bool retransmission) => retransmission ? ", retransmission" : string.Empty;

    private static ulong RandomCookie()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}
