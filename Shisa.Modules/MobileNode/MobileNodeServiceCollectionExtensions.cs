using Microsoft.Extensions.DependencyInjection;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.MobileNode;

/// <summary>Registration of the mobile node module (DESIGN 4).</summary>
public static class MobileNodeServiceCollectionExtensions
{
    /// <summary>Registers <see cref="MobileNodeModule"/> as a loaded role module; it reads [mobile_node] at start.</summary>
    public static IServiceCollection AddMobileNode(this IServiceCollection services) => services.AddRoleModule<MobileNodeModule>();
}
