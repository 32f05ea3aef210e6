using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.Modules.Configuration;

namespace Shisa.Modules.Hosting;

/// <summary>Registration of role modules (DESIGN 4).</summary>
public static class ShisaModulesServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TModule"/> as a loaded <see cref="IRoleModule"/> (a singleton; registering
    /// the same type twice registers it once). The role-specific extensions (<c>AddHomeAgent(section)</c>) call
    /// this after registering what their module's constructor takes.
    /// </summary>
    public static IServiceCollection AddRoleModule<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TModule>(this IServiceCollection services)
        where TModule : class, IRoleModule
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRoleModule, TModule>());
        return services;
    }

    /// <summary>Registers the module <paramref name="factory"/> makes as a loaded <see cref="IRoleModule"/>.</summary>
    public static IServiceCollection AddRoleModule<TModule>(this IServiceCollection services, Func<IServiceProvider, TModule> factory)
        where TModule : class, IRoleModule
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRoleModule, TModule>(factory));
        return services;
    }

    /// <summary>
    /// Registers, for each role of <c>profile.Node.Roles</c>, what provides it in <paramref name="catalog"/>
    /// (the built-in catalog when null), and the <see cref="ModuleHost"/> that starts them. Also registers, unless
    /// registered already, the profile, <see cref="TimeProvider.System"/> and a <see cref="MobilityBus"/>; the
    /// data plane's <see cref="IPacketSender"/> must be registered by the caller, and an
    /// <see cref="ILoggerFactory"/> should be.
    /// </summary>
    /// <exception cref="ModuleConfigurationException">A role of the profile that nothing in the catalog provides.</exception>
    public static IServiceCollection AddShisaModules(this IServiceCollection services, Profile profile, ModuleCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(profile);
        catalog ??= ModuleCatalog.CreateBuiltIn();

        var entries = new List<ModuleCatalogEntry>();
        var missing = new List<Role>();
        foreach (var role in profile.Node.Roles.Distinct())
        {
            if (!catalog.TryGetProvider(role, out var entry))
            {
                missing.Add(role);
            }
            else if (!entries.Contains(entry))
            {
                entries.Add(entry);
            }
        }

        if (missing.Count > 0)
        {
            throw new ModuleConfigurationException(string.Join("; ", missing.Select(r => $"role '{r.ToProfileName()}' is not provided by any loaded module")));
        }

        foreach (var entry in entries)
        {
            entry.Register(services, profile);
        }

        services.TryAddSingleton(profile);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new MobilityBus(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<SignallingHub>();
        services.TryAddSingleton<ISignallingSource>(static sp => sp.GetRequiredService<SignallingHub>());
        services.TryAddSingleton(static sp => new ModuleHost(
            sp.GetServices<IRoleModule>(),
            sp.GetRequiredService<Profile>(),
            sp.GetRequiredService<MobilityBus>(),
            sp.GetRequiredService<IPacketSender>(),
            sp.GetRequiredService<ISignallingSource>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        return services;
    }
}
