using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Shisa.Modules.Hosting;
using Shisa.Modules.MobileNode;

namespace Shisa.Modules.MobileRouter;

/// <summary>Registration of the mobile router module (DESIGN 4).</summary>
public static class MobileRouterServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="MobileRouterModule"/> as a loaded role module and as the mobile node's
    /// <see cref="IHomeRegistrationExtension"/> (the same instance); it reads [mobile_router] when the mobile node starts.
    /// </summary>
    public static IServiceCollection AddMobileRouter(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<MobileRouterModule>();
        services.AddRoleModule(static sp => sp.GetRequiredService<MobileRouterModule>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHomeRegistrationExtension, MobileRouterModule>(static sp => sp.GetRequiredService<MobileRouterModule>()));
        return services;
    }
}
