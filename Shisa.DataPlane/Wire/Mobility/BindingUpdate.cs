using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>Flags of the Binding Update; bits not named here are reserved and kept as read.</summary>
[Flags]
public enum BindingUpdateFlags : ushort
{
    None = 0,

    /// <summary>Acknowledge (RFC 6275 6.1.7).</summary>
    A = 0x8000,

    /// <summary>Home Registration (RFC 6275 6.1.7).</summary>
    H = 0x4000,

    /// <summary>Link-Local Address Compatibility (RFC 6275 6.1.7).</summary>
    L = 0x2000,

    /// <summary>Key Management Mobility Capability (RFC 6275 6.1.7).</summary>
    K = 0x1000,

    /// <summary>MAP Registration (RFC 5380).</summary>
    M = 0x0800,

    /// <summary>Mobile Router (RFC 3963 4.1).</summary>
    R = 0x0400,

    /// <summary>Proxy Registration (RFC 5213).</summary>
    P = 0x0200,

    /// <summary>Force UDP encapsulation (RFC 5555 3.1.3): UDP even when the home agent finds no NAT.</summary>
    F = 0x0100,
}

/// <summary>
/// Binding Update, RFC 6275 6.1.7 (MH Type 5): Header Len at least 1; lifetime in 4-second units.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |          Sequence #           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |A|H|L|K|M|R|P|F|  Reserved     |           Lifetime            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility Options                       .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record BindingUpdate(ushort Sequence, BindingUpdateFlags Flags, ushort LifetimeUnits) : MobilityMessage
{
    private const int SequenceOffset = 6;
    private const int FlagsOffset = 8;
    private const int LifetimeOffset = 10;

    public override MobilityHeaderType Type => MobilityHeaderType.BindingUpdate;

    public TimeSpan Lifetime => MobilityLifetime.ToTimeSpan(LifetimeUnits);

    internal static BindingUpdate Parse(ReadOnlySpan<byte> mh, MobilityOptionList options) =>
        new(
            BinaryPrimitives.ReadUInt16BigEndian(mh[SequenceOffset..]),
            (BindingUpdateFlags)BinaryPrimitives.ReadUInt16BigEndian(mh[FlagsOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(mh[LifetimeOffset..])) { Options = options };

    private protected override void WriteFixed(Span<byte> mh)
    {
        BinaryPrimitives.WriteUInt16BigEndian(mh[SequenceOffset..], Sequence);
        BinaryPrimitives.WriteUInt16BigEndian(mh[FlagsOffset..], (ushort)Flags);
        BinaryPrimitives.WriteUInt16BigEndian(mh[LifetimeOffset..], LifetimeUnits);
    }
}
