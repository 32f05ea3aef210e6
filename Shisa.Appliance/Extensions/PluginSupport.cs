using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Extensions;

/// <summary>
/// Whether this build of shisa can load plugins, and what <c>shisa run</c> and <c>shisa check</c> say when a profile
/// names <c>[plugins] directory</c> and it cannot.
/// </summary>
/// <remarks>
/// A plugin is IL loaded at run time into its own <see cref="System.Runtime.Loader.AssemblyLoadContext"/>: it needs
/// the JIT, and a host whose Shisa.* and Microsoft.Extensions.* assemblies still have every member a plugin may call.
/// A NativeAOT build has no JIT, and a trimmed build (the linux-arm64 board image when NativeAOT cannot be used)
/// removed what the host itself does not call. Shisa.Appliance.csproj sets the <see cref="SwitchName"/> switch to
/// false whenever it is published trimmed (NativeAOT implies trimming), so the trimmer and ILC see
/// <see cref="IsSupported"/> as a constant and drop <see cref="PluginLoader"/> from those builds.
/// </remarks>
internal static class PluginSupport
{
    /// <summary>The runtime configuration switch that turns plugin loading off (set by trimmed publishes).</summary>
    public const string SwitchName = "Shisa.Appliance.Plugins.IsSupported";

    /// <summary>True in the framework-dependent (JIT, untrimmed) build; false when trimmed or compiled ahead of time.</summary>
    [FeatureSwitchDefinition(SwitchName)]
    [FeatureGuard(typeof(RequiresUnreferencedCodeAttribute))]
    [FeatureGuard(typeof(RequiresDynamicCodeAttribute))]
    [UnconditionalSuppressMessage("Trimming", "IL4000", Justification = "The analyzer cannot prove a guard for unreferenced code; the trimmer and ILC can: every trimmed publish sets this switch to false (Shisa.Appliance.csproj), which makes this property a constant false there.")]
    public static bool IsSupported => RuntimeFeature.IsDynamicCodeSupported && (!AppContext.TryGetSwitch(SwitchName, out bool enabled) || enabled);

    /// <summary>
    /// The one-line reason a profile cannot run on this build (without the leading <c>shisa: </c>), or null when it
    /// names no plugins or <paramref name="supported"/> (<see cref="IsSupported"/> outside tests) is true.
    /// </summary>
    public static string? Refusal(PluginsSection? plugins, bool supported) =>
        plugins is null || supported
            ? null
            : $"[plugins] directory {plugins.Directory}: this build of shisa is trimmed or compiled ahead of time (NativeAOT) and cannot load plugins; run the framework-dependent build, or remove [plugins]";
}
