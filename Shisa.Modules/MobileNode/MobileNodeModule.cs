using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.State;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Dsmip;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;
using Shisa.Modules.MobileNode.ReturnRoutability;

namespace Shisa.Modules.MobileNode;

/// <summary>
/// The mobile node (SHISA's mnd): registers the care-of addresses the movement detector reports with the home
/// agent, keeps the binding fresh, deregisters at home and on stop. It publishes binding update list entries; the
/// data plane tunnels. The registration itself is the pure <see cref="HomeRegistration"/> machine; this module
/// feeds it bus messages, received signalling and timer expiries one at a time, and carries out its actions.
/// </summary>
public sealed class MobileNodeModule : IRoleModule, IModuleCounters, IModuleTimers, IHandoverSource
{
    public const string ModuleName = "mobile_node";

    private const int MaxHandovers = 32;
    private const int MaxPrefixes = 16;

    private readonly Lock _gate = new();
    private readonly ushort? _initialSequence;
    private readonly IHomeRegistrationExtension? _extension;
    private readonly RestoredState _restored = RestoredState.Empty;
    private readonly Dictionary<BindingAcknowledgementStatus, long> _acksByStatus = [];
    private readonly Queue<HandoverRecord> _handovers = new();
    private readonly Dictionary<Prefix, HomePrefixStatus> _prefixes = [];
    private ModuleContext? _context;
    private HomeRegistration? _machine;
    private MnHaCredentials? _credentials;
    private ITimer? _timer;
    private long _timerGeneration;
    private DateTimeOffset? _timerDue;
    private DateTimeOffset? _prefixTimerDue;
    private List<IPAddress> _operatorDenied = [];
    private ITimer? _prefixTimer;
    private long _prefixTimerGeneration;
    private ushort _prefixSolicitation;
    private int _prefixAttempts;
    private TimeSpan _prefixBackoff;
    private bool _prefixOutstanding;
    private TaskCompletionSource _idle = NewIdleSignal();
    private MobilitySubscription? _bus;
    private SignallingSubscription? _signalling;
    private CancellationTokenSource? _stop;
    private Task _loops = Task.CompletedTask;
    private Ipv4UplinkWatcher? _ipv4Uplinks;
    private RouteOptimizationDriver? _routeOptimization;

    private long _buSent;
    private long _retransmissions;
    private long _sendFailures;
    private long _acksIgnored;
    private long _eventsFailed;
    private long _authFailures;
    private long _replayFailures;

    // RFC 4285 6: the timestamps of the last Binding Updates sent (a BA echoes the one it answers), and the offset
    // to the home agent's clock learnt from a 144 (MIPV6-ID-MISMATCH), which carries the home agent's time.
    private readonly ulong[] _sentTimestamps = new ulong[4];
    private int _nextTimestamp;
    private TimeSpan _clockOffset;
    private long _brrs;
    private long _handoverCount;
    private long _haadSent;
    private long _mpsSent;
    private long _mpaReceived;

    public MobileNodeModule()
    {
    }

    /// <summary>With the extension (at most one) that shapes the home registration, e.g. the mobile router's; the
    /// constructor dependency injection uses (an empty list when no extension is registered).</summary>
    /// <param name="extensions">The registered home registration extensions: none or one.</param>
    /// <param name="restored">What the state directory's journal kept: a home registration that outlived a crash.</param>
    [Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructor]
    public MobileNodeModule(IEnumerable<IHomeRegistrationExtension> extensions, RestoredState? restored = null)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        _restored = restored ?? RestoredState.Empty;
        var list = extensions.Distinct().ToList();
        if (list.Count > 1)
        {
            throw new ArgumentException($"the mobile node takes one home registration extension, not {list.Count}", nameof(extensions));
        }

        _extension = list.SingleOrDefault();
    }

    /// <summary>For tests: a fixed first sequence number instead of a random one.</summary>
    internal MobileNodeModule(ushort initialSequence, IHomeRegistrationExtension? extension = null, RestoredState? restored = null)
    {
        _initialSequence = initialSequence;
        _extension = extension;
        _restored = restored ?? RestoredState.Empty;
    }

    public string Name => ModuleName;

    /// <summary>
    /// Correspondents never to route-optimize with (SHISA's noro list), beside the profile's
    /// <c>no_route_optimization</c>.
    /// </summary>
    internal EquatableArray<IPAddress> NoRouteOptimization { get; init; }

    /// <summary>Adds the mobile node to <paramref name="catalog"/> as the provider of <see cref="Role.MobileNode"/>.</summary>
    public static ModuleCatalog Register(ModuleCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.Add(ModuleName, [Role.MobileNode], static (services, _) => services.AddMobileNode());
    }

    public IReadOnlyList<Role> Provides { get; } = [Role.MobileNode];

    public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var section = context.MobileNode;
        _context = context;
        _credentials = section.Spi is { } spi && section.Key.Count > 0 ? new MnHaCredentials(spi, section.Key.Items.ToArray()) : null;
        ushort initial = _initialSequence ?? (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        var mobileRouter = _extension?.Attach(context);
        _machine = new HomeRegistration(new HomeRegistrationOptions(section.HomeAddress, section.HomePrefixLength, section.HomeAgent, section.Lifetime, initial,
            MobileRouter: mobileRouter, OptimisticHandoff: section.OptimisticHandoff,
            UplinkBindingIds: section.MultipleCareOf ? section.BindingIdOf : null));
        _prefixSolicitation = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        MobileNodeLog.Started(context.Logger, section.HomeAddress, section.HomeAgent?.ToString() ?? "discover", section.Lifetime.TotalSeconds,
            _credentials is null ? "none" : $"RFC 4285 SPI {_credentials.Spi}");

        if (section.RouteOptimization)
        {
            // The operator's denials (shisa ctl ro deny) outlive the process, beside the profile's list.
            try
            {
                _operatorDenied = [.. RouteOptimizationPolicyFile.Load(context.Node.StateDirectory, out int skipped)];
                if (skipped > 0)
                {
                    MobileNodeLog.PolicyLinesSkipped(context.Logger, skipped, Path.Combine(context.Node.StateDirectory, RouteOptimizationPolicyFile.FileName));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                MobileNodeLog.PolicyUnreadable(context.Logger, Path.Combine(context.Node.StateDirectory, RouteOptimizationPolicyFile.FileName), e.Message);
            }

            // RFC 6275 11.6, 11.7.2: bindings with correspondents, started by RrHints; see ReturnRoutability/.
            var manager = new RouteOptimizationManager(
                RouteOptimizationDriver.OptionsFor(section.HomeAddress, section.Lifetime,
                    new EquatableArray<IPAddress>([.. NoRouteOptimization.Union(section.NoRouteOptimization).Union(_operatorDenied)])),
                context.PacketSender, m => context.Publish(m), context.Logger);
            _routeOptimization = new RouteOptimizationDriver(manager, context.TimeProvider, _gate, context.Logger);
        }

        if (_restored.BindingUpdateList.FirstOrDefault(e => e.IsHomeRegistration && e.HomeAddress.Equals(section.HomeAddress)) is { } restored)
        {
            // Before movement is read: the restored binding is what the next MovementInfo is compared with.
            lock (_gate)
            {
                Dispatch(new RegistrationRestored(restored, _restored.RestoredAt), context.TimeProvider.GetUtcNow());
            }
        }

        _stop = new CancellationTokenSource();
        _bus = context.Subscribe(MessageKinds.MovementInfo | MessageKinds.HomeHint | (section.RouteOptimization ? MessageKinds.RrHint : MessageKinds.None));
        _signalling = context.Signalling.Subscribe(ModuleName, SignallingKinds.MobilityHeader | SignallingKinds.HomeAgentDiscovery | SignallingKinds.MobilePrefix
            | (section.RouteOptimization ? SignallingKinds.ParameterProblem : SignallingKinds.None));
        _loops = Task.WhenAll(
            Task.Run(() => ReadBusAsync(_bus, _stop.Token), CancellationToken.None),
            Task.Run(() => ReadSignallingAsync(_signalling, _stop.Token), CancellationToken.None));
        if (section.HomeAgentIpv4 is not null)
        {
            // RFC 5555: an IPv4 care-of address where no IPv6 one is (Dsmip/Ipv4Uplinks), registered like any other.
            _ipv4Uplinks = new Ipv4UplinkWatcher(context.TimeProvider, [.. section.Interfaces], OnIpv4CareOf);
        }
        return Task.CompletedTask;
    }

    /// <summary>Deregisters a live binding (RFC 6275 11.5.5 / 11.7.1, lifetime 0), waits briefly for the BA, stops.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var context = _context ?? throw new InvalidOperationException("not started");
        Task idle;
        lock (_gate)
        {
            Dispatch(StopRequested.Instance, context.TimeProvider.GetUtcNow());
            idle = _idle.Task;
        }

        if (!idle.IsCompleted)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(MobileIpv6Constants.StopDeregistrationWait, context.TimeProvider, wait.Token);
            await Task.WhenAny(idle, delay).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
            lock (_gate)
            {
                if (_machine!.State != HomeRegistrationState.Idle)
                {
                    MobileNodeLog.StopUnacknowledged(context.Logger);
                    Dispatch(Abandon.Instance, context.TimeProvider.GetUtcNow());
                }
            }
        }

        _ipv4Uplinks?.Dispose();
        await _stop!.CancelAsync().ConfigureAwait(false);
        _bus?.Dispose();
        _signalling?.Dispose();
        try
        {
            await _loops.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        lock (_gate)
        {
            _timer?.Dispose();
            _prefixTimer?.Dispose();
            _timerGeneration++;
            _prefixTimerGeneration++;
        }

        _routeOptimization?.Dispose();

        _stop.Dispose();
    }

    /// <summary>The registration's state, counters, recent handovers and home prefixes, taken at one instant.</summary>
    public MobileNodeStatus GetStatus()
    {
        lock (_gate)
        {
            var machine = _machine;
            var now = _context?.TimeProvider.GetUtcNow() ?? DateTimeOffset.MinValue;
            var counters = new MobileNodeCounters(
                _buSent,
                _retransmissions,
                _sendFailures,
                new EquatableArray<KeyValuePair<string, long>>(_acksByStatus.OrderBy(p => p.Key).Select(p => new KeyValuePair<string, long>($"{(byte)p.Key} {p.Key}", p.Value))),
                _acksIgnored,
                _authFailures,
                _brrs,
                _handoverCount,
                _haadSent,
                _mpsSent,
                _mpaReceived);
            return new MobileNodeStatus(
                machine?.State.Name() ?? "STOPPED",
                machine?.HomeAddress ?? IPAddress.IPv6None,
                machine?.HomeAgent,
                machine?.CareOfAddress,
                machine?.InterfaceName,
                machine?.AtHome ?? false,
                machine?.Sequence ?? 0,
                machine?.BindingExpires is { } expires ? (expires > now ? expires - now : TimeSpan.Zero) : null,
                counters,
                new EquatableArray<HandoverRecord>(_handovers),
                new EquatableArray<HomePrefixStatus>(_prefixes.Values.OrderBy(p => p.Prefix.ToString(), StringComparer.Ordinal)));
        }
    }

    /// <summary>Route optimization's correspondents, given-up peers and counters; null when route_optimization is off.</summary>
    public RouteOptimizationStatus? GetRouteOptimizationStatus()
    {
        lock (_gate)
        {
            return _routeOptimization?.GetStatus(_context!.TimeProvider.GetUtcNow());
        }
    }

    /// <summary>
    /// <c>shisa ctl reregister</c>: a Binding Update to the home agent now, as a Binding Refresh Request would ask.
    /// Null when it went out; otherwise why not (the registration is not bound).
    /// </summary>
    public string? ReRegister()
    {
        lock (_gate)
        {
            if (_machine is not { } machine || _context is null || _stop is not { IsCancellationRequested: false })
            {
                return "the mobile node is not running";
            }

            if (machine.State != HomeRegistrationState.Bound)
            {
                return $"the home registration is {machine.State.Name()}, not bound: nothing to refresh";
            }

            Dispatch(RefreshRequested.Instance, _context.TimeProvider.GetUtcNow());
            return null;
        }
    }

    /// <summary>The route optimization policy (profile's and operator's denials); null when route_optimization is off.</summary>
    public RouteOptimizationPolicy? GetRouteOptimizationPolicy()
    {
        lock (_gate)
        {
            if (_routeOptimization is null || _context is null)
            {
                return null;
            }

            var fromProfile = NoRouteOptimization.Union(_context.MobileNode.NoRouteOptimization).ToHashSet();
            return new RouteOptimizationPolicy(
                [.. fromProfile.OrderBy(p => p.ToString(), StringComparer.Ordinal)],
                [.. _operatorDenied.Where(p => !fromProfile.Contains(p)).OrderBy(p => p.ToString(), StringComparer.Ordinal)]);
        }
    }

    /// <summary>
    /// <c>shisa ctl ro deny|allow</c>: changes the operator's list, saves it in the state directory, then applies it
    /// (a denied correspondent's binding is stopped). Nothing changes when the answer is not
    /// <see cref="PolicyChange.Changed"/>. <see cref="IOException"/> when the list cannot be saved (nothing changed).
    /// </summary>
    public PolicyChange ChangeRouteOptimizationPolicy(IPAddress peer, bool deny)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_gate)
        {
            if (_routeOptimization is not { } driver || _context is not { } context)
            {
                return PolicyChange.Off;
            }

            bool fromProfile = NoRouteOptimization.Contains(peer) || context.MobileNode.NoRouteOptimization.Contains(peer);
            if (fromProfile)
            {
                return deny ? PolicyChange.Unchanged : PolicyChange.FromProfile;
            }

            bool denied = _operatorDenied.Contains(peer);
            if (denied == deny)
            {
                return deny ? PolicyChange.Unchanged : PolicyChange.NotDenied;
            }

            if (deny && _operatorDenied.Count >= RouteOptimizationPolicyFile.MaxEntries)
            {
                return PolicyChange.Full;
            }

            List<IPAddress> next = deny ? [.. _operatorDenied, peer] : [.. _operatorDenied.Where(p => !p.Equals(peer))];
            try
            {
                RouteOptimizationPolicyFile.Save(context.Node.StateDirectory, next);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new IOException(e.Message, e);
            }

            _operatorDenied = next;
            var now = context.TimeProvider.GetUtcNow();
            _ = deny ? driver.Deny(peer, now) : driver.Allow(peer);
            MobileNodeLog.PolicyChanged(context.Logger, peer, deny ? "denied" : "allowed");
            return PolicyChange.Changed;
        }
    }

    /// <summary>The registration timer, the mobile prefix solicitation's, and each correspondent's, earliest first.</summary>
    public IReadOnlyList<ModuleTimer> GetTimers()
    {
        lock (_gate)
        {
            var timers = new List<ModuleTimer>();
            if (_timerDue is { } due && _machine is { } machine)
            {
                timers.Add(new ModuleTimer(ModuleName, $"home registration {machine.State.Name()}", due));
            }

            if (_prefixTimerDue is { } prefixDue && _prefixOutstanding)
            {
                timers.Add(new ModuleTimer(ModuleName, "mobile prefix solicitation", prefixDue));
            }

            foreach (var (peer, state, peerDue) in _routeOptimization?.Manager.Deadlines() ?? [])
            {
                timers.Add(new ModuleTimer(ModuleName, $"route optimization {peer} {state}", peerDue));
            }

            return [.. timers.OrderBy(t => t.Due)];
        }
    }

    /// <summary>The home registration's counters (mn_*) and route optimization's (ro_*, when it is on).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> GetCounters() =>
        [.. GetStatus().Counters.ToNamedCounters(), new("mn_events_failed", Interlocked.Read(ref _eventsFailed)), new("mn_replay_failures", Interlocked.Read(ref _replayFailures)), .. _routeOptimization?.GetCounters() ?? []];

    /// <summary>
    /// Runs one event's handling; an unexpected exception is logged and counted and the loop goes on with the next
    /// event (the machine's state is changed only by completed steps). Under <c>_gate</c>.
    /// </summary>
    private void Guarded<T>(T item, Action<T> handle)
    {
        try
        {
            handle(item);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _eventsFailed);
            MobileNodeLog.EventFailed(_context!.Logger, e);
        }
    }

    /// <summary>The recent handovers (at most 32), oldest first, for the status page's timeline.</summary>
    public IReadOnlyList<Handover> GetHandovers()
    {
        lock (_gate)
        {
            return [.. _handovers.Select(h => new Handover(h.PreviousCareOfAddress, h.CareOfAddress, h.InterfaceName, h.MovedAt, h.BoundAt))];
        }
    }

    private static TaskCompletionSource NewIdleSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task ReadBusAsync(MobilitySubscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var envelope in subscription.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    Guarded(envelope, OnBusMessage);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            MobileNodeLog.LoopFailed(_context!.Logger, e);
        }
    }

    /// <summary>
    /// RFC 4285 6: an authenticated BA carries the Mobility Message Replay Protection option with the timestamp of the
    /// BU it answers; one without it, or with a timestamp this node did not send recently, is dropped (a replay).
    /// Status 144 (MIPV6-ID-MISMATCH) carries the home agent's own time instead: the node resynchronises (its next
    /// BUs carry local time plus the learnt offset) and the registration retries as for any refusal.
    /// </summary>
    private bool CheckReplayProtection(BindingAcknowledgement ack, DateTimeOffset now)
    {
        var logger = _context!.Logger;
        if (ack.Options.Find<MobilityMessageReplayProtectionOption>() is not { } replay)
        {
            _replayFailures++;
            MobileNodeLog.ReplayCheckFailed(logger, ack.Sequence, "no replay protection option");
            return false;
        }

        if (ack.Status == BindingAcknowledgementStatus.MobileNodeIdentifierMismatch)
        {
            _clockOffset = NtpTimestamp.ToDateTimeOffset(replay.Timestamp) - now;
            MobileNodeLog.ClockResynchronised(logger, _clockOffset.TotalMilliseconds);
            return true;
        }

        if (Array.IndexOf(_sentTimestamps, replay.Timestamp) < 0 || replay.Timestamp == 0)
        {
            _replayFailures++;
            MobileNodeLog.ReplayCheckFailed(logger, ack.Sequence, "timestamp of no recent Binding Update");
            return false;
        }

        return true;
    }

    private void OnBusMessage(BusEnvelope envelope)
    {
        if (envelope.Message is RrHint hint)
        {
            _routeOptimization?.OnRrHint(hint, _context!.TimeProvider.GetUtcNow());
            return;
        }

        if (ToEvent(envelope.Message) is { } @event)
        {
            // The movement's own time, so that a handover's duration starts when it was reported.
            Dispatch(@event, envelope.Timestamp);
        }
    }

    private void OnIpv4CareOf(Ipv4CareOf? previous, Ipv4CareOf? current)
    {
        var context = _context!;
        MobileNodeLog.Movement(context.Logger, current is null ? "Ipv4CareOfAddressRemoved" : "NewIpv4CareOfAddress",
            (current ?? previous)?.Ipv4Address.ToString() ?? "-", (current ?? previous)?.InterfaceName ?? "-");
        lock (_gate)
        {
            var now = context.TimeProvider.GetUtcNow();
            if (current is not null)
            {
                Guarded(new MovedTo(current.MappedAddress, current.InterfaceName), e => Dispatch(e, now));
            }
            else if (previous is not null)
            {
                Guarded(new CareOfAddressLost(previous.MappedAddress), e => Dispatch(e, now));
            }
        }
    }

    private HomeRegistrationEvent? ToEvent(Shisa.DataPlane.Bus.MobilityMessage message)
    {
        var context = _context!;
        var section = context.MobileNode;
        var homePrefix = new Prefix(section.HomeAddress, section.HomePrefixLength);
        switch (message)
        {
            case MovementInfo info when info.HomeAddress is null || info.HomeAddress.Equals(section.HomeAddress):
                MobileNodeLog.Movement(context.Logger, info.Command.ToString(), info.CareOfAddress?.ToString() ?? "-", info.InterfaceName);
                return info.Command switch
                {
                    MovementCommand.ReturnedHome => new ReturnedHome(info.InterfaceName),
                    MovementCommand.NewCareOfAddress when info.OnHomeLink || (info.CareOfAddress is { } c && homePrefix.Contains(c)) => new ReturnedHome(info.InterfaceName),
                    MovementCommand.NewCareOfAddress when info.CareOfAddress is not null => new MovedTo(info.CareOfAddress, info.InterfaceName),
                    MovementCommand.CareOfAddressRemoved when info.CareOfAddress is not null => new CareOfAddressLost(info.CareOfAddress),
                    _ => null,
                };
            case HomeHint hint when hint.HomePrefix.Contains(section.HomeAddress):
                return new ReturnedHome(hint.InterfaceName);
            default:
                return null;
        }
    }

    private async Task ReadSignallingAsync(SignallingSubscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var packet in subscription.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    Guarded(packet, OnSignalling);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            MobileNodeLog.LoopFailed(_context!.Logger, e);
        }
    }

    private void OnSignalling(SignallingPacket packet)
    {
        var context = _context!;
        var now = context.TimeProvider.GetUtcNow();
        if ((packet.Kind & SignallingKinds.MobilityHeader) != 0)
        {
            if (!MobilityPackets.TryRead(packet, out var received, out var refusal, out var error) || received is null)
            {
                MobileNodeLog.PacketDropped(context.Logger, $"{refusal} {error}");
                return;
            }

            if (_routeOptimization is not null && !received.Source.Equals(_machine!.HomeAgent)
                && received.Message is HomeTest or CareOfTest or BindingAcknowledgement or BindingError or BindingRefreshRequest)
            {
                // Signalling from a correspondent, not from the home agent: return routability's.
                _routeOptimization.Receive(received, now);
                return;
            }

            switch (received.Message)
            {
                case BindingAcknowledgement ack:
                    _acksByStatus[ack.Status] = _acksByStatus.GetValueOrDefault(ack.Status) + 1;
                    if (_credentials is not null && !MobileNodePackets.VerifyAcknowledgement(received, _credentials))
                    {
                        _authFailures++;
                        MobileNodeLog.AuthenticationFailed(context.Logger, received.Source);
                        return;
                    }

                    if (_credentials is not null && !CheckReplayProtection(ack, now))
                    {
                        return;
                    }

                    Dispatch(new BaReceived(ack, received.Source, received.Destination, received.RoutingHomeAddress), now);
                    break;
                case BindingRefreshRequest:
                    _brrs++;
                    Dispatch(new BrrReceived(received.Source), now);
                    break;
                default:
                    MobileNodeLog.PacketDropped(context.Logger, $"{received.Message.Type} from {received.Source} is not for the mobile node");
                    break;
            }

            return;
        }

        if ((packet.Kind & SignallingKinds.ParameterProblem) != 0)
        {
            _routeOptimization?.OnParameterProblem(packet, now);
            return;
        }

        if (!TryReadIcmp(packet, out var source, out var haadReply, out var advertisement, out string? reason))
        {
            MobileNodeLog.PacketDropped(context.Logger, reason ?? "not ICMPv6");
        }
        else if (haadReply is not null)
        {
            Dispatch(new HaadReplyReceived(haadReply, source!), now);
        }
        else if (advertisement is not null)
        {
            OnPrefixAdvertisement(advertisement, source!, now);
        }
    }

    private static bool TryReadIcmp(
        SignallingPacket packet,
        out IPAddress? source,
        out HomeAgentAddressDiscoveryReply? reply,
        out MobilePrefixAdvertisement? advertisement,
        out string? reason)
    {
        source = null;
        reply = null;
        advertisement = null;
        reason = null;
        if (!Ipv6Packet.TryParse(packet.Packet.Span, out var ip) || ip.UpperLayerProtocol != IpProtocol.Icmpv6
            || !Icmpv6Header.TryRead(ip.UpperLayer, out var icmp))
        {
            reason = "not an ICMPv6 packet";
            return false;
        }

        if (!icmp.VerifyChecksum(ip.PseudoSource, ip.PseudoDestination))
        {
            reason = "bad ICMPv6 checksum";
            return false;
        }

        source = ip.Header.SourceAddress;
        if (HomeAgentAddressDiscoveryReply.TryParse(icmp.Message, out reply) || MobilePrefixAdvertisement.TryParse(icmp.Message, out advertisement))
        {
            return true;
        }

        reason = $"ICMPv6 type {icmp.Type} is not for the mobile node";
        return false;
    }

    // RFC 6275 11.4.3: learn the home prefixes' lifetimes from the home agent's advertisements.
    private void OnPrefixAdvertisement(MobilePrefixAdvertisement advertisement, IPAddress source, DateTimeOffset now)
    {
        var context = _context!;
        var machine = _machine!;
        if (!source.Equals(machine.HomeAgent))
        {
            MobileNodeLog.PacketDropped(context.Logger, $"Mobile Prefix Advertisement from {source}, not the home agent");
            return;
        }

        _mpaReceived++;
        if (_prefixOutstanding && advertisement.Identifier == _prefixSolicitation)
        {
            _prefixOutstanding = false;
            _prefixTimerGeneration++;
            _prefixTimer?.Dispose();
        }

        foreach (var info in advertisement.Prefixes)
        {
            if (info.Prefix.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || info.PrefixLength > 128)
            {
                continue;
            }

            var prefix = new Prefix(info.Prefix, info.PrefixLength);
            string change = !_prefixes.TryGetValue(prefix, out var known) ? "new"
                : known.ValidLifetimeS != info.ValidLifetime || known.PreferredLifetimeS != info.PreferredLifetime ? "lifetimes changed"
                : "unchanged";
            if (known is null && _prefixes.Count >= MaxPrefixes)
            {
                continue;
            }

            _prefixes[prefix] = new HomePrefixStatus(prefix, info.ValidLifetime, info.PreferredLifetime, now);
            MobileNodeLog.PrefixLearnt(context.Logger, prefix.ToString(), change, info.ValidLifetime, info.PreferredLifetime);
            if (prefix.Contains(machine.HomeAddress) && info.ValidLifetime != uint.MaxValue)
            {
                Dispatch(new HomePrefixLifetime(TimeSpan.FromSeconds(info.ValidLifetime)), now);
            }
        }
    }

    // Callers hold _gate.
    private void Dispatch(HomeRegistrationEvent @event, DateTimeOffset now)
    {
        var machine = _machine!;
        var logger = _context!.Logger;
        var before = machine.State;
        var actions = machine.Handle(@event, now);
        foreach (var action in actions)
        {
            Execute(action, @event, now);
        }

        _routeOptimization?.OnHomeRegistration(@event, actions, machine, now);

        if (machine.State != before)
        {
            MobileNodeLog.Transition(logger, before.Name(), machine.State.Name());
        }

        if (machine.State == HomeRegistrationState.Idle)
        {
            _idle.TrySetResult();
        }
        else if (_idle.Task.IsCompleted)
        {
            _idle = NewIdleSignal();
        }
    }

    private void Execute(HomeRegistrationAction action, HomeRegistrationEvent cause, DateTimeOffset now)
    {
        var context = _context!;
        var logger = context.Logger;
        switch (action)
        {
            case SendBindingUpdate send:
                var request = send.Request;
                _buSent++;
                if (send.Retransmission)
                {
                    _retransmissions++;
                }

                MobileNodeLog.BindingUpdateSent(logger, request.Sequence, request.Lifetime.TotalSeconds, request.Source, request.Destination,
                    request.HomeAddressOption?.ToString() ?? "none", send.Retransmission ? ", retransmission" : string.Empty);
                var stamped = context.TimeProvider.GetUtcNow() + _clockOffset;
                if (_credentials is not null)
                {
                    _sentTimestamps[_nextTimestamp++ % _sentTimestamps.Length] = NtpTimestamp.FromDateTimeOffset(stamped);
                }

                if (!MobileNodePackets.SendBindingUpdate(context.PacketSender, request, _credentials, stamped, send.Ahead))
                {
                    _sendFailures++;
                    MobileNodeLog.SendFailed(logger, request.Sequence);
                }

                break;
            case SendHaadRequest haad:
                _haadSent++;
                MobileNodeLog.HaadRequestSent(logger, haad.Identifier, haad.Destination, haad.Retransmission ? ", retransmission" : string.Empty);
                if (!MobileNodePackets.SendHaadRequest(context.PacketSender, haad, haad.MobileRouterSupport))
                {
                    _sendFailures++;
                }

                break;
            case SolicitPrefixes solicit:
                _prefixSolicitation++;
                _prefixAttempts = 0;
                _prefixBackoff = MobileIpv6Constants.InitialSolicitTimer;
                _prefixOutstanding = true;
                SendPrefixSolicitation(solicit.CareOfAddress, solicit.HomeAgent);
                break;
            case PublishMessage publish:
                context.Publish(publish.Message);
                break;
            case ArmTimer arm:
                ArmRegistrationTimer(arm.After);
                break;
            case CancelTimer:
                _timerDue = null;
                _timerGeneration++;
                _timer?.Dispose();
                _timer = null;
                break;
            case Registered registered when registered.Refresh:
                MobileNodeLog.Refreshed(logger, registered.CareOfAddress, registered.GrantedLifetime.TotalSeconds);
                break;
            case Registered registered:
                _handoverCount++;
                _handovers.Enqueue(new HandoverRecord(registered.PreviousCareOfAddress, registered.CareOfAddress, _machine!.InterfaceName, registered.MovedAt, registered.BoundAt));
                while (_handovers.Count > MaxHandovers)
                {
                    _handovers.Dequeue();
                }

                MobileNodeLog.Registered(logger, registered.CareOfAddress, _machine.HomeAgent!, registered.GrantedLifetime.TotalSeconds,
                    registered.PreviousCareOfAddress?.ToString() ?? "none", registered.Duration.TotalMilliseconds);
                break;
            case ReturnedHomeDeregistered home:
                _handoverCount++;
                _handovers.Enqueue(new HandoverRecord(home.PreviousCareOfAddress, _machine!.HomeAddress, _machine.InterfaceName, home.MovedAt, home.DeregisteredAt));
                while (_handovers.Count > MaxHandovers)
                {
                    _handovers.Dequeue();
                }

                break;
            case Refused refused:
                MobileNodeLog.Refused(logger, $"{(byte)refused.Status} {refused.Status}", refused.GaveUp ? "; giving up until the next movement" : "; retrying");
                break;
            case Ignored ignored:
                if (cause is BaReceived)
                {
                    _acksIgnored++;
                }

                MobileNodeLog.Ignored(logger, cause.GetType().Name, ignored.Reason);
                break;
        }

        if (_extension is not null)
        {
            try
            {
                _extension.Observe(action);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The extension's trouble must not stop the registration.
                MobileNodeLog.ExtensionFailed(logger, e);
            }
        }
    }

    private void ArmRegistrationTimer(TimeSpan after)
    {
        var context = _context!;
        long generation = ++_timerGeneration;
        _timer?.Dispose();
        _timerDue = context.TimeProvider.GetUtcNow() + after;
        _timer = context.TimeProvider.CreateTimer(OnRegistrationTimer, generation, after, Timeout.InfiniteTimeSpan);
    }

    private void OnRegistrationTimer(object? state)
    {
        lock (_gate)
        {
            // A timer re-armed or cancelled since this one was set is stale.
            if (state is long generation && generation == _timerGeneration && _stop is { IsCancellationRequested: false })
            {
                _timerDue = null;

                // A timer callback's exception would end the process: guarded like every other event.
                Guarded(RegistrationTimeout.Instance, timeout => Dispatch(timeout, _context!.TimeProvider.GetUtcNow()));
            }
        }
    }

    // RFC 6275 11.4.2: from the care-of address with a HAO, retransmitted from INITIAL_SOLICIT_TIMER, doubling.
    private void SendPrefixSolicitation(IPAddress careOf, IPAddress homeAgent)
    {
        var context = _context!;
        _mpsSent++;
        MobileNodeLog.PrefixSolicitationSent(context.Logger, _prefixSolicitation, homeAgent);
        if (!MobileNodePackets.SendPrefixSolicitation(context.PacketSender, _prefixSolicitation, careOf, _machine!.HomeAddress, homeAgent))
        {
            _sendFailures++;
        }

        long generation = ++_prefixTimerGeneration;
        _prefixTimer?.Dispose();
        _prefixTimerDue = context.TimeProvider.GetUtcNow() + _prefixBackoff;
        _prefixTimer = context.TimeProvider.CreateTimer(OnPrefixTimer, generation, _prefixBackoff, Timeout.InfiniteTimeSpan);
    }

    private void OnPrefixTimer(object? state)
    {
        lock (_gate)
        {
            Guarded(state, OnPrefixTimerLocked);
        }
    }

    private void OnPrefixTimerLocked(object? state)
    {
        var machine = _machine!;
        if (state is not long generation || generation != _prefixTimerGeneration || !_prefixOutstanding
            || _stop is not { IsCancellationRequested: false })
        {
            return;
        }

        _prefixTimerDue = null;
        if (++_prefixAttempts > MobileIpv6Constants.MobilePrefixSolicitationRetries
            || machine.State is not (HomeRegistrationState.Bound or HomeRegistrationState.WaitAckRefresh)
            || machine.CareOfAddress is null || machine.HomeAgent is null)
        {
            _prefixOutstanding = false;
            return;
        }

        _prefixBackoff += _prefixBackoff;
        SendPrefixSolicitation(machine.CareOfAddress, machine.HomeAgent);
    }
}

/// <summary>Correspondents route optimization is denied with: by the profile (fixed) and by the operator (persisted).</summary>
public sealed record RouteOptimizationPolicy(EquatableArray<IPAddress> FromProfile, EquatableArray<IPAddress> ByOperator);

/// <summary>What <see cref="MobileNodeModule.ChangeRouteOptimizationPolicy"/> did.</summary>
public enum PolicyChange
{
    Changed,

    /// <summary>Denied already.</summary>
    Unchanged,

    /// <summary>Allow of a correspondent that is not denied.</summary>
    NotDenied,

    /// <summary>Allow of a correspondent the profile's no_route_optimization denies.</summary>
    FromProfile,

    /// <summary>route_optimization is off in the profile.</summary>
    Off,

    /// <summary>The operator's list holds <see cref="RouteOptimizationPolicyFile.MaxEntries"/> already.</summary>
    Full,
}
