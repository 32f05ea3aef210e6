using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Extensions;

/// <summary>A role module type found in a plugin, with what an instance of it declared.</summary>
/// <param name="Name">Its <see cref="IRoleModule.Name"/>.</param>
/// <param name="Provides">Its <see cref="IRoleModule.Provides"/>; empty for a helper module.</param>
/// <param name="Type">The module type, in the plugin's load context.</param>
public sealed record PluginModule(string Name, EquatableArray<Role> Provides, Type Type);

/// <summary>A plugin assembly the loader loaded, and the modules it found in it.</summary>
/// <param name="Path">The assembly file.</param>
/// <param name="AssemblyName">Its full assembly name.</param>
/// <param name="Modules">Its role modules; empty for an assembly that has none (a plugin's dependency).</param>
public sealed record LoadedPlugin(string Path, string AssemblyName, EquatableArray<PluginModule> Modules);

/// <summary>A plugin could not be loaded; the message names the file and why.</summary>
public sealed class PluginLoadException(string path, string message, Exception? innerException = null)
    : Exception($"plugin {path}: {message}", innerException)
{
    /// <summary>The plugin file (or directory) at fault.</summary>
    public string PluginPath { get; } = path;
}

/// <summary>
/// Loads role modules from the assemblies of the profile's plugins directory (DESIGN 4, <c>[plugins] directory</c>),
/// as SHISA let an operator run another daemon: each <c>*.dll</c> in its own <see cref="System.Runtime.Loader.AssemblyLoadContext"/>
/// that shares the Shisa.* and Microsoft.Extensions.* assemblies with the host.
/// </summary>
/// <remarks>
/// <para>The plugin contract: a public, non-abstract, non-generic class implementing <see cref="IRoleModule"/> with a
/// public parameterless constructor. The loader creates one instance to read its <see cref="IRoleModule.Name"/> and
/// <see cref="IRoleModule.Provides"/> (so the constructor must do nothing but set fields), then adds a
/// <see cref="ModuleCatalog"/> entry per module providing roles, registering the module type as an
/// <see cref="IRoleModule"/> singleton; the helper modules of the same assembly (no roles) are registered with each.
/// The host creates the running instance through dependency injection.</para>
/// <para>Build a plugin against the host's Shisa.Modules and Microsoft.Extensions.* of the same or a lower version,
/// without shipping them (<c>Private="false"</c> on a project reference, <c>ExcludeAssets="runtime"</c> on a package
/// reference); a copy of a host assembly found in the directory is ignored with a warning. Files without a role
/// module (a plugin's own dependencies) are loaded and reported at debug level.</para>
/// <para>All or nothing: any error (not an assembly, a missing dependency, a module without a parameterless
/// constructor, a role the catalog or another plugin provides already, a module name taken) throws
/// <see cref="PluginLoadException"/> naming the file, and leaves <c>catalog</c> unchanged.</para>
/// </remarks>
public static class PluginLoader
{
    private const string NeedsUntrimmedHost = "Plugins call host members that trimming may have removed; check PluginSupport.IsSupported.";

    private const string NeedsJit = "Plugins are IL loaded at run time and need the JIT; check PluginSupport.IsSupported.";

    private static readonly Lazy<HashSet<string>> s_hostAssemblies = new(ReadHostAssemblies);

    /// <summary>Loads every plugin of <paramref name="directory"/> and adds its modules to <paramref name="catalog"/>.</summary>
    /// <returns>The assemblies loaded, in file name order.</returns>
    /// <exception cref="PluginLoadException">The directory or a plugin cannot be loaded; the catalog is unchanged.</exception>
    /// <remarks>Callers check <see cref="PluginSupport.IsSupported"/> first: trimmed and NativeAOT builds cannot load plugins.</remarks>
    [RequiresUnreferencedCode(NeedsUntrimmedHost)]
    [RequiresDynamicCode(NeedsJit)]
    public static IReadOnlyList<LoadedPlugin> LoadInto(ModuleCatalog catalog, string directory, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(logger);
        directory = Path.GetFullPath(directory);
        if (!Directory.Exists(directory))
        {
            throw new PluginLoadException(directory, "the plugins directory does not exist");
        }

        var plugins = new List<LoadedPlugin>();
        foreach (string file in Directory.GetFiles(directory, "*.dll").Order(StringComparer.Ordinal))
        {
            if (Load(file, logger) is { } plugin)
            {
                plugins.Add(plugin);
            }
        }

        var entries = PlanEntries(catalog, plugins);
        foreach (var (plugin, module, register) in entries)
        {
            catalog.Add(module.Name, module.Provides, register);
            PluginLog.ModuleLoaded(logger, plugin.Path, module.Name, string.Join(", ", module.Provides.Select(r => r.ToProfileName())), module.Type.FullName ?? module.Type.Name);
        }

        return plugins;
    }

    /// <summary>
    /// True for the assemblies a plugin must share with the host: the host's Shisa.* and Microsoft.Extensions.*
    /// (a plugin's own Shisa.* assembly the host does not have stays the plugin's).
    /// </summary>
    internal static bool IsShared(AssemblyName name) =>
        name.Name is { } simple
        && (simple.StartsWith("Shisa.", StringComparison.Ordinal) || simple.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || simple == "shisa")
        && s_hostAssemblies.Value.Contains(simple);

    [RequiresUnreferencedCode(NeedsUntrimmedHost)]
    private static LoadedPlugin? Load(string file, ILogger logger)
    {
        AssemblyName name;
        try
        {
            name = AssemblyName.GetAssemblyName(file);
        }
        catch (BadImageFormatException ex)
        {
            throw new PluginLoadException(file, "not a .NET assembly", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginLoadException(file, $"cannot be read: {ex.Message}", ex);
        }

        if (name.Name is { } simple && s_hostAssemblies.Value.Contains(simple))
        {
            PluginLog.HostAssemblyIgnored(logger, file, simple);
            return null;
        }

        Type[] types;
        try
        {
            var assembly = new PluginLoadContext(file).LoadFromAssemblyPath(file);
            types = assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            var first = ex.LoaderExceptions.FirstOrDefault(e => e is not null);
            throw new PluginLoadException(file, $"its types cannot be loaded: {first?.Message ?? ex.Message}", ex);
        }
        catch (Exception ex) when (ex is FileLoadException or FileNotFoundException or BadImageFormatException or TypeLoadException)
        {
            throw new PluginLoadException(file, $"cannot be loaded: {ex.Message}", ex);
        }

        var modules = new List<PluginModule>();
        foreach (var type in types.Where(t => t.IsClass && !t.IsAbstract && typeof(IRoleModule).IsAssignableFrom(t)))
        {
            modules.Add(Inspect(file, type));
        }

        if (modules.Count == 0)
        {
            PluginLog.NoModule(logger, file);
        }

        return new LoadedPlugin(file, name.FullName, [.. modules]);
    }

    [RequiresUnreferencedCode(NeedsUntrimmedHost)]
    private static PluginModule Inspect(string file, Type type)
    {
        if (type.ContainsGenericParameters)
        {
            throw new PluginLoadException(file, $"module type {type.FullName} is generic; a plugin module must be a closed type");
        }

        if (type.GetConstructor(Type.EmptyTypes) is not { IsPublic: true })
        {
            throw new PluginLoadException(file, $"module type {type.FullName} has no public parameterless constructor");
        }

        IRoleModule probe;
        try
        {
            probe = (IRoleModule)Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException ex)
        {
            throw new PluginLoadException(file, $"module type {type.FullName}: its constructor threw {ex.InnerException?.GetType().Name}: {ex.InnerException?.Message}", ex.InnerException ?? ex);
        }

        try
        {
            string name = probe.Name;
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new PluginLoadException(file, $"module type {type.FullName} has an empty Name");
            }

            return new PluginModule(name, [.. probe.Provides.Distinct()], type);
        }
        catch (Exception ex) when (ex is not PluginLoadException)
        {
            throw new PluginLoadException(file, $"module type {type.FullName}: reading its Name and Provides threw {ex.GetType().Name}: {ex.Message}", ex);
        }
        finally
        {
            (probe as IDisposable)?.Dispose();
        }
    }

    // Everything is checked before the catalog changes, so a refused plugin leaves it as it was.
    [RequiresUnreferencedCode(NeedsUntrimmedHost)]
    private static List<(LoadedPlugin Plugin, PluginModule Module, Action<IServiceCollection, Profile> Register)> PlanEntries(ModuleCatalog catalog, List<LoadedPlugin> plugins)
    {
        var entries = new List<(LoadedPlugin, PluginModule, Action<IServiceCollection, Profile>)>();
        var roles = new Dictionary<Role, string>();
        var names = new HashSet<string>(catalog.Entries.Select(e => e.Name), StringComparer.Ordinal);
        foreach (var role in catalog.ProvidedRoles)
        {
            roles[role] = $"'{catalog.Entries.First(e => e.Roles.Contains(role)).Name}'";
        }

        foreach (var plugin in plugins)
        {
            var helpers = plugin.Modules.Where(m => m.Provides.Count == 0).Select(m => m.Type).ToArray();
            foreach (var module in plugin.Modules)
            {
                if (!names.Add(module.Name))
                {
                    throw new PluginLoadException(plugin.Path, $"module name '{module.Name}' ({module.Type.FullName}) is taken by another module already");
                }

                if (module.Provides.Count == 0)
                {
                    continue;
                }

                foreach (var role in module.Provides)
                {
                    if (!roles.TryAdd(role, $"'{module.Name}' of {plugin.Path}"))
                    {
                        throw new PluginLoadException(plugin.Path, $"module '{module.Name}' provides role '{role.ToProfileName()}', which {roles[role]} provides already");
                    }
                }

                var moduleType = module.Type;
                entries.Add((plugin, module, (services, _) =>
                {
                    services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IRoleModule), moduleType));
                    foreach (var helper in helpers)
                    {
                        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IRoleModule), helper));
                    }
                }));
            }
        }

        return entries;
    }

    // The simple names of the assemblies the host was started with (its deps.json and the shared framework).
    private static HashSet<string> ReadHostAssemblies()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
        {
            foreach (string path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                names.Add(Path.GetFileNameWithoutExtension(path));
            }
        }

        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetName().Name is { } name)
            {
                names.Add(name);
            }
        }

        return names;
    }
}

// Event ids 1200-1299 belong to the plugin loader; keep them stable, operators filter on them.
internal static partial class PluginLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "plugin {File}: module {Module} provides [{Roles}] ({Type})")]
    public static partial void ModuleLoaded(ILogger logger, string file, string module, string roles, string type);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "plugin {File}: no role module in it (a plugin's dependency?)")]
    public static partial void NoModule(ILogger logger, string file);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "plugin {File}: {Assembly} is an assembly of the host; the host's own is used and this copy is ignored")]
    public static partial void HostAssemblyIgnored(ILogger logger, string file, string assembly);
}
