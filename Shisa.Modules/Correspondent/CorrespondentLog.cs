using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.Modules.Correspondent;

// Event ids 2700-2799 belong to the correspondent node; keep them stable, operators filter on them.
internal static partial class CorrespondentLog
{
    [LoggerMessage(EventId = 2700, Level = LogLevel.Information, Message = "Correspondent node started: route optimization {RouteOptimization}, at most {MaxBindings} bindings")]
    public static partial void Started(ILogger logger, bool routeOptimization, int maxBindings);

    [LoggerMessage(EventId = 2701, Level = LogLevel.Information, Message = "Correspondent node stopped with {Count} binding(s), kept for the next start")]
    public static partial void Stopped(ILogger logger, int count);

    [LoggerMessage(EventId = 2702, Level = LogLevel.Information, Message = "Correspondent node restored {Restored} binding(s) from the state directory, removed {Removed} it may no longer keep")]
    public static partial void Restored(ILogger logger, int restored, int removed);

    [LoggerMessage(EventId = 2710, Level = LogLevel.Debug, Message = "HoT to {HomeAddress} (nonce index {Index})")]
    public static partial void HomeTestSent(ILogger logger, IPAddress homeAddress, ushort index);

    [LoggerMessage(EventId = 2711, Level = LogLevel.Debug, Message = "CoT to {CareOfAddress} (nonce index {Index})")]
    public static partial void CareOfTestSent(ILogger logger, IPAddress careOfAddress, ushort index);

    [LoggerMessage(EventId = 2720, Level = LogLevel.Information, Message = "Binding {HomeAddress} -> {CareOfAddress} accepted: sequence {Sequence}, lifetime {LifetimeSeconds} s")]
    public static partial void BindingAccepted(ILogger logger, IPAddress homeAddress, IPAddress careOfAddress, ushort sequence, double lifetimeSeconds);

    [LoggerMessage(EventId = 2721, Level = LogLevel.Information, Message = "Binding of {HomeAddress} deleted on request (sequence {Sequence})")]
    public static partial void BindingDeleted(ILogger logger, IPAddress homeAddress, ushort sequence);

    [LoggerMessage(EventId = 2722, Level = LogLevel.Information, Message = "Binding Update of {HomeAddress} from {Source} refused: {Status}")]
    public static partial void BindingRefused(ILogger logger, IPAddress homeAddress, IPAddress source, BindingAcknowledgementStatus status);

    [LoggerMessage(EventId = 2723, Level = LogLevel.Information, Message = "Binding of {HomeAddress} -> {CareOfAddress} expired")]
    public static partial void BindingExpired(ILogger logger, IPAddress homeAddress, IPAddress careOfAddress);

    [LoggerMessage(EventId = 2724, Level = LogLevel.Debug, Message = "Binding Refresh Request to {HomeAddress}")]
    public static partial void RefreshRequestSent(ILogger logger, IPAddress homeAddress);

    [LoggerMessage(EventId = 2730, Level = LogLevel.Debug, Message = "Dropped a packet from {Source}: {Reason}")]
    public static partial void Dropped(ILogger logger, IPAddress? source, CorrespondentDrop reason);

    [LoggerMessage(EventId = 2731, Level = LogLevel.Warning, Message = "Binding Update of {HomeAddress} from {Source} failed authentication; discarded")]
    public static partial void BadAuthenticator(ILogger logger, IPAddress homeAddress, IPAddress source);

    [LoggerMessage(EventId = 2740, Level = LogLevel.Debug, Message = "Binding Error {Status} to {Destination} (home address {HomeAddress})")]
    public static partial void BindingErrorSent(ILogger logger, BindingErrorStatus status, IPAddress destination, IPAddress homeAddress);

    [LoggerMessage(EventId = 2741, Level = LogLevel.Debug, Message = "Binding Error to {Destination} rate limited")]
    public static partial void BindingErrorRateLimited(ILogger logger, IPAddress destination);

    [LoggerMessage(EventId = 2750, Level = LogLevel.Warning, Message = "The data plane refused a {Type} to {Destination}")]
    public static partial void SendFailed(ILogger logger, MobilityHeaderType type, IPAddress destination);

    [LoggerMessage(EventId = 2760, Level = LogLevel.Debug, Message = "New nonce {Index} current")]
    public static partial void NonceRegenerated(ILogger logger, ushort index);

    [LoggerMessage(EventId = 2790, Level = LogLevel.Error, Message = "Correspondent node: unexpected error handling an event")]
    public static partial void Failed(ILogger logger, Exception exception);
}
