using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Care-of Test, RFC 6275 6.1.6 (MH Type 4): Header Len at least 2. The keygen token is First(64, HMAC_SHA1(...)), see
/// Shisa.DataPlane.Wire.Crypto.ReturnRoutability.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |      Care-of Nonce Index      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                      Care-of Init Cookie                      +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                     Care-of Keygen Token                      +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility Options                       .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record CareOfTest(ushort CareOfNonceIndex, ulong CareOfInitCookie, ulong CareOfKeygenToken) : MobilityMessage
{
    private const int NonceIndexOffset = 6;
    private const int CookieOffset = 8;
    private const int TokenOffset = 16;

    public override MobilityHeaderType Type => MobilityHeaderType.CareOfTest;

    internal static CareOfTest Parse(ReadOnlySpan<byte> mh, MobilityOptionList options) =>
        new(
            BinaryPrimitives.ReadUInt16BigEndian(mh[NonceIndexOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(mh[CookieOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(mh[TokenOffset..])) { Options = options };

    private protected override void WriteFixed(Span<byte> mh)
    {
        BinaryPrimitives.WriteUInt16BigEndian(mh[NonceIndexOffset..], CareOfNonceIndex);
        BinaryPrimitives.WriteUInt64BigEndian(mh[CookieOffset..], CareOfInitCookie);
        BinaryPrimitives.WriteUInt64BigEndian(mh[TokenOffset..], CareOfKeygenToken);
    }
}
