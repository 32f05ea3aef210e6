using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Care-of Test Init, RFC 6275 6.1.4 (MH Type 2): Header Len at least 1.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |           Reserved            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                      Care-of Init Cookie                      +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility Options                       .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record CareOfTestInit(ulong CareOfInitCookie) : MobilityMessage
{
    private const int ReservedOffset = 6;
    private const int CookieOffset = 8;

    public override MobilityHeaderType Type => MobilityHeaderType.CareOfTestInit;

    internal static CareOfTestInit Parse(ReadOnlySpan<byte> mh, MobilityOptionList options) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(mh[CookieOffset..])) { Options = options };

    private protected override void WriteFixed(Span<byte> mh)
    {
        BinaryPrimitives.WriteUInt16BigEndian(mh[ReservedOffset..], 0);
        BinaryPrimitives.WriteUInt64BigEndian(mh[CookieOffset..], CareOfInitCookie);
    }
}
