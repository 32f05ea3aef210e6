using System.Net;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.Modules.MobileNode;

/// <summary>
/// What the home registration machine reacts to. Timer expiries are events like the others
/// (<see cref="RegistrationTimeout"/>); the time of each event is passed in with it, never read.
/// </summary>
public abstract record HomeRegistrationEvent;

/// <summary>The movement detector reported a new care-of address (MIPM_MD_INFO, NewCareOfAddress).</summary>
public sealed record MovedTo(IPAddress CareOfAddress, string InterfaceName) : HomeRegistrationEvent;

/// <summary>The node is back on its home link (MIPM_MD_INFO ReturnedHome, or a HomeHint).</summary>
public sealed record ReturnedHome(string InterfaceName) : HomeRegistrationEvent;

/// <summary>A care-of address went away (MIPM_MD_INFO CareOfAddressRemoved).</summary>
public sealed record CareOfAddressLost(IPAddress CareOfAddress) : HomeRegistrationEvent;

/// <summary>A Binding Acknowledgement, with the addresses it came with (its authentication, if any, already checked).</summary>
public sealed record BaReceived(
    BindingAcknowledgement Ack,
    IPAddress Source,
    IPAddress Destination,
    IPAddress? RoutingHomeAddress) : HomeRegistrationEvent;

/// <summary>A Binding Refresh Request (RFC 6275 11.7.4).</summary>
public sealed record BrrReceived(IPAddress Source) : HomeRegistrationEvent;

/// <summary>A Home Agent Address Discovery Reply (RFC 6275 11.4.1).</summary>
public sealed record HaadReplyReceived(HomeAgentAddressDiscoveryReply Reply, IPAddress Source) : HomeRegistrationEvent;

/// <summary>The home prefix's remaining valid lifetime, learnt from a Mobile Prefix Advertisement (RFC 6275 11.4.3).</summary>
public sealed record HomePrefixLifetime(TimeSpan ValidLifetime) : HomeRegistrationEvent;

/// <summary>
/// The home registration the state directory's journal kept (DESIGN 5): the process ended without deregistering
/// (a crash, kill -9), so the home agent may still hold the binding. <paramref name="Entry"/>'s lifetime is what
/// remained at <paramref name="RestoredAt"/>. Fed once, at start, to an idle machine.
/// </summary>
public sealed record RegistrationRestored(Shisa.DataPlane.Bus.BindingUpdateListEntry Entry, DateTimeOffset RestoredAt) : HomeRegistrationEvent;

/// <summary>The operator asked for a refresh now (<c>shisa ctl reregister</c>); acted on only when bound.</summary>
public sealed record RefreshRequested : HomeRegistrationEvent
{
    public static RefreshRequested Instance { get; } = new();
}

/// <summary>The machine's one timer expired.</summary>
public sealed record RegistrationTimeout : HomeRegistrationEvent
{
    public static RegistrationTimeout Instance { get; } = new();
}

/// <summary>The module stops: deregister if bound.</summary>
public sealed record StopRequested : HomeRegistrationEvent
{
    public static StopRequested Instance { get; } = new();
}

/// <summary>The stop's wait is over: drop whatever is left without waiting any longer.</summary>
public sealed record Abandon : HomeRegistrationEvent
{
    public static Abandon Instance { get; } = new();
}
