using System.Net;
using Microsoft.Extensions.Logging;

namespace Shisa.Modules.MobileNode;

// Event ids 2400-2499 belong to the mobile node; keep them stable, operators filter on them.
internal static partial class MobileNodeLog
{
    [LoggerMessage(EventId = 2420, Level = LogLevel.Information, Message = "Route optimization with {Peer} {Change} by the operator")]
    public static partial void PolicyChanged(ILogger logger, IPAddress peer, string change);

    [LoggerMessage(EventId = 2421, Level = LogLevel.Warning, Message = "Skipped {Count} line(s) of {Path} that are not IPv6 addresses")]
    public static partial void PolicyLinesSkipped(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 2422, Level = LogLevel.Warning, Message = "Cannot read the route optimization denials in {Path}: {Reason}")]
    public static partial void PolicyUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2400, Level = LogLevel.Information, Message = "Mobile node for home address {HomeAddress}, home agent {HomeAgent}, lifetime {LifetimeS} s, authentication {Authentication}")]
    public static partial void Started(ILogger logger, IPAddress homeAddress, string homeAgent, double lifetimeS, string authentication);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Information, Message = "Home registration {From} -> {To}")]
    public static partial void Transition(ILogger logger, string from, string to);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Debug, Message = "Binding Update seq {Sequence} lifetime {LifetimeS} s {Source} -> {Destination} (HAO {HomeAddress}){Retransmission}")]
    public static partial void BindingUpdateSent(ILogger logger, ushort sequence, double lifetimeS, IPAddress source, IPAddress destination, string homeAddress, string retransmission);

    [LoggerMessage(EventId = 2403, Level = LogLevel.Warning, Message = "The data plane did not send the Binding Update seq {Sequence}")]
    public static partial void SendFailed(ILogger logger, ushort sequence);

    [LoggerMessage(EventId = 2404, Level = LogLevel.Information, Message = "Registered care-of address {CareOf} with {HomeAgent}: lifetime {LifetimeS} s, handover from {Previous} took {DurationMs:F0} ms")]
    public static partial void Registered(ILogger logger, IPAddress careOf, IPAddress homeAgent, double lifetimeS, string previous, double durationMs);

    [LoggerMessage(EventId = 2405, Level = LogLevel.Debug, Message = "Binding refreshed: care-of address {CareOf}, lifetime {LifetimeS} s")]
    public static partial void Refreshed(ILogger logger, IPAddress careOf, double lifetimeS);

    [LoggerMessage(EventId = 2406, Level = LogLevel.Warning, Message = "Home agent refused the registration: status {Status}{GaveUp}")]
    public static partial void Refused(ILogger logger, string status, string gaveUp);

    [LoggerMessage(EventId = 2407, Level = LogLevel.Debug, Message = "Ignored {Event}: {Reason}")]
    public static partial void Ignored(ILogger logger, string @event, string reason);

    [LoggerMessage(EventId = 2408, Level = LogLevel.Warning, Message = "Binding Acknowledgement from {Source} failed RFC 4285 authentication; dropped")]
    public static partial void AuthenticationFailed(ILogger logger, IPAddress source);

    [LoggerMessage(EventId = 2409, Level = LogLevel.Information, Message = "DHAAD request {Identifier} to {Anycast}{Retransmission}")]
    public static partial void HaadRequestSent(ILogger logger, ushort identifier, IPAddress anycast, string retransmission);

    [LoggerMessage(EventId = 2410, Level = LogLevel.Information, Message = "Mobile Prefix Solicitation {Identifier} to {HomeAgent}")]
    public static partial void PrefixSolicitationSent(ILogger logger, ushort identifier, IPAddress homeAgent);

    [LoggerMessage(EventId = 2411, Level = LogLevel.Information, Message = "Home prefix {Prefix}: {Change}, valid {ValidS} s, preferred {PreferredS} s")]
    public static partial void PrefixLearnt(ILogger logger, string prefix, string change, uint validS, uint preferredS);

    [LoggerMessage(EventId = 2412, Level = LogLevel.Debug, Message = "Dropped a received packet: {Reason}")]
    public static partial void PacketDropped(ILogger logger, string reason);

    [LoggerMessage(EventId = 2413, Level = LogLevel.Information, Message = "Movement: {Command} {Address} on {Interface}")]
    public static partial void Movement(ILogger logger, string command, string address, string @interface);

    [LoggerMessage(EventId = 2414, Level = LogLevel.Warning, Message = "Stopped without the deregistration's acknowledgement")]
    public static partial void StopUnacknowledged(ILogger logger);

    [LoggerMessage(EventId = 2417, Level = LogLevel.Warning, Message = "Binding Acknowledgement {Sequence} dropped: {Reason} (RFC 4285 replay protection)")]
    public static partial void ReplayCheckFailed(ILogger logger, ushort sequence, string reason);

    [LoggerMessage(EventId = 2418, Level = LogLevel.Warning, Message = "Home agent refused our timestamp (144): clock offset to it now {OffsetMs} ms (RFC 4285 6)")]
    public static partial void ClockResynchronised(ILogger logger, double offsetMs);

    [LoggerMessage(EventId = 2419, Level = LogLevel.Error, Message = "Mobile node failed on an event; the event is dropped, the next one handled")]
    public static partial void EventFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2415, Level = LogLevel.Error, Message = "Mobile node loop failed")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2416, Level = LogLevel.Error, Message = "The home registration extension failed to observe an action")]
    public static partial void ExtensionFailed(ILogger logger, Exception exception);
}
