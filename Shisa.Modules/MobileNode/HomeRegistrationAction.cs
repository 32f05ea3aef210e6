using System.Net;
using Shisa.DataPlane.Bus;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.MobileNode;

/// <summary>What the home registration machine asks its module to do.</summary>
public abstract record HomeRegistrationAction;

/// <summary>
/// A Binding Update to send: from <paramref name="Source"/> to <paramref name="Destination"/>, with a Home Address
/// option for <paramref name="HomeAddressOption"/> when away from home (RFC 6275 11.7.1), none when sent from the home
/// address (11.5.5).
/// </summary>
/// <param name="Sequence">The Binding Update's sequence number.</param>
/// <param name="Flags">Its flags (A, H, L, K, R).</param>
/// <param name="Lifetime">The lifetime asked for; zero deregisters.</param>
/// <param name="Source">IPv6 source: the care-of address, or the home address at home.</param>
/// <param name="Destination">IPv6 destination: the home agent.</param>
/// <param name="HomeAddressOption">The Home Address option's address; null for none.</param>
/// <param name="AlternateCareOfAddress">The Alternate Care-of Address option's address; null for none.</param>
/// <param name="MobileNetworkPrefixes">A mobile router's prefixes in explicit mode: one Mobile Network Prefix option
/// each (RFC 3963 4.3, 5.2); empty otherwise.</param>
/// <param name="BindingIdentifiers">RFC 5648's Binding Identifier options: one per uplink registered (a bulk registration) or
/// deregistered; empty without multiple care-of addresses.</param>
public sealed record BindingUpdateRequest(
    ushort Sequence,
    WireFlags Flags,
    TimeSpan Lifetime,
    IPAddress Source,
    IPAddress Destination,
    IPAddress? HomeAddressOption,
    IPAddress? AlternateCareOfAddress = null,
    EquatableArray<Prefix> MobileNetworkPrefixes = default,
    EquatableArray<Shisa.DataPlane.Wire.Mobility.BindingIdentifierOption> BindingIdentifiers = default)
{
    public bool IsDeregistration => Lifetime == TimeSpan.Zero;
}

/// <summary>Send a Binding Update to the home agent.</summary>
/// <param name="Request">What to send.</param>
/// <param name="Retransmission">True when it repeats an unanswered one (RFC 6275 11.8).</param>
/// <param name="Ahead">True when it depends on no forwarding state published before it: it leaves at once instead of
/// waiting for the data plane to apply that state (<see cref="Shisa.DataPlane.IPacketSender.TrySendAhead"/>).</param>
public sealed record SendBindingUpdate(BindingUpdateRequest Request, bool Retransmission, bool Ahead = false) : HomeRegistrationAction;

/// <summary>A Home Agent Address Discovery Request to the home agents' anycast address (RFC 6275 11.4.1).</summary>
/// <param name="Identifier">The request's identifier, echoed in the reply.</param>
/// <param name="Source">IPv6 source: the care-of address.</param>
/// <param name="Destination">IPv6 destination: the home agents' anycast address.</param>
/// <param name="Retransmission">True when it repeats an unanswered one.</param>
/// <param name="MobileRouterSupport">Ask only for home agents that support mobile routers (the R bit, RFC 3963 7.1).</param>
public sealed record SendHaadRequest(ushort Identifier, IPAddress Source, IPAddress Destination, bool Retransmission, bool MobileRouterSupport = false) : HomeRegistrationAction;

/// <summary>Ask the home agent for the home prefixes (RFC 6275 11.4.2).</summary>
public sealed record SolicitPrefixes(IPAddress CareOfAddress, IPAddress HomeAgent) : HomeRegistrationAction;

/// <summary>Publish on the mobility bus (the data plane acts on binding update list entries).</summary>
public sealed record PublishMessage(MobilityMessage Message) : HomeRegistrationAction;

/// <summary>(Re)arm the machine's one timer to expire after <paramref name="After"/>.</summary>
public sealed record ArmTimer(TimeSpan After) : HomeRegistrationAction;

public sealed record CancelTimer : HomeRegistrationAction
{
    public static CancelTimer Instance { get; } = new();
}

/// <summary>A registration was acknowledged: a handover (<paramref name="Refresh"/> false) or a refresh.</summary>
/// <param name="PreviousCareOfAddress">The care-of address bound before, null on the first registration.</param>
/// <param name="CareOfAddress">The care-of address now bound.</param>
/// <param name="MovedAt">When the movement that led here was reported.</param>
/// <param name="BoundAt">When the Binding Acknowledgement was received.</param>
/// <param name="GrantedLifetime">The lifetime the home agent granted.</param>
/// <param name="Refresh">True when the care-of address did not change.</param>
public sealed record Registered(
    IPAddress? PreviousCareOfAddress,
    IPAddress CareOfAddress,
    DateTimeOffset MovedAt,
    DateTimeOffset BoundAt,
    TimeSpan GrantedLifetime,
    bool Refresh) : HomeRegistrationAction
{
    public TimeSpan Duration => BoundAt - MovedAt;
}

/// <summary>Back home, the deregistration was acknowledged (RFC 6275 11.5.5): the handover home is complete.</summary>
/// <param name="PreviousCareOfAddress">The care-of address the node came home from, when it had one.</param>
/// <param name="MovedAt">When the return home was reported.</param>
/// <param name="DeregisteredAt">When the Binding Acknowledgement of the deregistration was received.</param>
public sealed record ReturnedHomeDeregistered(IPAddress? PreviousCareOfAddress, DateTimeOffset MovedAt, DateTimeOffset DeregisteredAt) : HomeRegistrationAction;

/// <summary>The home agent refused (status &gt;= 128); <paramref name="GaveUp"/> when no more retries follow.</summary>
public sealed record Refused(Shisa.DataPlane.Wire.Mobility.BindingAcknowledgementStatus Status, bool GaveUp) : HomeRegistrationAction;

/// <summary>
/// The home agent accepted a mobile router's registration without the R flag: it does not support mobile routers
/// (RFC 3963 4.2, 5.3). The binding there is deregistered and another home agent looked for with DHAAD (RFC 3963 7).
/// </summary>
public sealed record HomeAgentUnsuitable(IPAddress HomeAgent) : HomeRegistrationAction;

/// <summary>The home agent answered the deregistration of one binding id (RFC 5648 6.2) with <paramref name="Status"/>.</summary>
public sealed record BindingDeregistered(Shisa.DataPlane.Wire.Mobility.BindingAcknowledgementStatus Status) : HomeRegistrationAction;

/// <summary>An event that changed nothing, and why (logged and counted).</summary>
public sealed record Ignored(string Reason) : HomeRegistrationAction;
