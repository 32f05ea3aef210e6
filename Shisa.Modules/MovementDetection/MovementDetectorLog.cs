using Microsoft.Extensions.Logging;

namespace Shisa.Modules.MovementDetection;

// Event ids 2500-2599 belong to the movement detector; keep them stable, operators filter on them.
internal static partial class MovementDetectorLog
{
    [LoggerMessage(EventId = 2500, Level = LogLevel.Information, Message = "Movement detector watching [{Interfaces}] with {Watcher} (method {Method}) for home prefix {HomePrefix}")]
    public static partial void Started(Microsoft.Extensions.Logging.ILogger logger, string interfaces, string watcher, string method, string homePrefix);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "Netlink is not available ({Reason}); polling the interfaces instead")]
    public static partial void NetlinkUnavailable(Microsoft.Extensions.Logging.ILogger logger, string reason);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Information, Message = "Attachment {From} -> {To}: {Command} {Address} on {Interface}")]
    public static partial void Moved(Microsoft.Extensions.Logging.ILogger logger, string from, string to, string command, string address, string @interface);

    [LoggerMessage(EventId = 2503, Level = LogLevel.Error, Message = "Netlink receive failed with errno {Errno}; no more movement from netlink")]
    public static partial void NetlinkFailed(Microsoft.Extensions.Logging.ILogger logger, int errno);

    [LoggerMessage(EventId = 2504, Level = LogLevel.Error, Message = "Interface watcher failed")]
    public static partial void WatcherFailed(Microsoft.Extensions.Logging.ILogger logger, System.Exception exception);
}
