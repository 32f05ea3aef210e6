using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Modules.Hosting;

/// <summary>
/// One provider of the catalog: the roles it provides and how to register it (its module, its section, the
/// helper modules it requires) in the service collection for a profile.
/// </summary>
/// <param name="Name">The provider's name, for errors and listings.</param>
/// <param name="Roles">The roles it provides.</param>
/// <param name="Register">Registers the module(s), e.g. <c>(services, profile) => services.AddHomeAgent(profile.HomeAgent!)</c>.</param>
public sealed record ModuleCatalogEntry(string Name, EquatableArray<Role> Roles, Action<IServiceCollection, Profile> Register);

/// <summary>
/// What provides each role: the built-in role modules, and later those of plugin assemblies. Open for
/// additions; one provider per role.
/// </summary>
public sealed class ModuleCatalog
{
    private readonly List<ModuleCatalogEntry> _entries = [];
    private readonly Dictionary<Role, ModuleCatalogEntry> _byRole = [];

    /// <summary>The catalog of the modules built into Shisa.Modules.</summary>
    /// <remarks>Each built-in role module adds its entry here.</remarks>
    public static ModuleCatalog CreateBuiltIn()
    {
        var catalog = new ModuleCatalog();
        HomeAgent.HomeAgentModule.Register(catalog);
        MobileNode.MobileNodeModule.Register(catalog);
        MobileRouter.MobileRouterModule.Register(catalog);
        MovementDetection.MovementDetectorModule.Register(catalog);
        Correspondent.CorrespondentModule.Register(catalog);
        return catalog;
    }

    /// <summary>
    /// A copy without the providers of <paramref name="roles"/>: plugins that provide a built-in role replace the
    /// built-in module (an operator's own movement detector, as SHISA allowed).
    /// </summary>
    public ModuleCatalog Without(IEnumerable<Role> roles)
    {
        var removed = roles.ToHashSet();
        var copy = new ModuleCatalog();
        foreach (var entry in _entries.Where(e => !e.Roles.Any(removed.Contains)))
        {
            copy.Add(entry.Name, entry.Roles, entry.Register);
        }

        return copy;
    }

    public IReadOnlyList<ModuleCatalogEntry> Entries => _entries;

    /// <summary>The roles some entry provides.</summary>
    public IReadOnlyCollection<Role> ProvidedRoles => _byRole.Keys;

    /// <summary>Adds a provider of <paramref name="roles"/>.</summary>
    /// <exception cref="ArgumentException">No role, or a role another entry provides already.</exception>
    public ModuleCatalog Add(string name, IEnumerable<Role> roles, Action<IServiceCollection, Profile> register)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(register);
        var entry = new ModuleCatalogEntry(name, new EquatableArray<Role>(roles.Distinct()), register);
        if (entry.Roles.Count == 0)
        {
            throw new ArgumentException($"module '{name}' provides no role", nameof(roles));
        }

        foreach (var role in entry.Roles)
        {
            if (_byRole.TryGetValue(role, out var other))
            {
                throw new ArgumentException($"role '{role.ToProfileName()}' is provided by '{other.Name}' already; '{name}' cannot provide it too", nameof(roles));
            }
        }

        _entries.Add(entry);
        foreach (var role in entry.Roles)
        {
            _byRole.Add(role, entry);
        }

        return this;
    }

    /// <summary>Adds <typeparamref name="TModule"/>, registered with <see cref="ShisaModulesServiceCollectionExtensions.AddRoleModule{TModule}(IServiceCollection)"/>, as the provider of <paramref name="roles"/>.</summary>
    public ModuleCatalog Add<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TModule>(params Role[] roles)
        where TModule : class, IRoleModule =>
        Add(typeof(TModule).Name, roles, static (services, _) => services.AddRoleModule<TModule>());

    public bool TryGetProvider(Role role, [NotNullWhen(true)] out ModuleCatalogEntry? entry) => _byRole.TryGetValue(role, out entry);
}
