using Microsoft.Extensions.Logging;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.Modules.Configuration;

namespace Shisa.Modules.Hosting;

/// <summary>
/// Runs the role modules a profile needs (DESIGN 4): resolves them from the loaded ones at construction
/// (<see cref="ModuleResolver"/>), starts them one after the other in dependency order, stops them in reverse.
/// </summary>
/// <remarks>
/// If a module fails to start, those already started are stopped again in reverse order and
/// <see cref="StartAsync"/> throws <see cref="ModuleStartException"/> naming it. A module whose stop throws is
/// logged and the others still stop. Start and stop are serialized; the host runs once (start, then stop).
/// </remarks>
public sealed class ModuleHost : IAsyncDisposable
{
    private readonly Profile _profile;
    private readonly MobilityBus _bus;
    private readonly IPacketSender _packetSender;
    private readonly ISignallingSource _signalling;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ModuleState[] _states;
    private readonly List<int> _started = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _startCalled;

    /// <param name="modules">The loaded modules; those no role of the profile needs are not started.</param>
    /// <param name="profile">The profile: its roles choose the modules; its sections configure them.</param>
    /// <param name="bus">The mobility bus.</param>
    /// <param name="packetSender">The data plane's send API.</param>
    /// <param name="signalling">Received signalling, from the data plane.</param>
    /// <param name="timeProvider">The clock every module uses.</param>
    /// <param name="loggerFactory">Logging for the host and the modules.</param>
    /// <exception cref="ModuleConfigurationException">The modules cannot run the profile's roles (see <see cref="ModuleResolver.Resolve"/>).</exception>
    public ModuleHost(
        IEnumerable<IRoleModule> modules,
        Profile profile,
        MobilityBus bus,
        IPacketSender packetSender,
        ISignallingSource signalling,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentNullException.ThrowIfNull(signalling);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(packetSender);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _profile = profile;
        _bus = bus;
        _packetSender = packetSender;
        _signalling = signalling;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ModuleHost>();

        var plan = ModuleResolver.Resolve(modules, profile.Node.Roles);
        StartOrder = plan.StartOrder;
        _states = new ModuleState[StartOrder.Count];
        ModuleHostLog.Planned(_logger, RoleNames.Join(profile.Node.Roles), string.Join(" -> ", StartOrder.Select(m => m.Name)));
        foreach (var unused in plan.Unused)
        {
            ModuleHostLog.NotNeeded(_logger, unused.Name);
        }
    }

    /// <summary>The modules this host runs, in start order.</summary>
    public IReadOnlyList<IRoleModule> StartOrder { get; }

    /// <summary>Every planned module and its state, in start order.</summary>
    public IReadOnlyList<ModuleStatus> GetStatus()
    {
        lock (_states)
        {
            return [.. StartOrder.Select((m, i) => new ModuleStatus(m.Name, new EquatableArray<Role>(m.Provides), _states[i]))];
        }
    }

    /// <summary>Starts the planned modules in order.</summary>
    /// <exception cref="ModuleStartException">A module's start threw; the modules started before it are stopped.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the modules
    /// started are stopped.</exception>
    /// <exception cref="InvalidOperationException">Start was called before.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_startCalled)
            {
                throw new InvalidOperationException("the module host starts once");
            }

            _startCalled = true;
            for (int i = 0; i < StartOrder.Count; i++)
            {
                var module = StartOrder[i];
                var context = new ModuleContext(module.Name, _profile, _bus, _packetSender, _signalling, _timeProvider, _loggerFactory);
                ModuleHostLog.Starting(_logger, module.Name, RoleNames.Join(module.Provides));
                SetState(i, ModuleState.Starting);
                long begin = _timeProvider.GetTimestamp();
                try
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await module.StartAsync(context, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    SetState(i, ModuleState.StartFailed);
                    ModuleHostLog.StartCancelled(_logger, module.Name, _started.Count);
                    await StopStartedAsync(CancellationToken.None).ConfigureAwait(false);
                    throw;
                }
                catch (Exception exception)
                {
                    SetState(i, ModuleState.StartFailed);
                    ModuleHostLog.StartFailed(_logger, exception, module.Name, _started.Count);
                    await StopStartedAsync(CancellationToken.None).ConfigureAwait(false);
                    throw new ModuleStartException(module.Name, exception);
                }

                _started.Add(i);
                SetState(i, ModuleState.Running);
                ModuleHostLog.Started(_logger, module.Name, _timeProvider.GetElapsedTime(begin).TotalMilliseconds);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the started modules in reverse start order. A module whose stop throws is logged and the others still
    /// stop; this method does not throw for it. Stopping a host that is not running does nothing.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await StopStartedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Hands a changed profile to the running modules that can take it (<see cref="IReconfigurable"/>) and returns
    /// the names of the running modules that cannot, so the caller can say a restart is needed for them.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReconfigureAsync(Profile profile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var unchanged = new List<string>();
            foreach (int i in _started)
            {
                if (StartOrder[i] is IReconfigurable reconfigurable)
                {
                    reconfigurable.Reconfigure(profile);
                }
                else
                {
                    unchanged.Add(StartOrder[i].Name);
                }
            }

            return unchanged;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the started modules, as <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task StopStartedAsync(CancellationToken cancellationToken)
    {
        for (int k = _started.Count - 1; k >= 0; k--)
        {
            int i = _started[k];
            var module = StartOrder[i];
            ModuleHostLog.Stopping(_logger, module.Name);
            SetState(i, ModuleState.Stopping);
            long begin = _timeProvider.GetTimestamp();
            try
            {
                await module.StopAsync(cancellationToken).ConfigureAwait(false);
                SetState(i, ModuleState.Stopped);
                ModuleHostLog.Stopped(_logger, module.Name, _timeProvider.GetElapsedTime(begin).TotalMilliseconds);
            }
            catch (Exception exception)
            {
                SetState(i, ModuleState.StopFailed);
                ModuleHostLog.StopFailed(_logger, exception, module.Name);
            }
        }

        _started.Clear();
    }

    private void SetState(int index, ModuleState state)
    {
        lock (_states)
        {
            _states[index] = state;
        }
    }
}
