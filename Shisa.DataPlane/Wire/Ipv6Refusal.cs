using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Wire;

/// <summary>Why <see cref="Ipv6Packet.TryParse(ReadOnlySpan{byte}, out Ipv6Packet, out Ipv6Refusal)"/> refused a packet.</summary>
public enum Ipv6RefusalReason : byte
{
    None = 0,

    /// <summary>Shorter than the fixed header, or than 40 + Payload Length.</summary>
    Truncated,

    /// <summary>The version field is not 6.</summary>
    NotVersion6,

    /// <summary>An extension header's length runs past the payload.</summary>
    ExtensionHeaderTruncated,

    /// <summary>Next Header 0 anywhere but in the fixed header (RFC 8200 4.1: Parameter Problem code 1).</summary>
    HopByHopNotFirst,

    /// <summary>More extension headers than <see cref="Ipv6Packet.MaxExtensionHeaders"/>: bounded work per packet.</summary>
    TooManyExtensionHeaders,

    /// <summary>An option's length runs past the end of its options header.</summary>
    OptionOverrun,

    /// <summary>An unknown option whose action bits are 01: discard silently (RFC 8200 4.2).</summary>
    UnrecognizedOptionDiscard,

    /// <summary>An unknown option whose action bits are 10 or 11: discard, Parameter Problem code 2 (RFC 8200 4.2).</summary>
    UnrecognizedOption,

    /// <summary>A Home Address option whose Opt Data Len is not 16 (RFC 6275 6.3).</summary>
    HomeAddressOptionLength,

    /// <summary>A second Home Address option for the same IPv6 header (RFC 6275 6.3: at most once).</summary>
    DuplicateHomeAddressOption,

    /// <summary>The Home Address option carries a multicast, link-local, loopback, unspecified or IPv4-mapped address (RFC 6275 9.3.1).</summary>
    HomeAddressNotRoutableUnicast,

    /// <summary>A routing header of a type this node does not process with Segments Left non-zero (RFC 8200 4.4: code 0 at the Routing Type).</summary>
    UnrecognizedRoutingType,

    /// <summary>A type 2 routing header whose Hdr Ext Len is not 2 (RFC 6275 6.4).</summary>
    Type2RoutingHeaderLength,

    /// <summary>A type 2 routing header whose Segments Left is not 1 (RFC 6275 6.4).</summary>
    Type2RoutingHeaderSegmentsLeft,

    /// <summary>A second type 2 routing header: one home address per packet.</summary>
    DuplicateType2RoutingHeader,

    /// <summary>A fragment with M set whose fragmentable length is not a multiple of 8 (RFC 8200 4.5: code 0 at Payload Length).</summary>
    FragmentLength,
}

/// <summary>
/// A refusal: the reason, the packet offset of the field at fault, and whether and how to answer with an ICMPv6
/// Parameter Problem (RFC 4443 3.4), whose pointer is the same offset.
/// </summary>
public readonly record struct Ipv6Refusal(Ipv6RefusalReason Reason, int Offset, bool SendParameterProblem, ParameterProblemCode Code)
{
    /// <summary>The Parameter Problem pointer (meaningful when <see cref="SendParameterProblem"/>).</summary>
    public uint Pointer => (uint)Math.Max(Offset, 0);

    internal static Ipv6Refusal Silent(Ipv6RefusalReason reason, int offset) => new(reason, offset, false, default);

    internal static Ipv6Refusal WithParameterProblem(Ipv6RefusalReason reason, int offset, ParameterProblemCode code) => new(reason, offset, true, code);
}
