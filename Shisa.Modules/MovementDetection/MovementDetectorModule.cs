using Microsoft.Extensions.DependencyInjection;
using Shisa.DataPlane.Bus;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.MovementDetection;

/// <summary>
/// The movement detector (SHISA's babymdd): watches the mobile node's egress interfaces for carrier and global
/// IPv6 address changes and publishes MovementInfo (MIPM_MD_INFO) on the bus: a new care-of address, the return
/// home, the loss of the care-of address. Netlink on Linux; polling as the fallback.
/// </summary>
/// <remarks>
/// Method "nud", "ra" and "link" all use the address/link watcher today: an address appears once SLAAC has acted on
/// the new link's RA, and carrier loss removes it. With optimistic DAD (RFC 4429; net.ipv6.conf.*.optimistic_dad)
/// the new address is reported at once, without waiting the ~1 s of DAD.
/// </remarks>
public sealed class MovementDetectorModule : IRoleModule
{
    public const string ModuleName = "movement_detector";

    private readonly Func<ModuleContext, INetworkWatcher>? _watcherFactory;
    private readonly Lock _gate = new();
    private ModuleContext? _context;
    private MovementDecider? _decider;
    private INetworkWatcher? _watcher;

    public MovementDetectorModule()
    {
    }

    /// <summary>For tests: the watcher to use instead of netlink or polling.</summary>
    internal MovementDetectorModule(Func<ModuleContext, INetworkWatcher> watcherFactory) => _watcherFactory = watcherFactory;

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

    public Task StartAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var section = context.MobileNode;
        var method = context.Profile.MovementDetector?.Method ?? MovementDetectionMethod.Nud;
        _context = context;
        _decider = new MovementDecider(section.HomeAddress, section.HomePrefixLength, section.Interfaces);
        _watcher = _watcherFactory?.Invoke(context) ?? CreateWatcher(context);
        MovementDetectorLog.Started(context.Logger, string.Join(", ", section.Interfaces), _watcher.Kind, method.ToString().ToLowerInvariant(),
            new Prefix(section.HomeAddress, section.HomePrefixLength).ToString());
        _watcher.Start(OnChanged);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watcher?.Dispose();
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

    private void OnChanged(NetworkSnapshot snapshot)
    {
        lock (_gate)
        {
            var context = _context!;
            var before = _decider!.Current;
            foreach (var info in _decider.Update(snapshot))
            {
                MovementDetectorLog.Moved(context.Logger, before.Kind.ToString(), _decider.Current.Kind.ToString(), info.Command.ToString(),
                    info.CareOfAddress?.ToString() ?? "-", info.InterfaceName);
                context.Publish(info);
            }
        }
    }
}

/// <summary>Registration of the movement detector module (DESIGN 4).</summary>
public static class MovementDetectorServiceCollectionExtensions
{
    /// <summary>Registers <see cref="MovementDetectorModule"/> as a loaded role module.</summary>
    public static IServiceCollection AddMovementDetector(this IServiceCollection services) => services.AddRoleModule<MovementDetectorModule>();
}
