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
/// packets the data plane receives, the Binding Error hints of the bus, and its deadlines, through the role host
/// (<see cref="RoleMachineHost{TInput}"/>: one lock, one timer); the node itself is a plain synchronous state machine.
/// </summary>
public sealed class CorrespondentModule : IRoleModule, IModuleCounters, IModuleTimers
{
    public const string ModuleName = "correspondent_node";

    private readonly CorrespondentOptions? _options;
    private readonly RestoredState _restored;
    private ILogger _logger = NullLogger.Instance;
    private CorrespondentNode? _node;
    private RoleMachineHost<CorrespondentInput>? _host;
    private SignallingSubscription? _signalling;
    private MobilitySubscription? _hints;

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
        _logger = context.Logger;
        var node = new CorrespondentNode(options, context.PacketSender, m => context.Publish(m), context.TimeProvider.GetUtcNow(), logger: context.Logger);
        try
        {
            _signalling = context.Signalling.Subscribe(context.ModuleName, SignallingKinds.MobilityHeader);
            _hints = context.Subscribe(MessageKinds.BeHint, purpose: "hints");
        }
        catch
        {
            // A module whose start throws is not stopped: undo the partial start here (IRoleModule).
            _hints?.Dispose();
            _signalling?.Dispose();
            (_hints, _signalling) = (null, null);
            throw;
        }

        // The host (and its timer) only once nothing more can fail.
        var host = new RoleMachineHost<CorrespondentInput>(ModuleName, node, CorrespondentInput.DeadlineReached.Instance, context.TimeProvider, context.Logger);
        (_node, _host) = (node, host);
        if (_restored.BindingCache.Count > 0)
        {
            host.Dispatch(new CorrespondentInput.Restored(_restored.BindingCache, _restored.RestoredAt));
        }

        host.Listen(_signalling.Reader, static packet => new CorrespondentInput.Signalling(packet));
        host.Listen(_hints.Reader, static envelope => envelope.Message is BeHint hint ? new CorrespondentInput.Hint(hint) : null);
        CorrespondentLog.Started(_logger, options.RouteOptimization, options.MaxBindings);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_node is not { } node || _host is not { } host)
        {
            return;
        }

        _signalling?.Dispose();
        _hints?.Dispose();
        await host.DisposeAsync().ConfigureAwait(false);

        // Stopping removes no binding (DESIGN 5): the data plane keeps them, the journal too, for the next start.
        int kept = host.Run(() => node.BindingCount);
        (_node, _host) = (null, null);
        CorrespondentLog.Stopped(_logger, kept);
    }

    /// <summary>The node's state for the status page; null when not running.</summary>
    public CorrespondentSnapshot? GetSnapshot() =>
        _node is { } node && _host is { } host ? host.Run(() => node.GetSnapshot(host.Now)) : null;

    public IReadOnlyList<KeyValuePair<string, long>> GetCounters() =>
        GetSnapshot()?.Counters.ToNamedCounters() is { } counters ? [.. counters, new("cn_events_failed", _host?.EventsFailed ?? 0)] : [];

    /// <summary>
    /// <c>shisa ctl flush</c>: removes the bindings of <paramref name="homeAddress"/> (every binding when null; of
    /// <paramref name="bindingId"/> only when given); the removals go on the bus. Returns what was removed.
    /// </summary>
    public IReadOnlyList<BindingCacheEntry> Flush(System.Net.IPAddress? homeAddress, ushort? bindingId)
    {
        if (_node is not { } node || _host is not { } host)
        {
            return [];
        }

        return host.Run<IReadOnlyList<BindingCacheEntry>>(() =>
        {
            if (homeAddress is not null)
            {
                return node.Flush(homeAddress, bindingId);
            }

            var all = node.GetSnapshot(host.Now).Bindings.Select(b => b.HomeAddress).Distinct().ToList();
            return [.. all.SelectMany(h => node.Flush(h, null))];
        });
    }

    public IReadOnlyList<ModuleTimer> GetTimers() =>
        _node is { } node && _host is { } host
            ? host.Run<IReadOnlyList<ModuleTimer>>(() => [.. node.GetScheduled().Select(t => new ModuleTimer(ModuleName, t.Purpose, t.Due))])
            : [];
}
