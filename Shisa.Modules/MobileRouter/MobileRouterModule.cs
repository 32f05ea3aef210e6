using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;
using Shisa.Modules.MobileNode;

namespace Shisa.Modules.MobileRouter;

/// <summary>
/// The mobile router (SHISA's mrd and the signalling half of nemonetd, RFC 3963). It runs no registration of its
/// own: the mobile node's home registration is the mobile router's, shaped through
/// <see cref="IHomeRegistrationExtension"/>: R on every Binding Update (RFC 3963 4.1, 5.2), one Mobile Network Prefix
/// option per configured prefix in explicit mode (4.3, 5.2), none in implicit mode; DHAAD with the R bit (7.1); an
/// acceptance without R leaves that home agent for another (4.2, 5.3). Once a home agent accepts with R, the mobile
/// node publishes the binding (BulAdd) with the R flag and the mobile network prefixes, and the data plane tunnels
/// the mobile network: this module never touches forwarding. It watches the registration's outcomes for counters,
/// logs and its status.
/// </summary>
/// <remarks>
/// Implicit mode publishes the configured prefixes too (possibly none): what the home agent routes to the router
/// is decided by the home agent's table (RFC 3963 6.1.2, 6.2); the router tunnels what it has behind its ingress
/// interfaces. The BA does not say which prefixes the home agent granted.
/// </remarks>
public sealed class MobileRouterModule : IRoleModule, IModuleCounters, IHomeRegistrationExtension
{
    public const string ModuleName = "mobile_router";

    private static readonly byte[] NemoStatuses = [140, 141, 142, 143];

    private readonly Lock _gate = new();
    private readonly Dictionary<byte, long> _refusals = NemoStatuses.ToDictionary(s => s, _ => 0L);
    private readonly List<IPAddress> _withoutNemo = [];
    private ILogger? _logger;
    private MobileRouterSection? _section;
    private IPAddress? _homeAddress;
    private bool _started;
    private MobileRouterState _state = MobileRouterState.Stopped;
    private BindingUpdateListEntry? _registered;
    private IPAddress? _homeAgent;
    private string? _lastRefusal;
    private long _registrations;
    private long _refreshes;
    private long _withdrawals;
    private long _homeAgentsWithoutNemo;
    private long _dhaadRequests;

    public string Name => ModuleName;

    public IReadOnlyList<Role> Provides { get; } = [Role.MobileRouter];

    /// <summary>The mobile node's home registration is the mobile router's: it must run, and start first.</summary>
    public IReadOnlyList<Role> RequiredRoles { get; } = [Role.MobileNode];

    /// <summary>Adds the mobile router to <paramref name="catalog"/> as the provider of <see cref="Role.MobileRouter"/>.</summary>
    public static ModuleCatalog Register(ModuleCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.Add(ModuleName, [Role.MobileRouter], static (services, _) => services.AddMobileRouter());
    }

    /// <summary>The shape of a mobile router's registration from [mobile_router] (RFC 3963 5.2).</summary>
    public static MobileRouterRegistration RegistrationFor(MobileRouterSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return section.Mode == MobileRouterMode.Explicit
            ? new MobileRouterRegistration(section.Prefixes, section.Prefixes)
            : new MobileRouterRegistration(EquatableArray<Prefix>.Empty, section.Prefixes);
    }

    /// <inheritdoc/>
    public MobileRouterRegistration? Attach(ModuleContext mobileNodeContext)
    {
        ArgumentNullException.ThrowIfNull(mobileNodeContext);
        var section = mobileNodeContext.MobileRouter;
        var logger = mobileNodeContext.LoggerFactory.CreateLogger(ModuleContext.LoggerCategory(ModuleName));
        lock (_gate)
        {
            _section = section;
            _logger = logger;
            _homeAddress = mobileNodeContext.MobileNode.HomeAddress;
            _state = MobileRouterState.Unregistered;
        }

        MobileRouterLog.Attached(logger, _homeAddress, section.Mode.ToString().ToLowerInvariant(), Join(section.Prefixes), string.Join(", ", section.Ingress));
        return RegistrationFor(section);
    }

    public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = context.MobileRouter;
        lock (_gate)
        {
            if (_section is null)
            {
                throw new InvalidOperationException(
                    "the mobile_node module did not attach the mobile router: construct it with the mobile router as its home registration extension (services.AddMobileRouter())");
            }

            _started = true;
        }

        MobileRouterLog.Started(_logger!);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _started = false;
        }

        if (_logger is not null)
        {
            MobileRouterLog.Stopped(_logger);
        }

        return Task.CompletedTask;
    }

    /// <summary>True between a successful start and the stop.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _started;
            }
        }
    }

    /// <inheritdoc/>
    public void Observe(HomeRegistrationAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            var logger = _logger;
            if (logger is null)
            {
                return;
            }

            switch (action)
            {
                case SendBindingUpdate send when !send.Request.IsDeregistration:
                    _homeAgent = send.Request.Destination;
                    break;
                case SendHaadRequest haad when haad.MobileRouterSupport:
                    _dhaadRequests++;
                    _state = MobileRouterState.SeekingHomeAgent;
                    MobileRouterLog.Discovering(logger, haad.Identifier, haad.Retransmission ? ", retransmission" : string.Empty);
                    break;
                case PublishMessage { Message: BindingUpdateListAdd add } when IsMobileRouter(add.Entry):
                    OnBound(add.Entry, logger);
                    break;
                case PublishMessage { Message: BindingUpdateListRemove remove } when IsMobileRouter(remove.Entry):
                    _withdrawals++;
                    _registered = null;
                    _state = MobileRouterState.Unregistered;
                    MobileRouterLog.Withdrawn(logger, Join(remove.Entry.MobileNetworkPrefixes), remove.Entry.Peer);
                    break;
                case Refused refused:
                    OnRefused(refused, logger);
                    break;
                case HomeAgentUnsuitable unsuitable:
                    _homeAgentsWithoutNemo++;
                    _state = MobileRouterState.SeekingHomeAgent;
                    if (!_withoutNemo.Contains(unsuitable.HomeAgent))
                    {
                        _withoutNemo.Add(unsuitable.HomeAgent);
                    }

                    MobileRouterLog.HomeAgentWithoutNemo(logger, unsuitable.HomeAgent);
                    break;
            }
        }
    }

    /// <summary>The mobile network's registration, counters and configuration at one instant.</summary>
    public MobileRouterStatus GetStatus()
    {
        lock (_gate)
        {
            var section = _section;
            return new MobileRouterStatus(
                _state,
                section?.Mode ?? MobileRouterMode.Explicit,
                section?.Prefixes ?? EquatableArray<Prefix>.Empty,
                _registered?.MobileNetworkPrefixes ?? EquatableArray<Prefix>.Empty,
                section?.Ingress ?? EquatableArray<string>.Empty,
                _registered?.Peer ?? _homeAgent,
                _registered?.CareOfAddress,
                _lastRefusal,
                new EquatableArray<IPAddress>(_withoutNemo),
                new MobileRouterCounters(_registrations, _refreshes, _withdrawals, _homeAgentsWithoutNemo, _dhaadRequests,
                    new EquatableArray<KeyValuePair<byte, long>>(_refusals.OrderBy(p => p.Key))));
        }
    }

    public IReadOnlyList<KeyValuePair<string, long>> GetCounters() => GetStatus().Counters.ToNamedCounters();

    /// <summary>What a refusal means for a mobile router (RFC 3963 4.2, 6.2), for the log.</summary>
    public static string Meaning(BindingAcknowledgementStatus status) => status switch
    {
        BindingAcknowledgementStatus.MobileRouterOperationNotPermitted => "mobile router operation not permitted: the home agent lists no mobile network prefix for this home address",
        BindingAcknowledgementStatus.InvalidPrefix => "invalid prefix: a mobile network prefix has a bad length or overlaps the home link",
        BindingAcknowledgementStatus.NotAuthorizedForPrefix => "not authorized for prefix: a mobile network prefix is not among those the home agent lists for this router",
        BindingAcknowledgementStatus.ForwardingSetupFailed => "forwarding setup failed: the home agent cannot route the mobile network (in implicit mode it may know no prefix for this router)",
        _ => status.ToString(),
    };

    private static bool IsMobileRouter(BindingUpdateListEntry entry) => (entry.Flags & Shisa.DataPlane.Bus.BindingUpdateFlags.MobileRouter) != 0;

    private static string Join(EquatableArray<Prefix> prefixes) => prefixes.Count == 0 ? "(none)" : string.Join(", ", prefixes);

    // Callers hold _gate.
    private void OnBound(BindingUpdateListEntry entry, ILogger logger)
    {
        bool refresh = _registered is { } previous && previous.Peer.Equals(entry.Peer) && previous.CareOfAddress.Equals(entry.CareOfAddress);
        _registered = entry;
        _homeAgent = entry.Peer;
        _state = MobileRouterState.Registered;
        _lastRefusal = null;
        if (refresh)
        {
            _refreshes++;
            MobileRouterLog.Refreshed(logger, entry.Peer, entry.Lifetime.TotalSeconds);
        }
        else
        {
            _registrations++;
            MobileRouterLog.Registered(logger, Join(entry.MobileNetworkPrefixes), entry.Peer, entry.CareOfAddress, entry.Lifetime.TotalSeconds);
        }
    }

    // RFC 3963 5.4 (error processing): nothing is published for a refused registration; the mobile node backs off
    // and retries with a new sequence number, and gives up after a few refusals until the next movement.
    private void OnRefused(Refused refused, ILogger logger)
    {
        byte status = (byte)refused.Status;
        _refusals[status] = _refusals.GetValueOrDefault(status) + 1;
        string meaning = Meaning(refused.Status);
        _lastRefusal = $"{status} {meaning}";
        if (_registered is null)
        {
            _state = MobileRouterState.Refused;
        }

        MobileRouterLog.Refused(logger, _homeAgent?.ToString() ?? "-", status, meaning,
            refused.GaveUp ? "; giving up until the next movement" : "; backing off, then retrying");
    }
}
