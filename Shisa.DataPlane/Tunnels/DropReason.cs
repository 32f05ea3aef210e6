namespace Shisa.DataPlane.Tunnels;

/// <summary>Why the data plane dropped a packet; each has its own counter.</summary>
public enum DropReason : byte
{
    /// <summary>Not a parsable IPv6 packet (or a tunnelled one whose inner packet is not).</summary>
    Malformed,

    /// <summary>Longer than the receive slot: only its beginning was captured.</summary>
    Truncated,

    /// <summary>A fragment of a tunnelled packet (the data plane does not reassemble outer packets).</summary>
    Fragmented,

    /// <summary>No binding for the home address (or mobile network prefix) the packet is for or from.</summary>
    NoBinding,

    /// <summary>A tunnelled packet whose outer source is not the binding's other end (RFC 6275 10.4.5, 11.3.3).</summary>
    WrongTunnelSource,

    /// <summary>A mobile node's packet while its home registration is not Bound.</summary>
    NotBound,

    /// <summary>Does not fit with the outer header (the TUN's MTU normally prevents it).</summary>
    TooBig,

    /// <summary>A Home Address option or type 2 routing header this node has no role for (or a type 2 routing header naming no home address of ours).</summary>
    RouteOptimization,

    /// <summary>More decapsulated packets in one batch than the TUN batch holds.</summary>
    BatchFull,

    /// <summary>Correspondent: a Home Address option without a binding for it (or from another care-of address), RFC 6275 9.3.1.</summary>
    HomeAddressWithoutBinding,

    /// <summary>Correspondent: a packet to a bound home address that could not take the type 2 routing header.</summary>
    RouteOptimizationFailed,

    /// <summary>
    /// Does not fit the binding's learned tunnel path MTU with the outer header: answered with a Packet Too Big
    /// (RFC 2473 7.1, RFC 4443 3.2) unless rate-limited.
    /// </summary>
    ExceedsTunnelMtu,

    /// <summary>
    /// Mobile node or router: a packet for the tunnel whose source is neither a home address nor in a registered
    /// mobile network prefix (the mobile router's ingress filter), never sent natively instead.
    /// </summary>
    SourceNotRegistered,
}
