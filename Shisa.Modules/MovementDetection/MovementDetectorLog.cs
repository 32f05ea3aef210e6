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

    [LoggerMessage(EventId = 2505, Level = LogLevel.Warning, Message = "No Neighbor Discovery on {Interface} ({Reason}): movement there is seen from links and addresses only")]
    public static partial void NeighborDiscoveryUnavailable(Microsoft.Extensions.Logging.ILogger logger, string @interface, string reason);

    [LoggerMessage(EventId = 2506, Level = LogLevel.Debug, Message = "{Message} to {Target} on {Interface} (sent: {Sent})")]
    public static partial void Solicited(Microsoft.Extensions.Logging.ILogger logger, string message, string target, string @interface, bool sent);

    [LoggerMessage(EventId = 2507, Level = LogLevel.Information, Message = "Router {Router} on {Interface} lost ({By})")]
    public static partial void RouterLost(Microsoft.Extensions.Logging.ILogger logger, string router, string @interface, string by);

    [LoggerMessage(EventId = 2508, Level = LogLevel.Information, Message = "Link of router {Router} on {Interface} confirmed ({By})")]
    public static partial void LinkConfirmed(Microsoft.Extensions.Logging.ILogger logger, string router, string @interface, string by);

    [LoggerMessage(EventId = 2509, Level = LogLevel.Warning, Message = "Care-of address {Address} on {Interface} is held by another node (DAD failed): not used again")]
    public static partial void DuplicateCareOfAddress(Microsoft.Extensions.Logging.ILogger logger, string address, string @interface);

    [LoggerMessage(EventId = 2504, Level = LogLevel.Error, Message = "Interface watcher failed")]
    public static partial void WatcherFailed(Microsoft.Extensions.Logging.ILogger logger, System.Exception exception);
}
