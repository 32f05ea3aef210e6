namespace Shisa.Modules.Hosting;

/// <summary>A module's scheduled timers, for <c>shisa ctl timers</c> (SHISA's <c>show callout</c>).</summary>
public interface IModuleTimers
{
    /// <summary>What each of the module's timers waits for and when it fires, now; empty when nothing is scheduled.</summary>
    IReadOnlyList<ModuleTimer> GetTimers();
}

/// <summary>One scheduled timer: what it is for (e.g. "binding expiry 2001:db8:1::100") and when it is due.</summary>
public sealed record ModuleTimer(string Module, string Purpose, DateTimeOffset Due);
