using Microsoft.Extensions.DependencyInjection;
using Shisa.DataPlane.Bus;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.MovementDetection;

/// <summary>
/// The movement detector (SHISA's babymdd): watches the mobile node's egress interfaces for carrier and global
/// IPv6 address changes and publishes MovementInfo (MIPM_MD_INFO) on the bus: a new care-of address, the return
/// home, the loss of the care-of address. Netlink on Linux; polling as the fallback. With methods <c>ra</c>,
/// <c>nud</c> or <c>dna</c> it also speaks Neighbor Discovery on each egress interface (<see cref="RouterDetection"/>):
/// an RS at once on link-up, routers lost by their advertised interval or by failed probes, links confirmed by DNA.
/// </summary>
public sealed class MovementDetectorModule : IRoleModule, IDetectionSource
{
    public const string ModuleName = "movement_detector";

    /// <summary>Detections remembered for the status page's breakdown; the oldest go first.</summary>
    public const int MaxDetections = 32;

    private readonly Func<ModuleContext, INetworkWatcher>? _watcherFactory;
    private readonly Func<string, INeighborDiscoveryLink?>? _linkFactory;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Interface> _interfaces = new(StringComparer.Ordinal);
    private readonly Queue<Detection> _detections = new();
    private ModuleContext? _context;
    private MovementDetectorSection _methods = MovementDetectorSection.Default;
    private MovementDecider? _decider;
    private INetworkWatcher? _watcher;
    private MobilitySubscription? _dadResults;
    private ITimer? _timer;
    private long _started;
    private NetworkSnapshot _last = NetworkSnapshot.Empty;
    private bool _stopped;

    public MovementDetectorModule()
    {
    }

    /// <summary>For tests: the watcher to use instead of netlink or polling, and the Neighbor Discovery links (null: none).</summary>
    internal MovementDetectorModule(Func<ModuleContext, INetworkWatcher> watcherFactory, Func<string, INeighborDiscoveryLink?>? linkFactory = null)
    {
        _watcherFactory = watcherFactory;
        _linkFactory = linkFactory ?? (_ => null);
    }

    public string Name => ModuleName;

    public IReadOnlyList<Role> Provides { get; } = [Role.MovementDetector];

    /// <summary>Adds the movement detector to <paramref name="catalog"/> as the provider of <see cref="Role.MovementDetector"/>.</summary>
    public static ModuleCatalog Register(ModuleCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.Add(ModuleName, [Role.MovementDetector], static (services, _) => services.AddMovementDetector());
    }

    /// <summary>Where the detector thinks the node is attached.</summary>
    public Attachment Current
    {
        get
        {
            lock (_gate)
            {
                return _decider?.Current ?? Attachment.None;
            }
        }
    }

    public IReadOnlyList<Detection> GetDetections()
    {
        lock (_gate)
        {
            return [.. _detections];
        }
    }

    public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var section = context.MobileNode;
        _methods = context.Profile.MovementDetector ?? MovementDetectorSection.Default;
        _context = context;
        _started = context.TimeProvider.GetTimestamp();
        _decider = new MovementDecider(section.HomeAddress, section.HomePrefixLength, section.Interfaces, _methods.Uses(MovementDetectionMethod.Link),
            eachUplink: section.MultipleCareOf);
        _timer = context.TimeProvider.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = _watcherFactory?.Invoke(context) ?? CreateWatcher(context);
        MovementDetectorLog.Started(context.Logger, string.Join(", ", section.Interfaces), _watcher.Kind,
            string.Join(", ", _methods.Methods.Select(m => m.ToString().ToLowerInvariant())),
            new Prefix(section.HomeAddress, section.HomePrefixLength).ToString());
        _watcher.Start(OnChanged);

        // The data plane probes each new care-of address while it is in use (RFC 4429); a Dad(Fail) means another
        // node holds it: the data plane withdraws it, the decider stops using it.
        _dadResults = context.Subscribe(MessageKinds.Dad, purpose: "dad");
        _ = Task.Run(() => ReadDadResultsAsync(_dadResults));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watcher?.Dispose();
        _dadResults?.Dispose();
        lock (_gate)
        {
            _stopped = true;
            _timer?.Dispose();
            foreach (var watched in _interfaces.Values)
            {
                watched.Link?.Dispose();
            }

            _interfaces.Clear();
        }

        return Task.CompletedTask;
    }

    private static INetworkWatcher CreateWatcher(ModuleContext context)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return new NetlinkWatcher(context.Logger);
            }
            catch (Exception e) when (e is IOException or DllNotFoundException or EntryPointNotFoundException)
            {
                MovementDetectorLog.NetlinkUnavailable(context.Logger, e.Message);
            }
        }

        return new PollingWatcher(context.TimeProvider, context.Logger);
    }

    private async Task ReadDadResultsAsync(MobilitySubscription results)
    {
        try
        {
            while (await results.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (results.Reader.TryRead(out var envelope))
                {
                    if (envelope.Message is Dad { Message: DadMessage.Fail } failed)
                    {
                        OnDuplicate(failed);
                    }
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            // stopped
        }
    }

    /// <summary>Another node holds a care-of address (its DAD failed): never use it; choose again.</summary>
    internal void OnDuplicate(Dad failed)
    {
        lock (_gate)
        {
            if (_stopped || _decider is null)
            {
                return;
            }

            int index = failed.InterfaceIndex != 0 ? failed.InterfaceIndex
                : _last.Links.FirstOrDefault(l => l.Name == failed.InterfaceName)?.Index ?? 0;
            if (_decider.Refuse(index, failed.Address))
            {
                MovementDetectorLog.DuplicateCareOfAddress(_context!.Logger, failed.Address.ToString(), failed.InterfaceName);
                Decide();
                Reschedule();
            }
        }
    }

    private bool SpeaksNeighborDiscovery =>
        _methods.Uses(MovementDetectionMethod.Ra) || _methods.Uses(MovementDetectionMethod.Nud) || _methods.Uses(MovementDetectionMethod.Dna);

    private TimeSpan Now => _context!.TimeProvider.GetElapsedTime(_started);

    private void OnChanged(NetworkSnapshot snapshot)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _last = snapshot;
            foreach (var watched in _interfaces.Values)
            {
                // The kernel has a formed address now (ours, or SLAAC's from the router's advertisement): it reports it.
                foreach (var address in watched.Formed.Keys.Where(a => snapshot.Addresses.Any(x => x.InterfaceIndex == watched.Index && x.Address.Equals(a))).ToList())
                {
                    watched.Formed.Remove(address);
                }
            }

            foreach (var link in snapshot.Links.Where(l => _context!.MobileNode.Interfaces.Contains(l.Name)))
            {
                var watched = Watch(link);
                if (link.Up != watched.Up)
                {
                    watched.Up = link.Up;
                    if (link.Up)
                    {
                        watched.Breakdown = new PendingDetection(_context!.TimeProvider.GetUtcNow(), "link-up");
                        Act(watched, watched.Detection.OnLinkUp(Now));
                    }
                    else
                    {
                        watched.Formed.Clear();
                        watched.Detection.OnLinkDown();
                        watched.ForgottenAtLinkDown = _methods.Uses(MovementDetectionMethod.Link); // the decider's carrier-loss Scan
                    }
                }
            }

            Decide();
            Reschedule();
        }
    }

    private Interface Watch(LinkState link)
    {
        if (!_interfaces.TryGetValue(link.Name, out var watched))
        {
            watched = new Interface(link.Name, link.Index, new RouterDetection(_methods));
            _interfaces[link.Name] = watched;
        }

        watched.Index = link.Index;
        if (watched.Link is null && link.Up && SpeaksNeighborDiscovery)
        {
            watched.Link = OpenLink(link.Name);
            watched.Link?.Start(
                (router, advertisement, receivedAt) => OnNeighborDiscovery(watched, "RA", receivedAt, d => d.OnRouterAdvertisement(router, advertisement, Now)),
                (target, solicited, receivedAt) => OnNeighborDiscovery(watched, "NA", receivedAt, d => d.OnNeighborAdvertisement(target, solicited, Now)));
        }

        return watched;
    }

    private INeighborDiscoveryLink? OpenLink(string name)
    {
        if (_linkFactory is not null)
        {
            return _linkFactory(name);
        }

        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return new NeighborDiscoveryLink(name, _context!.Logger);
        }
        catch (IOException e)
        {
            MovementDetectorLog.NeighborDiscoveryUnavailable(_context!.Logger, name, e.Message);
            return null;
        }
    }

    private void OnNeighborDiscovery(Interface watched, string message, DateTimeOffset? receivedAt, Func<RouterDetection, IReadOnlyList<DetectionAction>> input)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (watched.Breakdown is { SolicitedAt: { } solicited, AnsweredAt: null } pending)
            {
                // When the kernel took it in: it may have made the address from this RA (and we reported it) before
                // this thread read it. Never before the solicitation (clocks of different sources).
                var now = _context!.TimeProvider.GetUtcNow();
                pending.AnsweredAt = receivedAt is { } at && at >= solicited && at <= now ? at : now;
                pending.AnsweredBy = message;
                if (pending.Reported)
                {
                    Answered(watched.Name, pending);
                }
            }

            Act(watched, input(watched.Detection));
            Decide();
            Reschedule();
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            var now = Now;
            foreach (var watched in _interfaces.Values)
            {
                if (watched.Detection.NextDeadline is { } due && due <= now)
                {
                    Act(watched, watched.Detection.OnTimer(now));
                }
            }

            Decide();
            Reschedule();
        }
    }

    private void Act(Interface watched, IReadOnlyList<DetectionAction> actions)
    {
        var context = _context!;
        foreach (var action in actions)
        {
            switch (action)
            {
                case SendRouterSolicitation:
                    bool rs = watched.Link?.TrySendRouterSolicitation() ?? false;
                    Solicited(watched, rs);
                    MovementDetectorLog.Solicited(context.Logger, "RS", "ff02::2", watched.Name, rs);
                    break;
                case SendNeighborSolicitation ns:
                    bool sent = watched.Link?.TrySendNeighborSolicitation(ns.Router) ?? false;
                    Solicited(watched, sent);
                    MovementDetectorLog.Solicited(context.Logger, "NS", ns.Router.ToString(), watched.Name, sent);
                    break;
                case RouterLost lost:
                    MovementDetectorLog.RouterLost(context.Logger, lost.Router.ToString(), watched.Name, lost.By);
                    watched.Formed.Clear();
                    _decider!.Forget(watched.Index, lost.Prefixes, _last);
                    if (!watched.ForgottenAtLinkDown)
                    {
                        // A move with the carrier up. What the lost router's advertisements taught the kernel is stale
                        // (MIPM_MD_SCAN): its default route would keep outer packets going to a router that is not there.
                        if (watched.Breakdown is null or { Reported: true })
                        {
                            watched.Breakdown = new PendingDetection(context.TimeProvider.GetUtcNow(), "router lost");
                        }

                        context.Publish(new MovementInfo(MovementCommand.Scan, null, watched.Name, watched.Index, false));
                    }

                    // else: method link forgot that link at the carrier loss already; forgetting again now would also
                    // throw away what the new link's first advertisement just configured.
                    watched.ForgottenAtLinkDown = false;
                    break;
                case LinkConfirmed confirmed:
                    watched.ForgottenAtLinkDown = false;
                    MovementDetectorLog.LinkConfirmed(context.Logger, confirmed.Router.ToString(), watched.Name, confirmed.By);
                    _decider!.Confirm(watched.Index, confirmed.Prefixes);
                    if (_decider.Current is { Kind: AttachmentKind.Away, Address: { } inUse } current && current.InterfaceIndex == watched.Index)
                    {
                        watched.Detection.Held(inUse); // the address may have come before the router's first RA was heard
                    }

                    foreach (var remembered in confirmed.Remembered ?? [])
                    {
                        // RFC 6059 5.5: back on a known link, what the node had there is used at once, not after an RA.
                        if (!_last.Addresses.Any(a => a.InterfaceIndex == watched.Index && a.Address.Equals(remembered.Address)))
                        {
                            watched.Formed[remembered.Address] = new FormedCareOfAddress(confirmed.Router, remembered.PrefixLength, remembered.ValidLifetime, remembered.PreferredLifetime);
                        }
                    }

                    break;
            }
        }
    }

    private void Decide()
    {
        var context = _context!;
        var before = _decider!.Current;
        foreach (var reported in _decider.Update(WithFormedAddresses(_last)))
        {
            var info = reported;
            _interfaces.TryGetValue(info.InterfaceName, out var watched);
            if (info is { Command: MovementCommand.NewCareOfAddress, CareOfAddress: { } careOf } && watched is not null)
            {
                watched.Detection.Held(careOf);
                if (watched.Formed.TryGetValue(careOf, out var formed))
                {
                    info = info with { Formed = formed }; // the data plane puts it on the interface
                }
            }

            MovementDetectorLog.Moved(context.Logger, before.Kind.ToString(), _decider.Current.Kind.ToString(), info.Command.ToString(),
                info.CareOfAddress?.ToString() ?? "-", info.InterfaceName);
            var reportedAt = context.TimeProvider.GetUtcNow(); // before the publish: the mobile node acts on it at once
            context.Publish(info);
            if (info is { Command: MovementCommand.NewCareOfAddress or MovementCommand.ReturnedHome, CareOfAddress: { } address })
            {
                Remember(info.InterfaceName, address, reportedAt);
            }
        }
    }

    // The kernel's addresses plus those DNA formed and the kernel has not reported yet: the decider chooses among both.
    private NetworkSnapshot WithFormedAddresses(NetworkSnapshot snapshot)
    {
        if (_interfaces.Values.All(w => w.Formed.Count == 0))
        {
            return snapshot;
        }

        List<InterfaceAddress> addresses = [.. snapshot.Addresses];
        foreach (var watched in _interfaces.Values)
        {
            addresses.AddRange(watched.Formed.Select(f => new InterfaceAddress(watched.Index, f.Key, f.Value.PrefixLength, AddressFlags.None, AddressScope.Universe)));
        }

        return snapshot with { Addresses = addresses };
    }

    private void Solicited(Interface watched, bool sent)
    {
        if (sent && watched.Breakdown is { SolicitedAt: null } pending)
        {
            pending.SolicitedAt = _context!.TimeProvider.GetUtcNow();
        }
    }

    // The breakdown of this move for the status page: what happened on the interface since its carrier came.
    private void Remember(string interfaceName, System.Net.IPAddress address, DateTimeOffset now)
    {
        var pending = _interfaces.TryGetValue(interfaceName, out var watched) ? watched.Breakdown : null;
        _detections.Enqueue(new Detection(interfaceName, address, pending?.StartedAt ?? now, pending?.StartedBy ?? "report",
            pending?.SolicitedAt, pending?.AnsweredAt, pending?.AnsweredBy, now));
        while (_detections.Count > MaxDetections)
        {
            _detections.Dequeue();
        }

        // Kept: the same move may report again (the address churns while the old link's state is forgotten).
        if (pending is not null)
        {
            pending.Reported = true;
        }
    }

    // The move was reported before its answer was read: the detection it made gets the answer.
    private void Answered(string interfaceName, PendingDetection pending)
    {
        var detections = _detections.ToArray();
        _detections.Clear();
        foreach (var d in detections)
        {
            _detections.Enqueue(d.InterfaceName == interfaceName && d.StartedAt == pending.StartedAt && d.AnsweredAt is null && pending.AnsweredAt <= d.ReportedAt
                ? d with { AnsweredAt = pending.AnsweredAt, AnsweredBy = pending.AnsweredBy }
                : d);
        }
    }

    private void Reschedule()
    {
        TimeSpan? next = null;
        foreach (var watched in _interfaces.Values)
        {
            if (watched.Detection.NextDeadline is { } due && (next is null || due < next))
            {
                next = due;
            }
        }

        if (next is { } at)
        {
            var wait = at - Now;
            _timer!.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private sealed class Interface(string name, int index, RouterDetection detection)
    {
        public string Name { get; } = name;

        public int Index { get; set; } = index;

        public RouterDetection Detection { get; } = detection;

        public INeighborDiscoveryLink? Link { get; set; }

        public bool Up { get; set; }

        /// <summary>Method link published a Scan for this interface at its last carrier loss; no router loss since.</summary>
        public bool ForgottenAtLinkDown { get; set; }

        /// <summary>Addresses DNA gave back (RFC 6059) that the kernel does not have yet; at most one per remembered prefix.</summary>
        public Dictionary<System.Net.IPAddress, FormedCareOfAddress> Formed { get; } = [];

        /// <summary>The latest move on this interface, from its link-up or router loss; null before the first.</summary>
        public PendingDetection? Breakdown { get; set; }
    }

    private sealed class PendingDetection(DateTimeOffset startedAt, string startedBy)
    {
        public DateTimeOffset StartedAt { get; } = startedAt;

        public string StartedBy { get; } = startedBy;

        public bool Reported { get; set; }

        public DateTimeOffset? SolicitedAt { get; set; }

        public DateTimeOffset? AnsweredAt { get; set; }

        public string? AnsweredBy { get; set; }
    }
}

/// <summary>Registration of the movement detector module (DESIGN 4).</summary>
public static class MovementDetectorServiceCollectionExtensions
{
    /// <summary>Registers <see cref="MovementDetectorModule"/> as a loaded role module.</summary>
    public static IServiceCollection AddMovementDetector(this IServiceCollection services) => services.AddRoleModule<MovementDetectorModule>();
}
