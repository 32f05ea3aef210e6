using Microsoft.Extensions.DependencyInjection;
using Shisa.DataPlane.State;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.Correspondent;

/// <summary>Registration of the correspondent node role (DESIGN 4).</summary>
public static class CorrespondentServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="CorrespondentModule"/>. Without <paramref name="options"/> it takes them from the
    /// profile's [correspondent_node] section when it starts.
    /// </summary>
    public static IServiceCollection AddCorrespondent(this IServiceCollection services, CorrespondentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddRoleModule(sp => new CorrespondentModule(options, sp.GetService<RestoredState>()));
    }
}
