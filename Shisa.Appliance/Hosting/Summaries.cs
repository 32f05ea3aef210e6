using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Hosting;

/// <summary>One readable line per bus message, for the event feed and <c>shisa monitor</c>.</summary>
internal static class Summaries
{
    public static string Of(MobilityMessage message) => message switch
    {
        NodeTypeInfo m => $"{m.NodeType} {(m.Enable ? "enabled" : "disabled")}",
        BindingCacheAdd m => Cache(m.Entry),
        BindingCacheRemove m => Cache(m.Entry),
        BindingCacheFlush => "all entries",
        BindingUpdateListAdd m => List(m.Entry),
        BindingUpdateListRemove m => List(m.Entry),
        BindingUpdateListFlush => "all entries",
        MovementInfo m => $"{m.Command} coa {BindingView.Text(m.CareOfAddress)} on {m.InterfaceName}{(m.OnHomeLink ? " (home link)" : "")}",
        HomeHint m => $"home link {m.HomePrefix} on {m.InterfaceName}",
        RrHint m => $"hoa {m.HomeAddress} peer {m.Peer}",
        BeHint m => $"status {m.Status} {m.Source} -> {m.Destination} hoa {BindingView.Text(m.HomeAddress)}",
        Dad m => $"{m.Message} {m.Address} on {m.InterfaceName}",
        _ => message.Type.ToString(),
    };

    private static string Cache(BindingCacheEntry e) =>
        $"hoa {e.HomeAddress} coa {e.CareOfAddress} peer {e.Peer} flags {BindingView.Flags(e.Flags)} seq {e.Sequence} lifetime {e.Lifetime.TotalSeconds:0} s" +
        (e.MobileNetworkPrefixes.Count > 0 ? $" prefixes {string.Join(",", e.MobileNetworkPrefixes)}" : "");

    private static string List(BindingUpdateListEntry e) =>
        $"peer {e.Peer} hoa {e.HomeAddress} coa {e.CareOfAddress} {e.State} seq {e.Sequence} lifetime {e.Lifetime.TotalSeconds:0} s";
}
