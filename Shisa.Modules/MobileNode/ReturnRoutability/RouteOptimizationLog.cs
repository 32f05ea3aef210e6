using System.Net;
using Microsoft.Extensions.Logging;

namespace Shisa.Modules.MobileNode.ReturnRoutability;

// Event ids 2900-2999 belong to the mobile node's route optimization; keep them stable, operators filter on them.
internal static partial class RouteOptimizationLog
{
    [LoggerMessage(EventId = 2900, Level = LogLevel.Information, Message = "Route optimization for home address {HomeAddress}: {OptOut} correspondents opted out, at most {MaxPeers} at once")]
    public static partial void Started(ILogger logger, IPAddress homeAddress, int optOut, int maxPeers);

    [LoggerMessage(EventId = 2901, Level = LogLevel.Information, Message = "Correspondent {Peer}: {From} -> {To}")]
    public static partial void Transition(ILogger logger, IPAddress peer, string from, string to);

    [LoggerMessage(EventId = 2902, Level = LogLevel.Debug, Message = "{Kind} to {Peer} from {Source}{Retransmission}")]
    public static partial void TestInitSent(ILogger logger, string kind, IPAddress peer, IPAddress source, string retransmission);

    [LoggerMessage(EventId = 2903, Level = LogLevel.Debug, Message = "Binding Update to {Peer} seq {Sequence} lifetime {LifetimeS} s from {Source}{Retransmission}")]
    public static partial void BindingUpdateSent(ILogger logger, IPAddress peer, ushort sequence, double lifetimeS, IPAddress source, string retransmission);

    [LoggerMessage(EventId = 2904, Level = LogLevel.Information, Message = "Route optimized with {Peer}: care-of address {CareOf}, lifetime {LifetimeS} s{Refresh}")]
    public static partial void Bound(ILogger logger, IPAddress peer, IPAddress careOf, double lifetimeS, string refresh);

    [LoggerMessage(EventId = 2905, Level = LogLevel.Information, Message = "Binding with {Peer} deleted")]
    public static partial void Deregistered(ILogger logger, IPAddress peer);

    [LoggerMessage(EventId = 2906, Level = LogLevel.Information, Message = "Correspondent {Peer} answered status {Status}")]
    public static partial void Refused(ILogger logger, IPAddress peer, string status);

    [LoggerMessage(EventId = 2907, Level = LogLevel.Information, Message = "Route optimization with {Peer} failed ({Failures} in a row): {Reason}")]
    public static partial void Failure(ILogger logger, IPAddress peer, int failures, string reason);

    [LoggerMessage(EventId = 2908, Level = LogLevel.Warning, Message = "Route optimization with {Peer} given up for good: {Reason}")]
    public static partial void GaveUp(ILogger logger, IPAddress peer, string reason);

    [LoggerMessage(EventId = 2909, Level = LogLevel.Warning, Message = "Binding Acknowledgement from {Peer} dropped: {Reason}")]
    public static partial void NotAuthentic(ILogger logger, IPAddress peer, string reason);

    [LoggerMessage(EventId = 2910, Level = LogLevel.Debug, Message = "Correspondent {Peer} ignored {Event}: {Reason}")]
    public static partial void Ignored(ILogger logger, IPAddress peer, string @event, string reason);

    [LoggerMessage(EventId = 2911, Level = LogLevel.Debug, Message = "RrHint for {Peer} not followed: {Reason}")]
    public static partial void HintIgnored(ILogger logger, IPAddress peer, string reason);

    [LoggerMessage(EventId = 2912, Level = LogLevel.Warning, Message = "The data plane did not send the {What} to {Peer}")]
    public static partial void SendFailed(ILogger logger, string what, IPAddress peer);

    [LoggerMessage(EventId = 2913, Level = LogLevel.Debug, Message = "{Type} from {Source}, no route optimization with it; dropped")]
    public static partial void UnknownPeer(ILogger logger, string type, IPAddress source);

    [LoggerMessage(EventId = 2914, Level = LogLevel.Debug, Message = "ICMPv6 Parameter Problem not taken: {Reason}")]
    public static partial void ParameterProblemIgnored(ILogger logger, string reason);

    [LoggerMessage(EventId = 2915, Level = LogLevel.Error, Message = "Route optimization failed to handle an input")]
    public static partial void Failed(ILogger logger, Exception exception);
}
