using System.Buffers.Binary;
using System.Security.Cryptography;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Wire.Crypto;

/// <summary>
/// The MN-HA Mobility Message Authentication option of RFC 4285 5.1 (option type 9, subtype 1): HMAC-SHA1 under the
/// key the mobile node shares with its home agent, identified by the mobility SPI. Addresses are 16 raw octets.
/// </summary>
/// <remarks>
/// <code>
/// authenticator = First(96, HMAC_SHA1(MN-HA shared key, Mobility Data))
/// Mobility Data = care-of address | home address | MH Data
/// </code>
/// MH Data is the Mobility Header up to and including the option's Mobility SPI field, checksum zero; the option is
/// the last one of the message. In a Binding Update the care-of address is the source and the home address the Home
/// Address option's; in a Binding Acknowledgement they are the destination and the type 2 routing header's.
/// </remarks>
public static class MnHaAuthentication
{
    public const int AuthenticatorLength = MobilityMessageAuthenticationOption.MnHaAuthenticatorLength;

    private const int AddressLength = 16;
    private const int Sha1Length = 20;

    /// <summary>Octets of the option covered by the MAC: Option Type, Option Length, Subtype, Mobility SPI.</summary>
    private const int AuthenticatedOptionPrefix = MobilityOption.HeaderLength + MobilityMessageAuthenticationOption.AuthenticatorOffset;

    /// <summary>First(96, HMAC_SHA1(key, care-of address | home address | MH data)) into 12 octets.</summary>
    public static void Authenticator(ReadOnlySpan<byte> key, ReadOnlySpan<byte> careOfAddress, ReadOnlySpan<byte> homeAddress, ReadOnlySpan<byte> mhData, Span<byte> authenticator)
    {
        if (mhData.Length > MobilityHeaderView.MaximumLength)
        {
            throw new ArgumentException("longer than a Mobility Header", nameof(mhData));
        }

        Span<byte> input = stackalloc byte[AuthenticatedOption.MaximumMacInput];
        careOfAddress[..AddressLength].CopyTo(input);
        homeAddress[..AddressLength].CopyTo(input[AddressLength..]);
        mhData.CopyTo(input[(2 * AddressLength)..]);
        Mac(key, input[..((2 * AddressLength) + mhData.Length)], authenticator);
    }

    /// <summary>
    /// Fills the authenticator of the MN-HA option (the last option, subtype 1, 12-octet authenticator) of a written
    /// Mobility Header, then its checksum. False when there is no such option.
    /// </summary>
    public static bool TrySign(
        Span<byte> mh,
        ReadOnlySpan<byte> key,
        ReadOnlySpan<byte> careOfAddress,
        ReadOnlySpan<byte> homeAddress,
        ReadOnlySpan<byte> pseudoSource,
        ReadOnlySpan<byte> pseudoDestination)
    {
        if (!TryFind(mh, out var view, out int authenticated))
        {
            return false;
        }

        var written = mh[..view.Length];
        Span<byte> authenticator = stackalloc byte[AuthenticatorLength];
        ComputeOver(written, key, careOfAddress, homeAddress, authenticated, authenticator);
        authenticator.CopyTo(written[authenticated..]);
        MobilityHeader.FillChecksum(written, pseudoSource, pseudoDestination);
        return true;
    }

    /// <summary>
    /// True when the last option is an MN-HA authentication option with the expected SPI and the right authenticator
    /// (compared in constant time).
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> mh, uint spi, ReadOnlySpan<byte> key, ReadOnlySpan<byte> careOfAddress, ReadOnlySpan<byte> homeAddress)
    {
        if (!TryFind(mh, out var view, out int authenticated)
            || BinaryPrimitives.ReadUInt32BigEndian(view.Bytes[(authenticated - sizeof(uint))..]) != spi)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[AuthenticatorLength];
        ComputeOver(view.Bytes, key, careOfAddress, homeAddress, authenticated, expected);
        return CryptographicOperations.FixedTimeEquals(expected, view.Bytes.Slice(authenticated, AuthenticatorLength));
    }

    /// <summary>Finds the option; <paramref name="authenticated"/> is the length of MH Data (up to the authenticator).</summary>
    private static bool TryFind(ReadOnlySpan<byte> mh, out MobilityHeaderView view, out int authenticated)
    {
        authenticated = 0;
        if (!AuthenticatedOption.TryFind(mh, MobilityOptionType.MobilityMessageAuthentication, out view, out int offset, out int length)
            || length != MobilityMessageAuthenticationOption.AuthenticatorOffset + AuthenticatorLength
            || view.Bytes[offset + MobilityOption.HeaderLength + MobilityMessageAuthenticationOption.SubtypeOffset] != MobilityMessageAuthenticationOption.MnHaSubtype)
        {
            return false;
        }

        authenticated = offset + AuthenticatedOptionPrefix;
        return true;
    }

    private static void ComputeOver(ReadOnlySpan<byte> mh, ReadOnlySpan<byte> key, ReadOnlySpan<byte> careOfAddress, ReadOnlySpan<byte> homeAddress, int authenticated, Span<byte> authenticator)
    {
        Span<byte> input = stackalloc byte[AuthenticatedOption.MaximumMacInput];
        int length = AuthenticatedOption.BuildMacInput(input, careOfAddress, homeAddress, mh, authenticated);
        Mac(key, input[..length], authenticator);
    }

    private static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> authenticator)
    {
        Span<byte> hash = stackalloc byte[Sha1Length];
        HMACSHA1.HashData(key, input, hash);
        hash[..AuthenticatorLength].CopyTo(authenticator);
    }
}
