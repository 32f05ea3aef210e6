using System.Net;
using Microsoft.Extensions.Logging;

namespace Shisa.DataPlane.Forwarding;

/// <summary>The forwarding-state writer's log lines (event ids 5050–5099).</summary>
internal static partial class ForwardingLog
{
    [LoggerMessage(EventId = 5050, Level = LogLevel.Warning, Message = "{Table} is full ({Capacity}): binding for {HomeAddress} refused")]
    public static partial void TableFull(ILogger logger, string table, IPAddress homeAddress, int capacity);

    [LoggerMessage(EventId = 5051, Level = LogLevel.Information, Message = "{Table}: {Binding}")]
    public static partial void BindingSet(ILogger logger, string table, string binding);

    [LoggerMessage(EventId = 5052, Level = LogLevel.Information, Message = "{Table}: removed {HomeAddress}")]
    public static partial void BindingRemoved(ILogger logger, string table, IPAddress homeAddress);

    [LoggerMessage(EventId = 5053, Level = LogLevel.Information, Message = "home address {HomeAddress} on {Tun}, source-routed into it")]
    public static partial void HomeAddressInstalled(ILogger logger, IPAddress homeAddress, string tun);

    [LoggerMessage(EventId = 5054, Level = LogLevel.Information, Message = "home address {HomeAddress} on {Interface}: on the home link")]
    public static partial void HomeAddressAtHome(ILogger logger, IPAddress homeAddress, string @interface);

    [LoggerMessage(EventId = 5055, Level = LogLevel.Warning, Message = "kernel request failed: {Error} (retried by the next change or reconcile)")]
    public static partial void KernelFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 5056, Level = LogLevel.Information, Message = "reconciled the kernel: {Repaired} items repaired ({Removed} leftovers removed, {Added} missing re-added in all)")]
    public static partial void Reconciled(ILogger logger, int repaired, long removed, long added);

    [LoggerMessage(EventId = 5057, Level = LogLevel.Error, Message = "applying {Message} failed")]
    public static partial void ApplyFailed(ILogger logger, string message, Exception exception);

    [LoggerMessage(EventId = 5058, Level = LogLevel.Warning, Message = "signalling send queue full ({Capacity}): a packet was dropped")]
    public static partial void SendQueueFull(ILogger logger, int capacity);

    [LoggerMessage(EventId = 5059, Level = LogLevel.Information, Message = "nftables table ip6 {Table} installed (replacing any left over)")]
    public static partial void TableInstalled(ILogger logger, string table);

    [LoggerMessage(EventId = 5060, Level = LogLevel.Warning, Message = "could not remove {What}: {Error}")]
    public static partial void CleanupFailed(ILogger logger, string what, string error);

    [LoggerMessage(EventId = 5061, Level = LogLevel.Information, Message = "care-of address {CareOf} leaves through {Interface} (table {Table}: {Routes})")]
    public static partial void UplinkRouted(ILogger logger, IPAddress careOf, string @interface, int table, string routes);

    [LoggerMessage(EventId = 5062, Level = LogLevel.Warning, Message = "no default route through {Interface} in the main table ({Reason}): packets from care-of address {CareOf} follow the main table")]
    public static partial void UplinkUnrouted(ILogger logger, string @interface, IPAddress careOf, string reason);

    [LoggerMessage(EventId = 5063, Level = LogLevel.Information, Message = "care-of address {CareOf} formed on {Interface} from router {Router}'s remembered prefix (DNA), before its advertisement")]
    public static partial void CareOfAddressFormed(ILogger logger, IPAddress careOf, string @interface, IPAddress router);

    [LoggerMessage(EventId = 5064, Level = LogLevel.Warning, Message = "care-of address {CareOf} could not be formed on {Interface}: {Error} (the router's advertisement will)")]
    public static partial void CareOfAddressNotFormed(ILogger logger, IPAddress careOf, string @interface, string error);
}
