namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Binding Refresh Request, RFC 6275 6.1.2 (MH Type 0): Header Len at least 0.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |          Reserved             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility Options                       .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record BindingRefreshRequest : MobilityMessage
{
    private const int ReservedOffset = 6;
    private const int ReservedLength = 2;

    public override MobilityHeaderType Type => MobilityHeaderType.BindingRefreshRequest;

    internal static BindingRefreshRequest Parse(ReadOnlySpan<byte> mh, MobilityOptionList options) => new() { Options = options };

    private protected override void WriteFixed(Span<byte> mh) => mh.Slice(ReservedOffset, ReservedLength).Clear();
}
