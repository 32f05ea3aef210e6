using System.Security.Cryptography;
using System.Text.Json;
using Shisa.DataPlane.Tests.Wire.Mobility;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Tests.Wire.Crypto;

/// <summary>Return routability (RFC 6275 5.2.5, 5.2.6) against every intermediate value of rr_crypto.json.</summary>
public class ReturnRoutabilityTests
{
    private static JsonElement Rr => Shisa.DataPlane.Tests.Vectors.VectorCatalog.All
        .Single(v => v.Name == "bu_to_cn_with_bad").Raw.GetProperty("extra").GetProperty("rr");

    private static JsonElement Inputs => Rr.GetProperty("inputs");

    private static byte[] Kcn => Hex(Inputs, "Kcn");

    private static byte[] HomeAddress => MhVectors.Address(Inputs.GetProperty("home_address").GetString()!);

    private static byte[] CareOfAddress => MhVectors.Address(Inputs.GetProperty("care_of_address").GetString()!);

    private static byte[] Correspondent => MhVectors.Address(Inputs.GetProperty("correspondent").GetString()!);

    [Test]
    public void Keygen_tokens()
    {
        ulong home = ReturnRoutability.HomeKeygenToken(Kcn, HomeAddress, Hex(Inputs, "home_nonce"));
        ulong careOf = ReturnRoutability.CareOfKeygenToken(Kcn, CareOfAddress, Hex(Inputs, "care_of_nonce"));
        Assert.That(home.ToString("x16"), Is.EqualTo(Rr.GetProperty("home_keygen_token").GetProperty("value").GetString()));
        Assert.That(careOf.ToString("x16"), Is.EqualTo(Rr.GetProperty("care_of_keygen_token").GetProperty("value").GetString()));

        // The vector's own intermediate values: HMAC input and the full HMAC the tokens are the first 64 bits of.
        foreach (var (name, address, nonce, selector) in new[]
        {
            ("home_keygen_token", HomeAddress, Hex(Inputs, "home_nonce"), (byte)0),
            ("care_of_keygen_token", CareOfAddress, Hex(Inputs, "care_of_nonce"), (byte)1),
        })
        {
            var step = Rr.GetProperty(name);
            byte[] input = [.. address, .. nonce, selector];
            Assert.That(Convert.ToHexString(input), Is.EqualTo(step.GetProperty("hmac_input").GetString()).IgnoreCase);
            Assert.That(Convert.ToHexString(HMACSHA1.HashData(Kcn, input)), Is.EqualTo(step.GetProperty("hmac_sha1_full").GetString()).IgnoreCase);
        }

        // The Home Test and Care-of Test vectors carry these tokens.
        Assert.That(((HomeTest)Parse("hot_cn_to_hoa")).HomeKeygenToken, Is.EqualTo(home));
        Assert.That(((CareOfTest)Parse("cot_cn_to_coa")).CareOfKeygenToken, Is.EqualTo(careOf));
    }

    [Test]
    public void Binding_management_keys()
    {
        var (home, careOf) = Tokens();
        var kbm = new byte[ReturnRoutability.BindingManagementKeyLength];
        ReturnRoutability.BindingManagementKey(home, careOf, kbm);
        Assert.That(Convert.ToHexString(kbm), Is.EqualTo(Rr.GetProperty("Kbm").GetProperty("value").GetString()).IgnoreCase);
        Assert.That(Rr.GetProperty("Kbm").GetProperty("input").GetString(), Is.EqualTo($"{home:x16}{careOf:x16}"));

        ReturnRoutability.DeregistrationBindingManagementKey(home, kbm);
        Assert.That(Convert.ToHexString(kbm), Is.EqualTo(Rr.GetProperty("Kbm_deregistration").GetProperty("value").GetString()).IgnoreCase);
        Assert.That(Convert.ToHexString(kbm), Is.EqualTo(Rr.GetProperty("dereg_bu_authenticator").GetProperty("Kbm").GetString()).IgnoreCase);
        Assert.That(Rr.GetProperty("Kbm_deregistration").GetProperty("input").GetString(), Is.EqualTo($"{home:x16}"));
    }

    [TestCase("bu_to_cn_with_bad", "bu_authenticator", false)]
    [TestCase("ba_from_cn_with_bad", "ba_authenticator", false)]
    [TestCase("bu_to_cn_deregistration", "dereg_bu_authenticator", true)]
    public void Authenticators_and_their_mh_data(string vectorName, string step, bool deregistration)
    {
        var v = MhVectors.Named(vectorName);
        var kbm = Kbm(deregistration);
        var mh = v.Bytes.AsSpan(0, v.Mh.GetProperty("length").GetInt32()).ToArray();
        var bad = MobilityWriterTests.RawOptions(mh).Single(o => o.Type == MobilityOptionType.BindingAuthorizationData);

        var mhData = mh[..(bad.Offset + 2)];
        mhData[4] = mhData[5] = 0;
        if (Rr.GetProperty(step).TryGetProperty("mh_data", out var expectedData))
        {
            Assert.That(Convert.ToHexString(mhData), Is.EqualTo(expectedData.GetString()).IgnoreCase);
        }

        if (Rr.GetProperty(step).TryGetProperty("hmac_input", out var expectedInput))
        {
            Assert.That(Convert.ToHexString([.. CareOfAddress, .. Correspondent, .. mhData]), Is.EqualTo(expectedInput.GetString()).IgnoreCase);
        }

        var authenticator = new byte[ReturnRoutability.AuthenticatorLength];
        ReturnRoutability.Authenticator(kbm, CareOfAddress, Correspondent, mhData, authenticator);
        Assert.That(Convert.ToHexString(authenticator), Is.EqualTo(Rr.GetProperty(step).GetProperty("value").GetString()).IgnoreCase);
        Assert.That(Convert.ToHexString(mh, bad.Offset + 2, bad.Length), Is.EqualTo(Convert.ToHexString(authenticator)));
    }

    [TestCase("bu_to_cn_with_bad", false)]
    [TestCase("ba_from_cn_with_bad", false)]
    [TestCase("bu_to_cn_deregistration", true)]
    public void Vectors_verify_and_a_flipped_bit_does_not(string vectorName, bool deregistration)
    {
        var v = MhVectors.Named(vectorName);
        var mh = v.Bytes.AsSpan(0, v.Mh.GetProperty("length").GetInt32()).ToArray();
        var kbm = Kbm(deregistration);

        // In a Binding Acknowledgement the care-of address is the destination: the same pair of addresses either way.
        Assert.That(ReturnRoutability.Verify(mh, kbm, CareOfAddress, Correspondent), Is.True);
        Assert.That(ReturnRoutability.Verify(mh, Kbm(!deregistration), CareOfAddress, Correspondent), Is.False, "other key");
        Assert.That(ReturnRoutability.Verify(mh, kbm, Correspondent, CareOfAddress), Is.False, "addresses swapped");

        for (int bit = 0; bit < mh.Length * 8; bit++)
        {
            if (bit / 8 is 4 or 5)
            {
                continue; // the checksum is not covered (it is zero in the MAC input)
            }

            var flipped = (byte[])mh.Clone();
            flipped[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            Assert.That(ReturnRoutability.Verify(flipped, kbm, CareOfAddress, Correspondent), Is.False, $"bit {bit}");
        }
    }

    [Test]
    public void Signing_a_written_binding_update_reproduces_the_vectors()
    {
        var bu = new BindingUpdate(4660, BindingUpdateFlags.A, 100)
        {
            Options = [new NonceIndicesOption(257, 514), BindingAuthorizationDataOption.Placeholder],
        };
        AssertSigned(bu, "bu_to_cn_with_bad", Kbm(false));
        AssertSigned(bu with { Sequence = 4661, LifetimeUnits = 0 }, "bu_to_cn_deregistration", Kbm(true));

        var ba = new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, 0, 4660, 100) { Options = [BindingAuthorizationDataOption.Placeholder] };
        AssertSigned(ba, "ba_from_cn_with_bad", Kbm(false));
    }

    [Test]
    public void Signing_refuses_a_message_without_authorization_data_last()
    {
        var bu = new BindingUpdate(1, BindingUpdateFlags.A, 1) { Options = [BindingAuthorizationDataOption.Placeholder, new NonceIndicesOption(1, 2)] };
        var bytes = new byte[bu.GetByteCount()];
        Assert.That(bu.TryWriteWithoutChecksum(bytes, out _), Is.True);
        Assert.That(ReturnRoutability.TrySign(bytes, Kbm(false), CareOfAddress, Correspondent, HomeAddress, Correspondent), Is.False);
        Assert.That(ReturnRoutability.Verify(bytes, Kbm(false), CareOfAddress, Correspondent), Is.False);
    }

    private static void AssertSigned(MobilityMessage message, string vectorName, byte[] kbm)
    {
        var v = MhVectors.Named(vectorName);
        var bytes = new byte[message.GetByteCount()];
        Assert.That(message.TryWriteWithoutChecksum(bytes, out int n), Is.True);
        Assert.That(ReturnRoutability.TrySign(bytes, kbm, CareOfAddress, Correspondent, v.PseudoSource, v.PseudoDestination), Is.True);
        Assert.That(Convert.ToHexString(bytes, 0, n), Is.EqualTo(Convert.ToHexString(v.Bytes)), vectorName);
    }

    private static (ulong Home, ulong CareOf) Tokens() => (
        ReturnRoutability.HomeKeygenToken(Kcn, HomeAddress, Hex(Inputs, "home_nonce")),
        ReturnRoutability.CareOfKeygenToken(Kcn, CareOfAddress, Hex(Inputs, "care_of_nonce")));

    private static byte[] Kbm(bool deregistration)
    {
        var (home, careOf) = Tokens();
        var kbm = new byte[ReturnRoutability.BindingManagementKeyLength];
        if (deregistration)
        {
            ReturnRoutability.DeregistrationBindingManagementKey(home, kbm);
        }
        else
        {
            ReturnRoutability.BindingManagementKey(home, careOf, kbm);
        }

        return kbm;
    }

    private static MobilityMessage Parse(string name)
    {
        var v = MhVectors.Named(name);
        Assert.That(MobilityHeader.TryParse(v.Bytes, v.PseudoSource, v.PseudoDestination, out var message, out var error), Is.True, error.ToString());
        return message!;
    }

    private static byte[] Hex(JsonElement element, string name) => Convert.FromHexString(element.GetProperty(name).GetString()!);
}
