using Shisa.Modules.Configuration;
using Shisa.DataPlane.Bus;

namespace Shisa.Modules.Hosting;

/// <summary>Where a module of the host's plan stands.</summary>
public enum ModuleState
{
    NotStarted,
    Starting,
    Running,

    /// <summary>Its start threw; it was not stopped.</summary>
    StartFailed,
    Stopping,
    Stopped,

    /// <summary>Its stop threw; the host went on stopping the others.</summary>
    StopFailed,
}

/// <summary>A module as the status page shows it.</summary>
public sealed record ModuleStatus(string Name, EquatableArray<Role> Provides, ModuleState State);
