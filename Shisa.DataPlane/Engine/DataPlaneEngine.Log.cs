using System.Net;
using Microsoft.Extensions.Logging;

namespace Shisa.DataPlane.Engine;

public sealed partial class DataPlaneEngine
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "data plane started: node types {NodeTypes}, ports [{Ports}], tun {Tun}, namespace {Namespace}")]
        public static partial void Started(ILogger logger, string nodeTypes, string ports, string tun, string @namespace);

        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "data plane stopped; kernel state removed, bindings kept in the journal")]
        public static partial void Stopped(ILogger logger);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "forwarding loop on {Port} failed on a batch")]
        public static partial void LoopFailed(ILogger logger, string port, Exception exception);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "applying {Message} failed: {Error}")]
        public static partial void ApplyFailed(ILogger logger, string message, string error);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "undoing kernel state failed: {Error}")]
        public static partial void UndoFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "{Table} is full ({Capacity}): binding for {HomeAddress} refused")]
        public static partial void TableFull(ILogger logger, string table, IPAddress homeAddress, int capacity);

        [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "{Table}: {Binding}")]
        public static partial void BindingSet(ILogger logger, string table, string binding);

        [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "{Table}: removed {HomeAddress}")]
        public static partial void BindingRemoved(ILogger logger, string table, IPAddress homeAddress);

        [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "home address {HomeAddress} on {Tun}, source-routed into it")]
        public static partial void HomeAddressInstalled(ILogger logger, IPAddress homeAddress, string tun);

        [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "no port on {Interface} for {What}")]
        public static partial void NoPortFor(ILogger logger, string @interface, string what);

        [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "could not remove {What} ({Failures} failures, logged above)")]
        public static partial void CleanupFailed(ILogger logger, string what, int failures);

        [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "thread {Thread} did not stop")]
        public static partial void ThreadDidNotStop(ILogger logger, string thread);

        [LoggerMessage(EventId = 2012, Level = LogLevel.Error, Message = "applying a bus message failed")]
        public static partial void ConsumerFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "reading interface addresses failed: {Error}")]
        public static partial void AddressRefreshFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 2014, Level = LogLevel.Information, Message = "home address {HomeAddress} on {Interface}: on the home link")]
        public static partial void HomeAddressAtHome(ILogger logger, IPAddress homeAddress, string @interface);
    }
}
