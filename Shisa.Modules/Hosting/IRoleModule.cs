using Shisa.Modules.Configuration;

namespace Shisa.Modules.Hosting;

/// <summary>
/// A role module (DESIGN 4): one of SHISA's daemons (mnd, mrd, had, cnd, babymdd, nemonetd) as a component of
/// the one process. The <see cref="ModuleHost"/> starts the modules the profile's roles need, dependencies
/// first, and stops them in reverse order.
/// </summary>
/// <remarks>
/// A module talks to the rest only through <see cref="ModuleContext.Bus"/> and
/// <see cref="ModuleContext.PacketSender"/>, and reads time only from <see cref="ModuleContext.TimeProvider"/>.
/// A module whose <see cref="StartAsync"/> throws is not stopped: it undoes its own partial start.
/// </remarks>
public interface IRoleModule
{
    /// <summary>A unique, stable name (snake_case, e.g. "home_agent", "nemo"): logs, errors, dependencies.</summary>
    string Name { get; }

    /// <summary>The profile roles this module provides; empty for a helper another module depends on.</summary>
    IReadOnlyList<Role> Provides { get; }

    /// <summary>Modules, by <see cref="Name"/>, that must be running first; they are loaded for this one.</summary>
    IReadOnlyList<string> RequiredModules => [];

    /// <summary>
    /// Roles that must be running first, whichever module provides them; they must be among the roles the
    /// profile runs (a mobile router needs the mobile node's home registration).
    /// </summary>
    IReadOnlyList<Role> RequiredRoles => [];

    /// <summary>Starts the module: subscribe to the bus, open what it needs, arm its timers.</summary>
    Task StartAsync(ModuleContext context, CancellationToken cancellationToken);

    /// <summary>Stops the module (a mobile node deregisters here); called once, only after a successful start.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
