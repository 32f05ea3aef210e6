using Microsoft.Extensions.Logging;

namespace Shisa.Modules.Hosting;

// Event ids 2100-2199 belong to module hosting; keep them stable, operators filter on them.
internal static partial class ModuleHostLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Module plan for roles [{Roles}]: start order {Modules}")]
    public static partial void Planned(ILogger logger, string roles, string modules);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Module {Module} is loaded but no role of the profile needs it; not started")]
    public static partial void NotNeeded(ILogger logger, string module);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information, Message = "Starting module {Module} ({Roles})")]
    public static partial void Starting(ILogger logger, string module, string roles);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Module {Module} started in {ElapsedMs:F1} ms")]
    public static partial void Started(ILogger logger, string module, double elapsedMs);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Error, Message = "Module {Module} failed to start; stopping the {Count} module(s) started before it")]
    public static partial void StartFailed(ILogger logger, Exception exception, string module, int count);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Warning, Message = "Start cancelled during module {Module}; stopping the {Count} module(s) started before it")]
    public static partial void StartCancelled(ILogger logger, string module, int count);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Information, Message = "Stopping module {Module}")]
    public static partial void Stopping(ILogger logger, string module);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Information, Message = "Module {Module} stopped in {ElapsedMs:F1} ms")]
    public static partial void Stopped(ILogger logger, string module, double elapsedMs);

    [LoggerMessage(EventId = 2122, Level = LogLevel.Error, Message = "Module {Module} failed to stop; stopping the others")]
    public static partial void StopFailed(ILogger logger, Exception exception, string module);

    [LoggerMessage(EventId = 2130, Level = LogLevel.Error, Message = "Module {Module} failed on an input ({Input}); the input is dropped, the next one handled")]
    public static partial void InputFailed(ILogger logger, Exception exception, string module, string input);
}
