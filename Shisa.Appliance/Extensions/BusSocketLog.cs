using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;

namespace Shisa.Appliance.Extensions;

// Event ids 1100-1199 belong to the bus socket; keep them stable, operators filter on them.
internal static partial class BusSocketLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "bus socket listening on {Path} (mode {Mode}); clients may publish {Publishable}")]
    public static partial void Listening(ILogger logger, string path, string mode, MessageKinds publishable);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "socket {Path}: replaced a stale socket file nobody was serving (left by an earlier run)")]
    public static partial void StaleReplaced(ILogger logger, string path);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "bus socket client {Client} connected as {Origin}")]
    public static partial void Connected(ILogger logger, int client, string origin);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "bus socket client {Client} ({Origin}) disconnected: {Reason}; {Received} frames received, {Sent} sent, {Dropped} dropped")]
    public static partial void Disconnected(ILogger logger, int client, string origin, string reason, long received, long sent, long dropped);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "bus socket client {Client} ({Origin}) sent a malformed frame after {Frames} good ones ({Refusal}); disconnecting it")]
    public static partial void Malformed(ILogger logger, int client, string origin, long frames, BusFrameRefusal refusal);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "bus socket client {Client} ({Origin}) may not publish {Type}: frame refused (clients may publish {Publishable}); further refusals of this client are logged at debug level")]
    public static partial void TypeRefused(ILogger logger, int client, string origin, MessageType type, MessageKinds publishable);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Debug, Message = "bus socket client {Client} ({Origin}) may not publish {Type}: frame refused")]
    public static partial void TypeRefusedAgain(ILogger logger, int client, string origin, MessageType type);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "bus socket: {Max} clients are connected already; closing a new connection")]
    public static partial void TooManyClients(ILogger logger, int max);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "bus socket: bus message #{Sequence} ({Type}) has no frame encoding and is not sent to clients: {Reason}")]
    public static partial void Unencodable(ILogger logger, long sequence, MessageType type, string reason);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Information, Message = "bus socket {Path} closed")]
    public static partial void Closed(ILogger logger, string path);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Error, Message = "bus socket: accepting connections failed; no new clients will be accepted")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);
}
