namespace Shisa.Modules.Hosting;

/// <summary>
/// The modules a profile asks for cannot be put together: a role no module provides, a missing dependency, a
/// dependency cycle, two modules for one role or one name. The message names the roles and modules.
/// </summary>
public sealed class ModuleConfigurationException(string message) : Exception(message);

/// <summary>
/// A module failed to start. The modules started before it have been stopped again, in reverse order; the
/// cause is <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class ModuleStartException(string moduleName, Exception innerException)
    : Exception($"module '{moduleName}' failed to start: {innerException.Message}", innerException)
{
    /// <summary>The name of the module whose start failed.</summary>
    public string ModuleName { get; } = moduleName;
}
