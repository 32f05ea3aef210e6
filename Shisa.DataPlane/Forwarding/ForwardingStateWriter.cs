using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Dsmip;
using Shisa.DataPlane.Engine;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.State;

namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// The one writer of forwarding state (DESIGN 5): it owns the binding tables, the appliance's nftables table, and
/// every route, policy rule and TUN address the appliance installs. It applies bus messages through
/// one handler per message type and role into the tables and a <see cref="DesiredKernelState"/>, then syncs the
/// kernel and the journal once per batch, and only then releases the signalling packets queued behind that batch
/// (<see cref="OrderedSignallingSender"/>): "installed and durable before the BA leaves" is an ordering of its queue.
/// At start and every <see cref="DataPlaneEngineOptions.ReconcileInterval"/> it reads back the kernel's tagged state
/// and converges it (leftovers of a crash removed, anything deleted behind its back re-added).
/// </summary>
/// <remarks>
/// Applying and reconciling run under one lock, from the bus thread and the reconcile timer; nothing else writes
/// kernel forwarding state. Signalling never writes it: modules publish, this applies.
/// </remarks>
public sealed class ForwardingStateWriter : IDisposable
{
    private readonly DataPlaneEngineOptions _options;
    private readonly IKernel _kernel;
    private readonly IStateJournal? _journal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<Dad> _onDadRequest;
    private readonly Action<MovementInfo> _onMovement;
    private readonly Lock _gate = new();
    private readonly List<StateHandler>[] _handlers = new List<StateHandler>[32];
    private readonly List<StateHandler> _allHandlers = [];
    private readonly string? _tunnel;
    private readonly List<MobilityMessage> _batch = [];
    private OrderedSignallingSender? _sender;
    private bool _tableInstalled;
    private long _applied;
    private long _ignored;
    private long _failures;
    private long _reconciles;

    /// <param name="options">The engine's options: which node types' handlers are registered, their tables and addresses.</param>
    /// <param name="kernel">Where the desired kernel state is installed (routes, rules, addresses, the nftables table).</param>
    /// <param name="tunnel">The TUN device's name (null when no role needs one).</param>
    /// <param name="journal">Where applied bindings are made durable; null: none.</param>
    /// <param name="time">The clock; an applied batch is journalled with its time.</param>
    /// <param name="logger">The writer's log (<see cref="ForwardingLog"/>).</param>
    /// <param name="announce">Sends unsolicited Neighbor Advertisements on the home link for newly bound home addresses.</param>
    /// <param name="onDadRequest">Where DAD requests go (the engine's detector).</param>
    /// <param name="onMovement">Called after a movement message is applied (the engine re-reads interface addresses).</param>
    public ForwardingStateWriter(
        DataPlaneEngineOptions options,
        IKernel kernel,
        string? tunnel,
        IStateJournal? journal,
        TimeProvider time,
        ILogger logger,
        Action<IReadOnlyList<UInt128>>? announce = null,
        Action<Dad>? onDadRequest = null,
        Action<MovementInfo>? onMovement = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _kernel = kernel;
        _tunnel = tunnel;
        _journal = journal;
        _time = time;
        _logger = logger;
        _onDadRequest = onDadRequest ?? (_ => { });
        _onMovement = onMovement ?? (_ => { });
        Tables = new ForwardingTables(options);
        string? homeLink = options.IsHomeAgent ? options.ResolvedHomeInterface : null;
        Desired = new DesiredKernelState(tunnel is null ? [] : [tunnel]);

        if (options.NeedsTunnel && tunnel is null)
        {
            throw new ArgumentException("the node's roles need a TUN device", nameof(tunnel));
        }

        if (Tables.BindingCache is { } cache)
        {
            Register(new HomeAgentBindings(cache, Desired, tunnel!, homeLink, options.HomeAgentAddress, announce ?? (_ => { }), logger));
        }

        if (Tables.CorrespondentCache is { } correspondentCache)
        {
            Register(new CorrespondentBindings(correspondentCache, Desired, tunnel!, options.CorrespondentTable, logger));
        }

        if (Tables.BindingUpdateList is not null)
        {
            Register(new MobileNodeBindings(
                Tables, Desired, kernel, tunnel!, options.PolicyTable, options.PolicyPriority, options.HomeAddress,
                [.. options.PortInterfaces()],
                (options.NodeTypes & NodeType.MobileRouter) != 0 ? [.. options.Interfaces.Where(i => i.Link == EngineLinkKind.MobileNetwork).Select(i => i.Name)] : [],
                new UplinkRoutes(Desired, kernel, [.. options.EgressInterfaces], options.UplinkTableBase, options.UplinkPriority, logger),
                logger));
        }
    }

    public ForwardingTables Tables { get; }

    /// <summary>
    /// Home agent with RFC 5555's UDP tunnel: the UDP endpoint journalled with a binding cache entry whose care-of
    /// address is IPv4-mapped (<see cref="UdpTunnel.EndpointToJournal"/>), so a restart brings the tunnel back with
    /// the binding. Set before <see cref="Start"/>; null: none.
    /// </summary>
    public Func<BindingCacheEntry, Ipv4Endpoint?>? UdpEndpointOf { get; set; }

    /// <summary>What the kernel should hold (tests and the status page read it).</summary>
    public DesiredKernelState Desired { get; }

    /// <summary>Bus messages applied so far.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>
    /// Installs the nftables table, the sysctls and the rules the roles need whatever the bindings, then reconciles
    /// the kernel: what a previous run left behind (a crash, kill -9) is removed before anything is applied.
    /// </summary>
    public void Start()
    {
        lock (_gate)
        {
            _kernel.ReplaceTable(_options.NftTableName, new MobilityFilter
            {
                HomeAgentsAnycast = _options.IsHomeAgent && _options.HomePrefix is { } prefix ? HomeAgentsAnycast.For(prefix) : null,
            });
            _tableInstalled = true;
            ForwardingLog.TableInstalled(_logger, _options.NftTableName);
            if (_options.IsCorrespondent)
            {
                // Bound home addresses are routed into the TUN in a table of their own, for every packet but ours.
                Desired.Require(new KernelRule(null, _options.CorrespondentTable, _options.CorrespondentPriority, _options.OwnPacketMark));
            }

            ReconcileLocked();
        }
    }

    /// <summary>The modules' send API over <paramref name="sender"/>, ordered behind this writer's applies.</summary>
    public OrderedSignallingSender CreateSender(IPacketSender sender, Func<long> mark)
    {
        _sender = new OrderedSignallingSender(sender, mark);
        return _sender;
    }

    /// <summary>
    /// Applies one batch of bus messages, then syncs the kernel and makes the journal durable, then releases the
    /// signalling packets that waited for messages up to <paramref name="consumedThrough"/>.
    /// </summary>
    public void ApplyBatch(IReadOnlyList<MobilityMessage> messages, long consumedThrough)
    {
        ArgumentNullException.ThrowIfNull(messages);
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            foreach (var message in messages)
            {
                ApplyOne(message, now);
            }

            SyncLocked();
            try
            {
                _journal?.Flush();
            }
            catch (IOException exception)
            {
                _failures++;
                ForwardingLog.KernelFailed(_logger, "journal: " + exception.Message);
            }
        }

        _sender?.Release(consumedThrough);
    }

    /// <summary>Applies one message at once (tests; the bus loop uses <see cref="Run"/>).</summary>
    public void Apply(MobilityMessage message) => ApplyBatch([message], 0);

    /// <summary>
    /// The bus loop, on a thread of its own: drains what the subscription holds into one batch, applies it, and waits
    /// for more, until the subscription completes.
    /// </summary>
    public void Run(MobilitySubscription subscription, Func<bool> stopping)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(stopping);
        while (subscription.WaitToRead() && !stopping())
        {
            _batch.Clear();
            // Everything queued, in one batch: a resync (a flush, then the current entries) then changes nothing in the kernel.
            while (subscription.Reader.TryRead(out var envelope))
            {
                _batch.Add(envelope.Message);
            }

            ApplyBatch(_batch, subscription.ConsumedThrough);
        }
    }

    /// <summary>Reads back the kernel's tagged state and converges it to the desired state; returns how many items it repaired.</summary>
    public int Reconcile()
    {
        lock (_gate)
        {
            return ReconcileLocked();
        }
    }

    /// <summary>Counters for the status page and /metrics.</summary>
    public void AddCounters(IDictionary<string, long> counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        counters["dataplane_bindings_cache"] = Tables.BindingCache?.Count ?? 0;
        counters["dataplane_bindings_update_list"] = Tables.BindingUpdateList?.Count ?? 0;
        counters["dataplane_bindings_correspondent_list"] = Tables.CorrespondentList?.Count ?? 0;
        counters["dataplane_bindings_correspondent_cache"] = Tables.CorrespondentCache?.Count ?? 0;
        counters["dataplane_bindings_rejected"] = Tables.Rejected;
        counters["dataplane_bus_applied"] = Applied;
        counters["dataplane_bus_ignored"] = Interlocked.Read(ref _ignored);
        lock (_gate)
        {
            counters["dataplane_kernel_errors"] = _failures + Desired.Failures;
            counters["dataplane_kernel_repaired_removed"] = Desired.RepairedRemoved;
            counters["dataplane_kernel_repaired_added"] = Desired.RepairedAdded;
            counters["dataplane_kernel_reconciles"] = _reconciles;
            counters["dataplane_kernel_routes"] = Desired.RouteCount;
            counters["dataplane_kernel_rules"] = Desired.RuleCount;
            counters["dataplane_kernel_addresses"] = Desired.AddressCount;
        }

        counters["dataplane_signalling_queued"] = _sender?.Queued ?? 0;
        counters["dataplane_signalling_queue_dropped"] = _sender?.Dropped ?? 0;
    }

    /// <summary>
    /// Removes what this writer installed in the kernel (routes, rules, addresses, the nftables table) and sends what
    /// still waited. The bindings themselves stay in the journal.
    /// </summary>
    public void Stop()
    {
        lock (_gate)
        {
            Desired.RemoveAll(_kernel);
            if (_tableInstalled)
            {
                Try(() => _kernel.DeleteTable(_options.NftTableName), "nftables table ip6 " + _options.NftTableName);
                _tableInstalled = false;
            }
        }

        _sender?.ReleaseAll();
    }

    public void Dispose() => Stop();

    private void Register(StateHandler handler)
    {
        _allHandlers.Add(handler);
        foreach (var type in handler.Types)
        {
            (_handlers[(int)type] ??= []).Add(handler);
        }
    }

    private void ApplyOne(MobilityMessage message, DateTimeOffset now)
    {
        try
        {
            bool applied = false;
            switch (message)
            {
                case Dad dad when !dad.IsResult:
                    _onDadRequest(dad);
                    applied = true;
                    break;
                default:
                    foreach (var handler in _handlers[(int)message.Type] ?? [])
                    {
                        applied |= handler.Apply(message);
                    }

                    break;
            }

            if (message is MovementInfo movement)
            {
                _onMovement(movement);
            }

            if (applied)
            {
                _journal?.Append(message, now, message is BindingCacheAdd add && UdpEndpointOf is { } udp ? udp(add.Entry) : null);
            }
            else
            {
                Interlocked.Increment(ref _ignored);
            }
        }
        catch (KernelException exception)
        {
            _failures++;
            ForwardingLog.KernelFailed(_logger, exception.Message);
        }
#pragma warning disable CA1031 // a bug in applying one message must not stop every later one from being applied
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _failures++;
            ForwardingLog.ApplyFailed(_logger, message.Type.ToString(), exception);
        }

        Interlocked.Increment(ref _applied);
    }

    private void SyncLocked()
    {
        long before = Desired.Failures;
        Desired.Sync(_kernel);
        if (Desired.Failures != before)
        {
            ForwardingLog.KernelFailed(_logger, Desired.LastFailure ?? "?");
        }

        Synced();
    }

    private void Synced()
    {
        foreach (var handler in _allHandlers)
        {
            handler.Synced();
        }
    }

    private int ReconcileLocked()
    {
        int repaired = Desired.Reconcile(_kernel);
        Synced();
        _reconciles++;
        if (repaired > 0)
        {
            ForwardingLog.Reconciled(_logger, repaired, Desired.RepairedRemoved, Desired.RepairedAdded);
        }

        return repaired;
    }

    private void Try(Action action, string what)
    {
        try
        {
            action();
        }
        catch (KernelException exception)
        {
            _failures++;
            ForwardingLog.CleanupFailed(_logger, what, exception.Message);
        }
    }
}
