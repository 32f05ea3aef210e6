using System.Net;
using Shisa.DataPlane.Wire.Mobility;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;

namespace Shisa.Modules.MobileNode.ReturnRoutability;

/// <summary>What the binding with one correspondent asks its manager to do or to count.</summary>
public abstract record CorrespondentAction;

/// <summary>
/// A Home Test Init from the home address to the correspondent (RFC 6275 6.1.3, 11.6.1): a plain packet; away from
/// home the data plane reverse-tunnels it to the home agent, at home it goes directly.
/// </summary>
public sealed record SendHomeTestInit(ulong Cookie, IPAddress Source, IPAddress Destination, bool Retransmission) : CorrespondentAction;

/// <summary>A Care-of Test Init from the care-of address straight to the correspondent (RFC 6275 6.1.4, 11.6.1).</summary>
public sealed record SendCareOfTestInit(ulong Cookie, IPAddress Source, IPAddress Destination, bool Retransmission) : CorrespondentAction;

/// <summary>
/// A Binding Update to a correspondent, authorized by return routability (RFC 6275 6.1.7, 11.7.2): the A flag, a
/// Nonce Indices option and a Binding Authorization Data option signed with <paramref name="Kbm"/> over
/// <paramref name="AuthenticatedCareOf"/> | correspondent | MH data.
/// </summary>
/// <param name="Sequence">The Binding Update's sequence number.</param>
/// <param name="Lifetime">The lifetime asked for; zero deletes the binding.</param>
/// <param name="Source">The care-of address; the home address for a deletion sent from home.</param>
/// <param name="Destination">The correspondent's address.</param>
/// <param name="HomeAddressOption">The home address when sent from the care-of address, null from home.</param>
/// <param name="AuthenticatedCareOf">The care-of address the authenticator covers (the source address).</param>
/// <param name="HomeNonceIndex">The home nonce index of the Home Test (Nonce Indices option).</param>
/// <param name="CareOfNonceIndex">The care-of nonce index of the Care-of Test (Nonce Indices option).</param>
/// <param name="Kbm">The binding management key made from the keygen tokens.</param>
public sealed record CorrespondentBindingUpdateRequest(
    ushort Sequence,
    TimeSpan Lifetime,
    IPAddress Source,
    IPAddress Destination,
    IPAddress? HomeAddressOption,
    IPAddress AuthenticatedCareOf,
    ushort HomeNonceIndex,
    ushort CareOfNonceIndex,
    ReadOnlyMemory<byte> Kbm)
{
    public bool IsDeregistration => Lifetime == TimeSpan.Zero;
}

/// <summary>Send a Binding Update to a correspondent.</summary>
/// <param name="Request">What to send.</param>
/// <param name="Retransmission">True when it repeats an unanswered one with a new sequence number (RFC 6275 11.8).</param>
public sealed record SendCorrespondentBindingUpdate(CorrespondentBindingUpdateRequest Request, bool Retransmission) : CorrespondentAction;

/// <summary>Publish on the mobility bus (binding update list entries for the data plane).</summary>
public sealed record PublishBindingUpdateList(BusMessage Message) : CorrespondentAction;

/// <summary>The correspondent accepted the binding for <paramref name="Lifetime"/>.</summary>
public sealed record CorrespondentBound(IPAddress CareOfAddress, TimeSpan Lifetime, bool Refresh) : CorrespondentAction;

/// <summary>The correspondent deleted the binding (the acknowledgement of a lifetime 0 Binding Update).</summary>
public sealed record CorrespondentDeregistered : CorrespondentAction
{
    public static CorrespondentDeregistered Instance { get; } = new();
}

/// <summary>A Binding Acknowledgement refused the binding with <paramref name="Status"/>.</summary>
public sealed record CorrespondentRefused(BindingAcknowledgementStatus Status) : CorrespondentAction;

/// <summary>An attempt failed (<paramref name="Failures"/> in a row now); the machine retries or gives up.</summary>
public sealed record CorrespondentFailure(string Reason, int Failures) : CorrespondentAction;

/// <summary>Route optimization with this correspondent is over for good (RFC 6275 11.3.6, 11.8): remember it.</summary>
public sealed record CorrespondentGaveUp(string Reason) : CorrespondentAction;

/// <summary>A Binding Acknowledgement whose Binding Authorization Data did not verify (or was missing); dropped.</summary>
public sealed record AcknowledgementNotAuthentic(string Reason) : CorrespondentAction;

/// <summary>An event that changed nothing, and why (logged).</summary>
public sealed record CorrespondentIgnored(string Reason) : CorrespondentAction;
