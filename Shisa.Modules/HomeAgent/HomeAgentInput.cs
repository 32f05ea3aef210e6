using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.Modules.Configuration;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// The events of the home agent's state machine; <see cref="HomeAgentCore.Process"/> is its one entry point. A
/// timer expiry is just one more event (<see cref="DeadlineReached"/>).
/// </summary>
public abstract record HomeAgentInput
{
    private protected HomeAgentInput()
    {
    }
}

/// <summary>The data plane received a Mobility Header or ICMPv6 mobility packet.</summary>
public sealed record SignallingReceived(SignallingPacket Packet) : HomeAgentInput;

/// <summary>A Dad message from the bus (results are acted on; the home agent's own requests are ignored).</summary>
public sealed record DadReported(Dad Message) : HomeAgentInput;

/// <summary>The time of <see cref="HomeAgentCore.NextDeadline"/> has come: expire bindings, end DAD waits.</summary>
public sealed record DeadlineReached : HomeAgentInput
{
    public static DeadlineReached Instance { get; } = new();
}

/// <summary>
/// The binding cache entries the state directory's journal kept across a restart (DESIGN 5), their lifetimes being
/// what remained at <paramref name="RestoredAt"/>. Fed once, when the module starts.
/// </summary>
public sealed record BindingsRestored(IReadOnlyList<BindingCacheEntry> Entries, DateTimeOffset RestoredAt) : HomeAgentInput;

/// <summary>The profile was reloaded: new limits, mobile node list or home prefix (a new prefix is advertised, RFC 6275 10.6.3).</summary>
public sealed record HomeAgentReconfigured(HomeAgentSection Section) : HomeAgentInput;

/// <summary>The interface of the home link, where duplicate address detection runs.</summary>
public sealed record HomeLink(string Name, int Index)
{
    public static HomeLink Unknown { get; } = new(string.Empty, 0);
}

/// <summary>Where a Binding Acknowledgement goes and how it is protected (RFC 6275 9.5.4, RFC 4285).</summary>
internal sealed class AckRoute(IPAddress destination, IPAddress? routingHomeAddress, IPAddress homeAddress)
{
    /// <summary>The Binding Update's IPv6 source: the care-of address, or the home address at home.</summary>
    public IPAddress Destination { get; } = destination;

    /// <summary>The type 2 routing header's address: the home address when the Binding Update had a HAO.</summary>
    public IPAddress? RoutingHomeAddress { get; } = routingHomeAddress;

    public IPAddress HomeAddress { get; } = homeAddress;

    /// <summary>RFC 4285: the mobile node's SPI and key when its entry has them; the BA is then signed.</summary>
    public AuthorizedMobileNode? Authenticated { get; set; }

    /// <summary>RFC 4285 6: the timestamp to echo; null puts the home agent's own time in (status 144, 145).</summary>
    public ulong? ReplayTimestamp { get; set; }

    /// <summary>RFC 5555 4.2.2: the NAT Detection option the acknowledgement carries to an IPv4 care-of address; null: none.</summary>
    public NatDetectionOption? NatDetection { get; init; }
}

/// <summary>A new home registration waiting for duplicate address detection (RFC 6275 10.3.1).</summary>
internal sealed class PendingRegistration
{
    public required long Id { get; init; }

    public required BindingUpdate Update { get; init; }

    public required AckRoute Route { get; init; }

    /// <summary>The bindings to install once the addresses are known unique (AcceptedAt is set then): one, or one per
    /// binding id of an RFC 5648 registration, all of one home address.</summary>
    public required IReadOnlyList<HomeBinding> Bindings { get; init; }

    /// <summary>The Binding Identifier options to echo in the Binding Acknowledgement (RFC 5648 6.2); empty without RFC 5648.</summary>
    public required Shisa.DataPlane.Wire.Mobility.MobilityOption[] Echo { get; init; }

    /// <summary>The status the acknowledgement will carry: 0, or 4 (MCOA NOTCOMPLETE) when some binding ids were refused.</summary>
    public required Shisa.DataPlane.Wire.Mobility.BindingAcknowledgementStatus AckStatus { get; init; }

    public IPAddress HomeAddress => Bindings[0].HomeAddress;

    public IPAddress CareOfAddress => Bindings[0].CareOfAddress;

    /// <summary>Addresses asked about whose answer has not come.</summary>
    public required HashSet<IPAddress> Waiting { get; init; }

    /// <summary>Every address asked about for this home address.</summary>
    public required HashSet<IPAddress> Requested { get; init; }

    public required DateTimeOffset Due { get; init; }
}
