using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.State;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// The home agent role (SHISA's had, RFC 6275 9.5 and 10): pumps the signalling the data plane receives and the
/// bus's DAD answers into one <see cref="HomeAgentCore"/> through the role host (<see cref="RoleMachineHost{TInput}"/>:
/// one lock, one timer for the core's next deadline), so the core sees one event at a time.
/// </summary>
public sealed class HomeAgentModule : IRoleModule, IReconfigurable, IModuleCounters, IModuleTimers, IAsyncDisposable
{
    public const string ModuleName = "home_agent";

    private readonly HomeAgentTuning _tuning;
    private readonly IMobileRouterPolicy? _mobileRouterPolicy;
    private readonly RestoredState _restored;
    private HomeAgentCore? _core;
    private RoleMachineHost<HomeAgentInput>? _host;
    private ModuleContext? _context;
    private SignallingSubscription? _signalling;
    private SignallingAdmission? _admission;
    private MobilitySubscription? _dad;
    private bool _stopped;

    public HomeAgentModule()
        : this(null, null)
    {
    }

    /// <param name="tuning">The home agent's limits and timers; <see cref="HomeAgentTuning.Default"/> when null.</param>
    /// <param name="mobileRouterPolicy">Decides a registration's mobile network prefixes (RFC 3963); the default policy when null.</param>
    /// <param name="restored">What the state directory's journal kept across a restart; the home agent takes back its bindings.</param>
    public HomeAgentModule(HomeAgentTuning? tuning, IMobileRouterPolicy? mobileRouterPolicy = null, RestoredState? restored = null)
    {
        _tuning = tuning ?? HomeAgentTuning.Default;
        _mobileRouterPolicy = mobileRouterPolicy;
        _restored = restored ?? RestoredState.Empty;
    }

    public string Name => ModuleName;

    public IReadOnlyList<Role> Provides { get; } = [Role.HomeAgent];

    /// <summary>Adds the home agent to <paramref name="catalog"/> (for <see cref="ModuleCatalog.CreateBuiltIn"/>).</summary>
    public static ModuleCatalog Register(ModuleCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.Add(ModuleName, [Role.HomeAgent], static (services, _) => services.AddHomeAgent());
    }

    public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_context is not null)
        {
            throw new InvalidOperationException("the home agent module was started already");
        }

        var section = context.HomeAgent;
        var homeInterface = context.Interfaces.FirstOrDefault(i => i.Link == LinkKind.Home);
        var homeLink = homeInterface is null ? HomeLink.Unknown : new HomeLink(homeInterface.Name, 0);
        _context = context;
        _core = new HomeAgentCore(section, context.PacketSender, m => context.Publish(m), _tuning, homeLink, _mobileRouterPolicy, context.Logger);
        _host = new RoleMachineHost<HomeAgentInput>(ModuleName, _core, DeadlineReached.Instance, context.TimeProvider, context.Logger);
        if (_restored.BindingCache.Count > 0)
        {
            // Before any signalling is read: a refreshing BU then meets the restored sequence number.
            _host.Dispatch(new BindingsRestored(_restored.BindingCache, _restored.RestoredAt));
        }

        _dad = context.Subscribe(MessageKinds.Dad, purpose: "dad");
        _signalling = context.Signalling.Subscribe(ModuleName, SignallingKinds.MobilityHeader | SignallingKinds.HomeAgentDiscovery | SignallingKinds.MobilePrefix);

        // Classified where packets arrive: listed home addresses ahead of everything else, the rest rate-limited
        // before it is copied, so a flood of forged BUs neither fills the queue nor delays a listed node's BU.
        _admission = new SignallingAdmission(context.TimeProvider, _tuning.Admission);
        _admission.SetPriorityAddresses(section.MobileNodes.Select(n => n.HomeAddress));
        _signalling.Admission = _admission;
        _host.Listen(_signalling.Reader, static p => new SignallingReceived(p));
        _host.Listen(_dad.Reader, static e => new DadReported((Dad)e.Message));
        HomeAgentLog.Started(context.Logger, section.Address, section.Prefix.ToString(), section.MobileNodes.Count, section.MaxBindings);
        WarnUnauthenticated(section);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_context is null || _host is null || _core is null || _stopped)
        {
            return;
        }

        _stopped = true;
        _signalling?.Dispose();
        _dad?.Dispose();
        await _host.StopAsync(cancellationToken).ConfigureAwait(false);

        // Stopping removes no binding (DESIGN 5): the data plane keeps forwarding, the journal keeps them, and the
        // next start restores them with what is left of their lifetimes.
        var core = _core;
        int count = _host.Run(() =>
        {
            int bound = core.BindingCount;
            core.ForgetAll();
            return bound;
        });
        HomeAgentLog.Stopped(_context.Logger, count);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>BUs by status, BAs sent, drops by reason (snake_case names); empty before the module started.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> GetCounters()
    {
        try
        {
            var counters = new Dictionary<string, long>(GetSnapshot().Counters.ToDictionary())
            {
                ["ha_events_failed"] = _host?.EventsFailed ?? 0,
            };
            if (_admission is { } admission && _signalling is { } signalling)
            {
                counters["ha_signalling_priority_admitted"] = admission.PriorityAdmitted;
                counters["ha_signalling_bulk_admitted"] = admission.BulkAdmitted;
                counters["ha_signalling_rate_limited_prefix"] = admission.PrefixRateLimited;
                counters["ha_signalling_rate_limited_home_address"] = admission.HomeAddressRateLimited;
                counters["ha_signalling_rate_limited_total"] = admission.TotalRateLimited;
                counters["ha_signalling_queue_dropped"] = signalling.Dropped;
            }

            return [.. counters];
        }
        catch (InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>SIGHUP: the new [home_agent] section (the mobile node list, lifetimes, prefix).</summary>
    public void Reconfigure(Profile profile) =>
        Reconfigure(profile.HomeAgent ?? throw new InvalidOperationException("the new profile has no [home_agent] section"));

    public void Reconfigure(HomeAgentSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        _host?.Dispatch(new HomeAgentReconfigured(section));
        _admission?.SetPriorityAddresses(section.MobileNodes.Select(n => n.HomeAddress));
        WarnUnauthenticated(section);
    }

    /// <summary>The bindings and counters at one instant, for the status page (DESIGN 8).</summary>
    public HomeAgentSnapshot GetSnapshot()
    {
        var core = _core ?? throw new InvalidOperationException("the home agent module is not started");
        return _host!.Run(() =>
        {
            var now = _context!.TimeProvider.GetUtcNow();
            return new HomeAgentSnapshot(core.Address, [.. core.GetBindings(now)], core.GetCounters());
        });
    }

    /// <summary>
    /// <c>shisa ctl flush</c>: removes the binding of <paramref name="homeAddress"/> (every binding when null) under the
    /// module's lock; the removals go on the bus, so the data plane's routes and proxy entries follow. Returns what was
    /// removed; empty when the home address has no binding or the module is not running.
    /// </summary>
    public IReadOnlyList<BindingCacheEntry> Flush(System.Net.IPAddress? homeAddress)
    {
        var core = _core;
        if (core is null || _host is null || _stopped)
        {
            return [];
        }

        return _host.Run(() => core.Flush(homeAddress));
    }

    /// <summary>The live binding expiries and DAD waits, earliest first.</summary>
    public IReadOnlyList<ModuleTimer> GetTimers()
    {
        var core = _core;
        if (core is null || _host is null || _stopped)
        {
            return [];
        }

        return _host.Run<IReadOnlyList<ModuleTimer>>(() => [.. core.GetScheduled().Select(t => new ModuleTimer(ModuleName, t.Purpose, t.Due))]);
    }

    /// <summary>Entries without an SPI passed <c>shisa check</c> only with <c>authentication = "none"</c>: say so at start and reload.</summary>
    private void WarnUnauthenticated(HomeAgentSection section)
    {
        if (_context is not { } context)
        {
            return;
        }

        foreach (var node in section.MobileNodes.Where(n => n.Spi is null))
        {
            HomeAgentLog.Unauthenticated(context.Logger, node.HomeAddress);
        }
    }
}

/// <summary>What the status page shows of the home agent.</summary>
public sealed record HomeAgentSnapshot(System.Net.IPAddress Address, EquatableArray<HomeBindingStatus> Bindings, HomeAgentCounters Counters);

/// <summary>Registration of the home agent module (DESIGN 4).</summary>
public static class HomeAgentServiceCollectionExtensions
{
    /// <summary>
    /// Registers the home agent role module; it reads the profile's [home_agent] section when it starts.
    /// <paramref name="tuning"/> changes the protocol constants the profile does not carry.
    /// </summary>
    public static IServiceCollection AddHomeAgent(this IServiceCollection services, HomeAgentTuning? tuning = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddRoleModule(sp => new HomeAgentModule(
            tuning ?? sp.GetService<HomeAgentTuning>(),
            sp.GetService<IMobileRouterPolicy>(),
            sp.GetService<RestoredState>()));
    }
}
