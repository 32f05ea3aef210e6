using System.Buffers.Binary;
using System.Security.Cryptography;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Wire.Crypto;

/// <summary>
/// The cryptography of return routability, RFC 6275 5.2.5 and 5.2.6: keygen tokens, the binding management key
/// Kbm and the Binding Authorization Data authenticator. Addresses are 16 raw octets; nothing here allocates.
/// </summary>
/// <remarks>
/// <code>
/// home keygen token    = First(64, HMAC_SHA1(Kcn, (home address | nonce | 0)))
/// care-of keygen token = First(64, HMAC_SHA1(Kcn, (care-of address | nonce | 1)))
/// Kbm                  = SHA1(home keygen token | care-of keygen token)
/// Kbm (deregistration) = SHA1(home keygen token)                      (RFC 6275 5.2.5, 9.5.1)
/// authenticator        = First(96, HMAC_SHA1(Kbm, (care-of address | correspondent | MH data)))
/// </code>
/// MH data is the Mobility Header from Payload Proto up to and including the Binding Authorization Data option's
/// type and length, checksum zero (RFC 6275 6.2.7). In a Binding Acknowledgement the care-of address is the
/// destination and the correspondent the source.
/// </remarks>
public static class ReturnRoutability
{
    /// <summary>Kcn: 20 octets (RFC 6275 5.2.1).</summary>
    public const int NodeKeyLength = 20;

    public const int KeygenTokenLength = 8;

    /// <summary>Kbm: a SHA-1 digest.</summary>
    public const int BindingManagementKeyLength = 20;

    public const int AuthenticatorLength = BindingAuthorizationDataOption.ReturnRoutabilityAuthenticatorLength;

    /// <summary>Nonces are a correspondent's private choice (RFC 6275 5.2.2); 64 octets is far beyond any use.</summary>
    public const int MaximumNonceLength = 64;

    private const int AddressLength = 16;
    private const byte HomeSelector = 0;
    private const byte CareOfSelector = 1;
    private const int Sha1Length = 20;

    /// <summary>The home keygen token, as the 64-bit value a Home Test carries.</summary>
    public static ulong HomeKeygenToken(ReadOnlySpan<byte> kcn, ReadOnlySpan<byte> homeAddress, ReadOnlySpan<byte> nonce) =>
        KeygenToken(kcn, homeAddress, nonce, HomeSelector);

    /// <summary>The care-of keygen token, as the 64-bit value a Care-of Test carries.</summary>
    public static ulong CareOfKeygenToken(ReadOnlySpan<byte> kcn, ReadOnlySpan<byte> careOfAddress, ReadOnlySpan<byte> nonce) =>
        KeygenToken(kcn, careOfAddress, nonce, CareOfSelector);

    /// <summary>Kbm = SHA1(home keygen token | care-of keygen token) into 20 octets.</summary>
    public static void BindingManagementKey(ulong homeKeygenToken, ulong careOfKeygenToken, Span<byte> kbm)
    {
        Span<byte> input = stackalloc byte[2 * KeygenTokenLength];
        BinaryPrimitives.WriteUInt64BigEndian(input, homeKeygenToken);
        BinaryPrimitives.WriteUInt64BigEndian(input[KeygenTokenLength..], careOfKeygenToken);
        SHA1.HashData(input, kbm[..BindingManagementKeyLength]);
    }

    /// <summary>Kbm = SHA1(home keygen token), for deregistration (lifetime 0 or care-of address equal to home address).</summary>
    public static void DeregistrationBindingManagementKey(ulong homeKeygenToken, Span<byte> kbm)
    {
        Span<byte> input = stackalloc byte[KeygenTokenLength];
        BinaryPrimitives.WriteUInt64BigEndian(input, homeKeygenToken);
        SHA1.HashData(input, kbm[..BindingManagementKeyLength]);
    }

    /// <summary>First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH data)) into 12 octets.</summary>
    public static void Authenticator(ReadOnlySpan<byte> kbm, ReadOnlySpan<byte> careOfAddress, ReadOnlySpan<byte> correspondent, ReadOnlySpan<byte> mhData, Span<byte> authenticator)
    {
        if (mhData.Length > MobilityHeaderView.MaximumLength)
        {
            throw new ArgumentException("longer than a Mobility Header", nameof(mhData));
        }

        Span<byte> input = stackalloc byte[AuthenticatedOption.MaximumMacInput];
        careOfAddress[..AddressLength].CopyTo(input);
        correspondent[..AddressLength].CopyTo(input[AddressLength..]);
        mhData.CopyTo(input[(2 * AddressLength)..]);
        Mac(kbm, input[..((2 * AddressLength) + mhData.Length)], authenticator);
    }

    /// <summary>
    /// Fills the authenticator of the Binding Authorization Data option (the last option, 12 octets) of a written
    /// Mobility Header, then its checksum. False when there is no such option.
    /// </summary>
    public static bool TrySign(
        Span<byte> mh,
        ReadOnlySpan<byte> kbm,
        ReadOnlySpan<byte> careOfAddress,
        ReadOnlySpan<byte> correspondent,
        ReadOnlySpan<byte> pseudoSource,
        ReadOnlySpan<byte> pseudoDestination)
    {
        if (!AuthenticatedOption.TryFind(mh, MobilityOptionType.BindingAuthorizationData, out var view, out int offset, out int length)
            || length != AuthenticatorLength)
        {
            return false;
        }

        int authenticated = offset + MobilityOption.HeaderLength;
        var written = mh[..view.Length];
        Span<byte> authenticator = stackalloc byte[AuthenticatorLength];
        ComputeOver(written, kbm, careOfAddress, correspondent, authenticated, authenticator);
        authenticator.CopyTo(written[authenticated..]);
        MobilityHeader.FillChecksum(written, pseudoSource, pseudoDestination);
        return true;
    }

    /// <summary>
    /// True when the Mobility Header's Binding Authorization Data option is the last option and carries the right
    /// 96-bit authenticator (compared in constant time).
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> mh, ReadOnlySpan<byte> kbm, ReadOnlySpan<byte> careOfAddress, ReadOnlySpan<byte> correspondent)
    {
        if (!AuthenticatedOption.TryFind(mh, MobilityOptionType.BindingAuthorizationData, out var view, out int offset, out int length)
            || length != AuthenticatorLength)
        {
            return false;
        }

        int authenticated = offset + MobilityOption.HeaderLength;
        Span<byte> expected = stackalloc byte[AuthenticatorLength];
        ComputeOver(view.Bytes, kbm, careOfAddress, correspondent, authenticated, expected);
        return CryptographicOperations.FixedTimeEquals(expected, view.Bytes.Slice(authenticated, AuthenticatorLength));
    }

    private static void ComputeOver(ReadOnlySpan<byte> mh, ReadOnlySpan<byte> kbm, ReadOnlySpan<byte> careOfAddress, ReadOnlySpan<byte> correspondent, int authenticated, Span<byte> authenticator)
    {
        Span<byte> input = stackalloc byte[AuthenticatedOption.MaximumMacInput];
        int length = AuthenticatedOption.BuildMacInput(input, careOfAddress, correspondent, mh, authenticated);
        Mac(kbm, input[..length], authenticator);
    }

    private static ulong KeygenToken(ReadOnlySpan<byte> kcn, ReadOnlySpan<byte> address, ReadOnlySpan<byte> nonce, byte selector)
    {
        if (nonce.Length > MaximumNonceLength)
        {
            throw new ArgumentException($"nonce longer than {MaximumNonceLength} octets", nameof(nonce));
        }

        Span<byte> input = stackalloc byte[AddressLength + MaximumNonceLength + 1];
        address[..AddressLength].CopyTo(input);
        nonce.CopyTo(input[AddressLength..]);
        input[AddressLength + nonce.Length] = selector;
        Span<byte> hash = stackalloc byte[Sha1Length];
        HMACSHA1.HashData(kcn, input[..(AddressLength + nonce.Length + 1)], hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    private static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> authenticator)
    {
        Span<byte> hash = stackalloc byte[Sha1Length];
        HMACSHA1.HashData(key, input, hash);
        hash[..AuthenticatorLength].CopyTo(authenticator);
    }
}
