using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;

namespace Shisa.Appliance.Extensions;

/// <summary>
/// The load context of one plugin assembly: its private dependencies resolve through its own deps.json, next to
/// it; the assemblies plugins and host must agree on (Shisa.*, Microsoft.Extensions.*) come from the host when the
/// host has them, so <c>IRoleModule</c>, <c>ModuleContext</c>, <c>MobilityBus</c> and <c>ILogger</c> are the host's types.
/// </summary>
[RequiresUnreferencedCode("Plugins call host members that trimming may have removed; check PluginSupport.IsSupported.")]
internal sealed class PluginLoadContext(string mainAssemblyPath)
    : AssemblyLoadContext(Path.GetFileName(mainAssemblyPath), isCollectible: false)
{
    private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (PluginLoader.IsShared(assemblyName))
        {
            return null; // the default context: the host's copy
        }

        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
}
