using System.Net;

namespace Shisa.DataPlane.Bus;

/// <summary>
/// MIPM_HOME_HINT (11): a Router Advertisement on <see cref="InterfaceName"/> carried <see cref="HomePrefix"/>:
/// the node is on its home link (mipsock mipm_home_hint).
/// </summary>
public sealed record HomeHint(string InterfaceName, int InterfaceIndex, Prefix HomePrefix) : MobilityMessage
{
    public override MessageType Type => MessageType.HomeHint;
}

/// <summary>
/// MIPM_RR_HINT (12): a packet from <see cref="Peer"/> to <see cref="HomeAddress"/> came through the reverse
/// tunnel: consider route optimization with that correspondent (mipsock mipm_rr_hint).
/// </summary>
public sealed record RrHint(IPAddress HomeAddress, IPAddress Peer) : MobilityMessage
{
    public override MessageType Type => MessageType.RrHint;
}

/// <summary>Binding Error status values (RFC 6275 6.1.9).</summary>
public enum BindingErrorStatus : byte
{
    /// <summary>A Home Address destination option without a binding for it.</summary>
    UnknownBindingForHomeAddressOption = 1,

    /// <summary>An unrecognized Mobility Header type value.</summary>
    UnrecognizedMhType = 2,
}

/// <summary>
/// MIPM_BE_HINT (13): the data plane saw a packet that asks for a Binding Error (RFC 6275 9.3.3); the signalling
/// side sends it (mipsock mipm_be_hint).
/// </summary>
/// <param name="Status">The Binding Error status.</param>
/// <param name="Source">The offending packet's source address (the Binding Error's destination).</param>
/// <param name="Destination">The offending packet's destination address.</param>
/// <param name="HomeAddress">The home address of the Home Address option, if any.</param>
public sealed record BeHint(BindingErrorStatus Status, IPAddress Source, IPAddress Destination, IPAddress? HomeAddress) : MobilityMessage
{
    public override MessageType Type => MessageType.BeHint;
}
