using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.State;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.Correspondent;

/// <summary>
/// The correspondent node role (SHISA's cnd): feeds a <see cref="CorrespondentNode"/> with the Mobility Header
/// packets the data plane receives, the Binding Error hints of the bus, and its timer. One lock serializes the
/// three; the node itself is a plain synchronous state machine.
/// </summary>
public sealed class CorrespondentModule : IRoleModule, IModuleCounters, IModuleTimers
{
    public const string ModuleName = "correspondent_node";

    private long _eventsFailed;
    private readonly Lock _gate = new();
    private readonly CorrespondentOptions? _options;
    private readonly RestoredState _restored;
    private ModuleContext? _context;
    private ILogger _logger = NullLogger.Instance;
    private CorrespondentNode? _node;
    private ITimer? _timer;
    private DateTimeOffset _scheduledFor = DateTimeOffset.MaxValue;
    private SignallingSubscription? _signalling;
    private MobilitySubscription? _hints;
    private CancellationTokenSource? _stopping;
    private Task _pumps = Task.CompletedTask;

    /// <param name="options">Fixed options; derived from the profile at start when null.</param>
    /// <param name="restored">What the state directory's journal kept across a restart; the correspondent takes back its bindings.</param>
    public CorrespondentModule(CorrespondentOptions? options = null, RestoredState? restored = null)
    {
        _options = options;
        _restored = restored ?? RestoredState.Empty;
    }

    public string Name => ModuleName;

    public IReadOnlyList<Role> Provides { get; } = [Role.CorrespondentNode];

    /// <summary>The running node, for tests that install known secrets; null when not started.</summary>
    internal CorrespondentNode? Node => _node;

    /// <summary>Adds the correspondent node to <paramref name="catalog"/> as the provider of its role.</summary>
    public static ModuleCatalog Register(ModuleCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.Add(ModuleName, [Role.CorrespondentNode], static (services, _) => services.AddCorrespondent());
    }

    public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_node is not null)
        {
            throw new InvalidOperationException("the correspondent node is started already");
        }

        var options = _options ?? CorrespondentOptions.FromProfile(context.Profile);
        _context = context;
        _logger = context.Logger;
        try
        {
            _node = new CorrespondentNode(options, context.PacketSender, m => context.Publish(m), context.TimeProvider.GetUtcNow(), logger: context.Logger);
            _stopping = new CancellationTokenSource();
            _signalling = context.Signalling.Subscribe(context.ModuleName, SignallingKinds.MobilityHeader);
            _hints = context.Subscribe(MessageKinds.BeHint, purpose: "hints");
            _timer = context.TimeProvider.CreateTimer(static state => ((CorrespondentModule)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        catch
        {
            // A module whose start throws is not stopped: undo the partial start here (IRoleModule).
            _timer?.Dispose();
            _hints?.Dispose();
            _signalling?.Dispose();
            _stopping?.Dispose();
            (_node, _timer, _hints, _signalling, _stopping) = (null, null, null, null, null);
            throw;
        }

        lock (_gate)
        {
            if (_restored.BindingCache.Count > 0)
            {
                _node.Restore(_restored.BindingCache, _restored.RestoredAt, context.TimeProvider.GetUtcNow());
            }

            Reschedule();
        }

        var token = _stopping.Token;
        var signalling = _signalling.Reader;
        var hints = _hints.Reader;
        _pumps = Task.WhenAll(
            Task.Run(() => PumpAsync(signalling, (node, packet, now) => node.Receive(packet, now), token), CancellationToken.None),
            Task.Run(() => PumpAsync(hints, (node, envelope, now) => { if (envelope.Message is BeHint hint) { node.OnBindingErrorHint(hint, now); } }, token), CancellationToken.None));
        CorrespondentLog.Started(_logger, options.RouteOptimization, options.MaxBindings);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_node is null)
        {
            return;
        }

        await (_stopping?.CancelAsync() ?? Task.CompletedTask).ConfigureAwait(false);
        _signalling?.Dispose();
        _hints?.Dispose();
        await _pumps.ConfigureAwait(false);
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        // Stopping removes no binding (DESIGN 5): the data plane keeps them, the journal too, for the next start.
        int kept;
        lock (_gate)
        {
            kept = _node.BindingCount;
            _node = null;
        }

        _stopping?.Dispose();
        CorrespondentLog.Stopped(_logger, kept);
    }

    /// <summary>The node's state for the status page; null when not running.</summary>
    public CorrespondentSnapshot? GetSnapshot()
    {
        lock (_gate)
        {
            return _node?.GetSnapshot(_context!.TimeProvider.GetUtcNow());
        }
    }

    public IReadOnlyList<KeyValuePair<string, long>> GetCounters() =>
        GetSnapshot()?.Counters.ToNamedCounters() is { } counters ? [.. counters, new("cn_events_failed", Interlocked.Read(ref _eventsFailed))] : [];

    /// <summary>
    /// <c>shisa ctl flush</c>: removes the bindings of <paramref name="homeAddress"/> (every binding when null; of
    /// <paramref name="bindingId"/> only when given); the removals go on the bus. Returns what was removed.
    /// </summary>
    public IReadOnlyList<BindingCacheEntry> Flush(System.Net.IPAddress? homeAddress, ushort? bindingId)
    {
        lock (_gate)
        {
            if (_node is null)
            {
                return [];
            }

            IReadOnlyList<BindingCacheEntry> removed;
            if (homeAddress is null)
            {
                var all = _node.GetSnapshot(_context!.TimeProvider.GetUtcNow()).Bindings.Select(b => b.HomeAddress).Distinct().ToList();
                removed = [.. all.SelectMany(h => _node.Flush(h, null))];
            }
            else
            {
                removed = _node.Flush(homeAddress, bindingId);
            }

            Reschedule();
            return removed;
        }
    }

    public IReadOnlyList<ModuleTimer> GetTimers()
    {
        lock (_gate)
        {
            return _node is null ? [] : [.. _node.GetScheduled().Select(t => new ModuleTimer(ModuleName, t.Purpose, t.Due))];
        }
    }

    private async Task PumpAsync<T>(ChannelReader<T> reader, Action<CorrespondentNode, T, DateTimeOffset> handle, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    if (_node is null)
                    {
                        return;
                    }

                    try
                    {
                        handle(_node, item, _context!.TimeProvider.GetUtcNow());
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // One bad input must not end the role; it is logged, counted and the next one handled.
                        Interlocked.Increment(ref _eventsFailed);
                        CorrespondentLog.Failed(_logger, e);
                    }

                    Reschedule();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_node is null)
            {
                return;
            }

            _scheduledFor = DateTimeOffset.MaxValue;
            try
            {
                _node.OnTimer(_context!.TimeProvider.GetUtcNow());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Interlocked.Increment(ref _eventsFailed);
                CorrespondentLog.Failed(_logger, e);
            }

            Reschedule();
        }
    }

    // Under _gate. One timer for the whole node: its next deadline.
    private void Reschedule()
    {
        if (_node is null || _timer is null)
        {
            return;
        }

        var next = _node.NextDeadline;
        if (next == _scheduledFor)
        {
            return;
        }

        _scheduledFor = next;
        var due = next - _context!.TimeProvider.GetUtcNow();
        _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
