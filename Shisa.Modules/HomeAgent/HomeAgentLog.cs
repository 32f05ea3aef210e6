using System.Net;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.Modules.HomeAgent;

// Event ids 3000-3099 belong to the home agent; keep them stable, operators filter on them.
internal static partial class HomeAgentLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Home agent {Address} serving {Prefix} for {Count} mobile node(s), at most {MaxBindings} bindings")]
    public static partial void Started(ILogger logger, IPAddress address, string prefix, int count, int maxBindings);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Home agent stopped with {Count} binding(s), kept for the next start")]
    public static partial void Stopped(ILogger logger, int count);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Home agent reconfigured: prefix {Prefix}, {Count} mobile node(s)")]
    public static partial void Reconfigured(ILogger logger, string prefix, int count);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Home agent restored {Restored} binding(s) from the state directory, removed {Removed} it may no longer keep")]
    public static partial void Restored(ILogger logger, int restored, int removed);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Restored binding {HomeAddress} -> {CareOfAddress} removed: expired, or no longer allowed by the profile")]
    public static partial void NotRestored(ILogger logger, IPAddress homeAddress, IPAddress careOfAddress);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Binding {HomeAddress} removed: the reloaded profile no longer names the mobile node")]
    public static partial void RemovedByReload(ILogger logger, IPAddress homeAddress);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Mobile node {HomeAddress} may register without authentication (authentication = \"none\"): anyone can move its traffic")]
    public static partial void Unauthenticated(ILogger logger, IPAddress homeAddress);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Binding {HomeAddress} -> {CareOfAddress} flushed by the operator")]
    public static partial void Flushed(ILogger logger, IPAddress homeAddress, IPAddress careOfAddress);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Binding {HomeAddress} -> {CareOfAddress} accepted: sequence {Sequence}, lifetime {LifetimeSeconds} s")]
    public static partial void Accepted(ILogger logger, IPAddress homeAddress, IPAddress careOfAddress, ushort sequence, double lifetimeSeconds);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Binding of {HomeAddress} deregistered (sequence {Sequence})")]
    public static partial void Deregistered(ILogger logger, IPAddress homeAddress, ushort sequence);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Binding of {HomeAddress} expired")]
    public static partial void Expired(ILogger logger, IPAddress homeAddress);

    // Debug: a flood of forged BUs must not become a flood of log lines; RefusalSummary (3014) is the Warning.
    [LoggerMessage(EventId = 3013, Level = LogLevel.Debug, Message = "Binding Update from {HomeAddress} (care-of {CareOfAddress}, sequence {Sequence}) refused: {Status}")]
    public static partial void Refused(ILogger logger, IPAddress homeAddress, IPAddress careOfAddress, ushort sequence, BindingAcknowledgementStatus status);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "{Count} Binding Update(s) refused within {IntervalSeconds} s, by status: {Statuses}; {Unanswered} not answered (rate limit)")]
    public static partial void RefusalSummary(ILogger logger, long count, double intervalSeconds, string statuses, long unanswered);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Debug, Message = "Duplicate address detection of {Address} on {Interface} requested")]
    public static partial void DadRequested(ILogger logger, IPAddress address, string @interface);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Warning, Message = "Duplicate address detection of {Address} failed")]
    public static partial void DadFailed(ILogger logger, IPAddress address);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Warning, Message = "No duplicate address detection answer for {HomeAddress} in time; registration refused (130), never accepted unchecked")]
    public static partial void DadTimedOut(ILogger logger, IPAddress homeAddress);

    [LoggerMessage(EventId = 3030, Level = LogLevel.Debug, Message = "Dropped a packet from {Source}: {Reason}")]
    public static partial void Dropped(ILogger logger, IPAddress? source, HomeAgentDropReason reason);

    [LoggerMessage(EventId = 3031, Level = LogLevel.Debug, Message = "Binding Error {Status} sent to {Destination}")]
    public static partial void BindingErrorSent(ILogger logger, BindingErrorStatus status, IPAddress destination);

    [LoggerMessage(EventId = 3032, Level = LogLevel.Debug, Message = "Parameter Problem (pointer {Pointer}) sent to {Destination}")]
    public static partial void ParameterProblemSent(ILogger logger, uint pointer, IPAddress destination);

    [LoggerMessage(EventId = 3040, Level = LogLevel.Debug, Message = "Home agent address discovery reply {Identifier} sent to {Destination}")]
    public static partial void DiscoveryReplied(ILogger logger, ushort identifier, IPAddress destination);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Debug, Message = "Mobile prefix advertisement {Identifier} sent to {HomeAddress} at {CareOfAddress}")]
    public static partial void PrefixAdvertised(ILogger logger, ushort identifier, IPAddress homeAddress, IPAddress careOfAddress);
}
