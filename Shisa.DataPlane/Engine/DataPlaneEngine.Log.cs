using System.Net;
using Microsoft.Extensions.Logging;

namespace Shisa.DataPlane.Engine;

public sealed partial class DataPlaneEngine
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "data plane started: node types {NodeTypes}, ports [{Ports}], tun {Tun}, namespace {Namespace}")]
        public static partial void Started(ILogger logger, string nodeTypes, string ports, string tun, string @namespace);

        [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "data plane stopped; kernel state removed, bindings kept in the journal")]
        public static partial void Stopped(ILogger logger);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "forwarding loop on {Port} failed on a batch")]
        public static partial void LoopFailed(ILogger logger, string port, Exception exception);

        [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "no port on {Interface} for {What}")]
        public static partial void NoPortFor(ILogger logger, string @interface, string what);

        [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "thread {Thread} did not stop")]
        public static partial void ThreadDidNotStop(ILogger logger, string thread);

        [LoggerMessage(EventId = 5014, Level = LogLevel.Information, Message = "uplink {Interface} is not there ({Error}): picked up when it appears")]
        public static partial void UplinkAbsent(ILogger logger, string @interface, string error);

        [LoggerMessage(EventId = 5015, Level = LogLevel.Information, Message = "uplink {Interface} appeared (index {Index}): port opened")]
        public static partial void UplinkPortOpened(ILogger logger, string @interface, int index);

        [LoggerMessage(EventId = 5016, Level = LogLevel.Information, Message = "uplink {Interface} is gone: port closed")]
        public static partial void UplinkPortClosed(ILogger logger, string @interface);

        [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "reading interface addresses failed: {Error}")]
        public static partial void AddressRefreshFailed(ILogger logger, string error);
    }
}
