using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Mobility Message Replay Protection option, RFC 4285 6: alignment 8n+2, Option Length 8; the timestamp is
/// 64 bits in NTP format (seconds since 1900 in the high 32 bits, fraction in the low 32).
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 10   |  Length = 8   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           Timestamp                           |
/// +                                                               +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record MobilityMessageReplayProtectionOption(ulong Timestamp) : MobilityOption(MobilityOptionType.MobilityMessageReplayProtection)
{
    public const int Length = 8;

    public override int DataLength => Length;

    public override int AlignmentModulus => 8;

    public override int AlignmentOffset => 2;

    internal static MobilityMessageReplayProtectionOption? Parse(ReadOnlySpan<byte> data) =>
        data.Length == Length ? new(BinaryPrimitives.ReadUInt64BigEndian(data)) : null;

    private protected override void WriteData(Span<byte> data) => BinaryPrimitives.WriteUInt64BigEndian(data, Timestamp);
}
