using System.Net;
using Microsoft.Extensions.Logging;

namespace Shisa.Modules.MobileRouter;

// Event ids 2800-2899 belong to the mobile router; keep them stable, operators filter on them.
internal static partial class MobileRouterLog
{
    [LoggerMessage(EventId = 2800, Level = LogLevel.Information, Message = "Mobile router shapes the home registration of {HomeAddress}: {Mode} mode, mobile network prefixes {Prefixes}, ingress {Ingress}")]
    public static partial void Attached(ILogger logger, IPAddress homeAddress, string mode, string prefixes, string ingress);

    [LoggerMessage(EventId = 2801, Level = LogLevel.Information, Message = "Mobile router started")]
    public static partial void Started(ILogger logger);

    [LoggerMessage(EventId = 2802, Level = LogLevel.Information, Message = "Mobile network {Prefixes} registered with home agent {HomeAgent} from care-of address {CareOf}, lifetime {LifetimeS} s: the data plane tunnels it")]
    public static partial void Registered(ILogger logger, string prefixes, IPAddress homeAgent, IPAddress careOf, double lifetimeS);

    [LoggerMessage(EventId = 2803, Level = LogLevel.Debug, Message = "Mobile network registration refreshed with {HomeAgent}, lifetime {LifetimeS} s")]
    public static partial void Refreshed(ILogger logger, IPAddress homeAgent, double lifetimeS);

    [LoggerMessage(EventId = 2804, Level = LogLevel.Information, Message = "Mobile network {Prefixes} no longer routed through home agent {HomeAgent}")]
    public static partial void Withdrawn(ILogger logger, string prefixes, IPAddress homeAgent);

    [LoggerMessage(EventId = 2805, Level = LogLevel.Warning, Message = "Home agent {HomeAgent} refused the mobile router: status {Status} ({Meaning}){Retry}")]
    public static partial void Refused(ILogger logger, string homeAgent, byte status, string meaning, string retry);

    [LoggerMessage(EventId = 2806, Level = LogLevel.Warning, Message = "Home agent {HomeAgent} accepted the registration without the R flag: it does not support mobile routers (RFC 3963 4.2); deregistering there and looking for another with DHAAD")]
    public static partial void HomeAgentWithoutNemo(ILogger logger, IPAddress homeAgent);

    [LoggerMessage(EventId = 2807, Level = LogLevel.Debug, Message = "DHAAD request {Identifier} asks for home agents that support mobile routers{Retransmission}")]
    public static partial void Discovering(ILogger logger, ushort identifier, string retransmission);

    [LoggerMessage(EventId = 2808, Level = LogLevel.Information, Message = "Mobile router stopped; the mobile node deregisters the home registration")]
    public static partial void Stopped(ILogger logger);
}
