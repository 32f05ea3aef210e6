using Microsoft.Extensions.Logging;

namespace Shisa.Appliance.Hosting;

/// <summary>The level names of <c>[log]</c> and <c>shisa ctl log level</c>.</summary>
internal static class LogLevelNames
{
    public static IReadOnlyDictionary<string, LogLevel> ByName { get; } = new Dictionary<string, LogLevel>(StringComparer.Ordinal)
    {
        ["trace"] = LogLevel.Trace,
        ["debug"] = LogLevel.Debug,
        ["information"] = LogLevel.Information,
        ["warning"] = LogLevel.Warning,
        ["error"] = LogLevel.Error,
        ["critical"] = LogLevel.Critical,
        ["none"] = LogLevel.None,
    };

    public static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "information",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };

    public static string All => string.Join(", ", ByName.Keys);

    /// <summary>A category name: letters, digits, '.', '_' and '-', at most 200 characters.</summary>
    public static bool IsCategory(string text) =>
        text.Length is > 0 and <= 200 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
