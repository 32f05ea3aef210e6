using System.Security.Cryptography;
using Shisa.DataPlane.Tests.Wire.Mobility;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Tests.Wire.Crypto;

/// <summary>The MN-HA authentication option of RFC 4285 5.1: compute, write, parse, verify.</summary>
public class MnHaAuthenticationTests
{
    private const uint Spi = 256;
    private static readonly byte[] s_key = Convert.FromHexString("00112233445566778899aabbccddeeff");
    private static readonly byte[] s_home = MhVectors.Address("2001:db8:1::100");
    private static readonly byte[] s_careOf = MhVectors.Address("2001:db8:a1::ff:fe00:10");
    private static readonly byte[] s_agent = MhVectors.Address("2001:db8:1::1");

    [Test]
    public void Sign_parse_verify_round_trip()
    {
        var mh = SignedBindingUpdate();
        Assert.That(MobilityHeader.TryParse(mh, s_home, s_agent, out var message, out var error), Is.True, error.ToString());
        var auth = message!.Options.Find<MobilityMessageAuthenticationOption>()!;
        Assert.That(auth.Subtype, Is.EqualTo(MobilityMessageAuthenticationOption.MnHaSubtype));
        Assert.That(auth.Spi, Is.EqualTo(Spi));
        Assert.That(auth.Authenticator.Length, Is.EqualTo(MnHaAuthentication.AuthenticatorLength));
        Assert.That(message.Options.Find<MobilityMessageReplayProtectionOption>()!.Timestamp, Is.EqualTo(0xE6A1B2C3_00000000UL));
        Assert.That(MnHaAuthentication.Verify(mh, Spi, s_key, s_careOf, s_home), Is.True);

        // Re-encoding the parsed record reproduces the signed bytes.
        var again = new byte[message.GetByteCount()];
        Assert.That(message.TryWrite(again, s_home, s_agent, out _), Is.True);
        Assert.That(again, Is.EqualTo(mh));
    }

    [Test]
    public void Authenticator_is_the_rfc_4285_formula()
    {
        var mh = SignedBindingUpdate();
        var option = MobilityWriterTests.RawOptions(mh).Single(o => o.Type == MobilityOptionType.MobilityMessageAuthentication);
        int authenticated = option.Offset + 2 + 1 + 4; // type, length, subtype, SPI
        var mhData = mh[..authenticated];
        mhData[4] = mhData[5] = 0;
        byte[] input = [.. s_careOf, .. s_home, .. mhData];
        var expected = HMACSHA1.HashData(s_key, input)[..12];
        Assert.That(mh[authenticated..(authenticated + 12)], Is.EqualTo(expected));

        var computed = new byte[MnHaAuthentication.AuthenticatorLength];
        MnHaAuthentication.Authenticator(s_key, s_careOf, s_home, mhData, computed);
        Assert.That(computed, Is.EqualTo(expected));
    }

    [Test]
    public void Wrong_key_spi_addresses_or_a_flipped_bit_fail()
    {
        var mh = SignedBindingUpdate();
        var wrongKey = (byte[])s_key.Clone();
        wrongKey[0] ^= 1;
        Assert.That(MnHaAuthentication.Verify(mh, Spi, wrongKey, s_careOf, s_home), Is.False, "key");
        Assert.That(MnHaAuthentication.Verify(mh, Spi + 1, s_key, s_careOf, s_home), Is.False, "SPI");
        Assert.That(MnHaAuthentication.Verify(mh, Spi, s_key, s_agent, s_home), Is.False, "care-of address");
        Assert.That(MnHaAuthentication.Verify(mh, Spi, s_key, s_careOf, s_agent), Is.False, "home address");
        for (int bit = 0; bit < mh.Length * 8; bit++)
        {
            var flipped = (byte[])mh.Clone();
            flipped[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            if (bit / 8 is not (4 or 5)) // the checksum is zero in the MAC input
            {
                Assert.That(MnHaAuthentication.Verify(flipped, Spi, s_key, s_careOf, s_home), Is.False, $"bit {bit}");
            }
        }
    }

    [Test]
    public void An_mn_aaa_option_or_none_is_not_signed()
    {
        var bu = new BindingUpdate(1, BindingUpdateFlags.A | BindingUpdateFlags.H, 1)
        {
            Options = [new MobilityMessageAuthenticationOption(MobilityMessageAuthenticationOption.MnAaaSubtype, Spi, Octets.Copy(new byte[12]))],
        };
        var bytes = new byte[bu.GetByteCount()];
        Assert.That(bu.TryWriteWithoutChecksum(bytes, out _), Is.True);
        Assert.That(MnHaAuthentication.TrySign(bytes, s_key, s_careOf, s_home, s_home, s_agent), Is.False);
        Assert.That(MnHaAuthentication.Verify(MhVectors.Named("bu_home_registration").Bytes, Spi, s_key, s_careOf, s_home), Is.False);
    }

    private static byte[] SignedBindingUpdate()
    {
        var bu = new BindingUpdate(1000, BindingUpdateFlags.A | BindingUpdateFlags.H, 30)
        {
            Options = [new MobilityMessageReplayProtectionOption(0xE6A1B2C3_00000000UL), MobilityMessageAuthenticationOption.MnHaPlaceholder(Spi)],
        };
        var mh = new byte[bu.GetByteCount()];
        Assert.That(bu.TryWriteWithoutChecksum(mh, out _), Is.True);
        Assert.That(MnHaAuthentication.TrySign(mh, s_key, s_careOf, s_home, s_home, s_agent), Is.True);
        Assert.That(MobilityHeader.VerifyChecksum(mh, s_home, s_agent), Is.True);
        return mh;
    }
}
