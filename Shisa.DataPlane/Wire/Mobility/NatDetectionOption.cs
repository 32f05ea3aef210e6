using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// NAT Detection option, RFC 5555 3.2.2 (type 31, IANA "Mobility Options"): alignment 4n, Option Length 6. Sent by
/// the home agent in a Binding Acknowledgement when it found a NAT between itself and the IPv4 care-of address, or
/// when it accepts a forced UDP encapsulation (F). Refresh Time is the NAT keepalive interval it suggests, in
/// seconds; 0 means "ignore", all ones "no keepalives needed" (no NAT).
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 31   |   Length = 6  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |F|          Reserved           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Refresh time                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record NatDetectionOption(bool ForceUdp, uint RefreshTimeSeconds) : MobilityOption(MobilityOptionType.NatDetection)
{
    public const int Length = 6;

    /// <summary>Refresh Time meaning "no keepalives are needed" (RFC 5555 3.2.2).</summary>
    public const uint NoKeepalives = uint.MaxValue;

    private const int FlagsOffset = 0;
    private const ushort FFlag = 0x8000;
    private const int RefreshOffset = 2;

    public override int DataLength => Length;

    public override int AlignmentModulus => 4;

    /// <summary>The keepalive interval the home agent asks for; null when the field says "ignore" or "none needed".</summary>
    public TimeSpan? KeepaliveInterval => RefreshTimeSeconds is 0 or NoKeepalives ? null : TimeSpan.FromSeconds(RefreshTimeSeconds);

    internal static NatDetectionOption? Parse(ReadOnlySpan<byte> data) =>
        data.Length == Length
            ? new((BinaryPrimitives.ReadUInt16BigEndian(data[FlagsOffset..]) & FFlag) != 0, BinaryPrimitives.ReadUInt32BigEndian(data[RefreshOffset..]))
            : null;

    private protected override void WriteData(Span<byte> data)
    {
        BinaryPrimitives.WriteUInt16BigEndian(data[FlagsOffset..], ForceUdp ? FFlag : (ushort)0);
        BinaryPrimitives.WriteUInt32BigEndian(data[RefreshOffset..], RefreshTimeSeconds);
    }
}
