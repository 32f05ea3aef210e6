using System.Net;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;

namespace Shisa.Modules.MobileNode.ReturnRoutability;

/// <summary>
/// What the binding with one correspondent reacts to. Timer expiries are events like the others
/// (<see cref="CorrespondentTimeout"/>); the time of each event is passed in with it, never read.
/// </summary>
public abstract record CorrespondentEvent;

/// <summary>Start route optimization (an RrHint or policy) from <paramref name="CareOfAddress"/>; the home registration is bound.</summary>
public sealed record StartRequested(IPAddress CareOfAddress) : CorrespondentEvent;

/// <summary>A Home Test (RFC 6275 6.1.5), with the addresses of the packet that carried it.</summary>
public sealed record HomeTestReceived(HomeTest Message, IPAddress Source, IPAddress Destination) : CorrespondentEvent;

/// <summary>A Care-of Test (RFC 6275 6.1.6), with the addresses of the packet that carried it.</summary>
public sealed record CareOfTestReceived(CareOfTest Message, IPAddress Source, IPAddress Destination) : CorrespondentEvent;

/// <summary>A Binding Acknowledgement from the correspondent; its authenticator is checked by the machine (it holds Kbm).</summary>
public sealed record AcknowledgementReceived(BindingAcknowledgement Ack, ReceivedMobilityMessage Received) : CorrespondentEvent;

/// <summary>A Binding Error from the correspondent (RFC 6275 6.1.9, 11.3.6).</summary>
public sealed record BindingErrorReceived(BindingError Error, IPAddress Source) : CorrespondentEvent;

/// <summary>A Binding Refresh Request from the correspondent (RFC 6275 11.7.4).</summary>
public sealed record RefreshRequestReceived(IPAddress Source) : CorrespondentEvent;

/// <summary>
/// The correspondent cannot do route optimization: an ICMPv6 Parameter Problem about our Home Address option or
/// Mobility Header (RFC 6275 11.3.6).
/// </summary>
public sealed record RouteOptimizationUnsupported(string Reason) : CorrespondentEvent;

/// <summary>The movement detector reported a new care-of address (the home registration for it may not be bound yet).</summary>
public sealed record CareOfAddressChanged(IPAddress CareOfAddress) : CorrespondentEvent;

/// <summary>The home agent acknowledged the home registration of <paramref name="CareOfAddress"/>: the reverse tunnel works.</summary>
public sealed record HomeRegistrationBound(IPAddress CareOfAddress) : CorrespondentEvent;

/// <summary>The care-of address went away and no other replaced it yet.</summary>
public sealed record CareOfAddressLost : CorrespondentEvent
{
    public static CareOfAddressLost Instance { get; } = new();
}

/// <summary>The node is back on its home link.</summary>
public sealed record ReturnedHomeLink : CorrespondentEvent
{
    public static ReturnedHomeLink Instance { get; } = new();
}

/// <summary>The machine's deadline (<see cref="CorrespondentRegistration.Deadline"/>) passed.</summary>
public sealed record CorrespondentTimeout : CorrespondentEvent
{
    public static CorrespondentTimeout Instance { get; } = new();
}

/// <summary>The mobile node stops: delete the binding if possible, without waiting for the answer.</summary>
public sealed record CorrespondentStop : CorrespondentEvent
{
    public static CorrespondentStop Instance { get; } = new();
}
