using System.Buffers.Binary;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// Home Test, RFC 6275 6.1.5 (MH Type 3): Header Len at least 2. The keygen token is First(64, HMAC_SHA1(...)), see
/// Shisa.DataPlane.Wire.Crypto.ReturnRoutability.
/// <code>
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |       Home Nonce Index        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                        Home Init Cookie                       +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                       Home Keygen Token                       +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility Options                       .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record HomeTest(ushort HomeNonceIndex, ulong HomeInitCookie, ulong HomeKeygenToken) : MobilityMessage
{
    private const int NonceIndexOffset = 6;
    private const int CookieOffset = 8;
    private const int TokenOffset = 16;

    public override MobilityHeaderType Type => MobilityHeaderType.HomeTest;

    internal static HomeTest Parse(ReadOnlySpan<byte> mh, MobilityOptionList options) =>
        new(
            BinaryPrimitives.ReadUInt16BigEndian(mh[NonceIndexOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(mh[CookieOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(mh[TokenOffset..])) { Options = options };

    private protected override void WriteFixed(Span<byte> mh)
    {
        BinaryPrimitives.WriteUInt16BigEndian(mh[NonceIndexOffset..], HomeNonceIndex);
        BinaryPrimitives.WriteUInt64BigEndian(mh[CookieOffset..], HomeInitCookie);
        BinaryPrimitives.WriteUInt64BigEndian(mh[TokenOffset..], HomeKeygenToken);
    }
}
