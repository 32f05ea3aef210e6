using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Home Test Init, RFC 6275 6.1.3 (MH Type 1): Header Len at least 1.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |           Reserved            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                       Home Init Cookie                        +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility Options                       .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record HomeTestInit(ulong HomeInitCookie) : MobilityMessage
{
    private const int ReservedOffset = 6;
    private const int CookieOffset = 8;

    public override MobilityHeaderType Type => MobilityHeaderType.HomeTestInit;

    internal static HomeTestInit Parse(ReadOnlySpan<byte> mh, MobilityOptionList options) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(mh[CookieOffset..])) { Options = options };

    private protected override void WriteFixed(Span<byte> mh)
    {
        BinaryPrimitives.WriteUInt16BigEndian(mh[ReservedOffset..], 0);
        BinaryPrimitives.WriteUInt64BigEndian(mh[CookieOffset..], HomeInitCookie);
    }
}
