using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Binding Refresh Advice option, RFC 6275 6.2.4: alignment 2n, Option Length 2; the interval is in 4-second units.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Type = 2    |   Length = 2  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       Refresh Interval        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record BindingRefreshAdviceOption(ushort RefreshIntervalUnits) : MobilityOption(MobilityOptionType.BindingRefreshAdvice)
{
    public const int Length = 2;

    public TimeSpan RefreshInterval => MobilityLifetime.ToTimeSpan(RefreshIntervalUnits);

    public override int DataLength => Length;

    public override int AlignmentModulus => 2;

    internal static BindingRefreshAdviceOption? Parse(ReadOnlySpan<byte> data) =>
        data.Length == Length ? new(BinaryPrimitives.ReadUInt16BigEndian(data)) : null;

    private protected override void WriteData(Span<byte> data) => BinaryPrimitives.WriteUInt16BigEndian(data, RefreshIntervalUnits);
}
