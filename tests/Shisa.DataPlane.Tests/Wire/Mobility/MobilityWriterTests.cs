using System.Net;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Tests.Wire.Mobility;

/// <summary>The writer: alignment and padding (RFC 6275 6.2 and the extensions' xn+y rules), limits, allocation.</summary>
public class MobilityWriterTests
{
    private static readonly byte[] s_home = MhVectors.Address("2001:db8:1::100");
    private static readonly byte[] s_agent = MhVectors.Address("2001:db8:1::1");

    [Test]
    public void Binding_update_from_fields_matches_the_vector()
    {
        var bu = new BindingUpdate(1000, BindingUpdateFlags.A | BindingUpdateFlags.H, 30)
        {
            Options = [new AlternateCareOfAddressOption(IPAddress.Parse("2001:db8:a1::ff:fe00:10"))],
        };
        Assert.That(Hex(bu), Is.EqualTo(Convert.ToHexString(MhVectors.Named("bu_home_registration_altcoa").Bytes)));
        Assert.That(bu.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(120)));
    }

    [Test]
    public void Binding_acknowledgement_with_authorization_data_is_padded_with_padn_4()
    {
        var ba = new BindingAcknowledgement(BindingAcknowledgementStatus.Accepted, BindingAcknowledgementFlags.None, 4660, 100)
        {
            Options = [new BindingAuthorizationDataOption(Octets.FromHex("a28eae5d6599ccbcb9d08e3f"))],
        };
        var v = MhVectors.Named("ba_from_cn_with_bad");
        Assert.That(Hex(ba, v.PseudoSource, v.PseudoDestination), Is.EqualTo(Convert.ToHexString(v.Bytes)));
    }

    // offset after the 12-octet BU, option, expected offset of the option
    [TestCase(MobilityOptionType.BindingRefreshAdvice, 12)] // 2n
    [TestCase(MobilityOptionType.AlternateCareOfAddress, 14)] // 8n+6
    [TestCase(MobilityOptionType.NonceIndices, 12)] // 2n
    [TestCase(MobilityOptionType.BindingAuthorizationData, 18)] // 8n+2
    [TestCase(MobilityOptionType.MobileNetworkPrefix, 12)] // 8n+4
    [TestCase(MobilityOptionType.MobileNodeIdentifier, 12)] // none
    [TestCase(MobilityOptionType.MobilityMessageAuthentication, 13)] // 4n+1
    [TestCase(MobilityOptionType.MobilityMessageReplayProtection, 18)] // 8n+2
    [TestCase(MobilityOptionType.IPv4HomeAddress, 12)] // 4n
    [TestCase(MobilityOptionType.IPv4AddressAcknowledgement, 12)] // 4n
    [TestCase(MobilityOptionType.IPv4CareOfAddress, 12)] // 4n
    [TestCase(MobilityOptionType.NatDetection, 12)] // 4n
    [TestCase(MobilityOptionType.BindingIdentifier, 12)] // 2n
    public void Options_land_on_their_alignment_and_the_header_on_8_octets(MobilityOptionType type, int expectedOffset)
    {
        var option = Sample(type);
        var bu = new BindingUpdate(1, BindingUpdateFlags.A, 1) { Options = [option] };
        var bytes = Write(bu);
        Assert.That(bytes.Length % 8, Is.Zero);
        Assert.That(bytes[1], Is.EqualTo((bytes.Length / 8) - 1));
        var offsets = RawOptions(bytes).Where(o => o.Type == type).Select(o => o.Offset).ToList();
        Assert.That(offsets, Is.EqualTo(new[] { expectedOffset }));
        Assert.That(expectedOffset % option.AlignmentModulus, Is.EqualTo(option.AlignmentOffset));
    }

    [Test]
    public void One_octet_of_padding_is_pad1_and_more_is_padn()
    {
        // Authentication (4n+1) after the 12-octet BU needs one octet; the 19-octet option then ends at 32.
        var bu = new BindingUpdate(1, BindingUpdateFlags.A, 1) { Options = [MobilityMessageAuthenticationOption.MnHaPlaceholder(300)] };
        var options = RawOptions(Write(bu));
        Assert.That(options.Select(o => (o.Type, o.Offset)), Is.EqualTo(new[] { (MobilityOptionType.Pad1, 12), (MobilityOptionType.MobilityMessageAuthentication, 13) }));

        // Replay protection (8n+2) after the BU needs six: PadN with length 4.
        bu = bu with { Options = [new MobilityMessageReplayProtectionOption(42)] };
        options = RawOptions(Write(bu));
        Assert.That(options[0], Is.EqualTo((MobilityOptionType.PadN, 12, 4)));
    }

    [Test]
    public void Messages_without_options_need_no_padding_when_already_a_multiple_of_8()
    {
        Assert.That(Write(new BindingRefreshRequest()), Has.Length.EqualTo(8));
        Assert.That(Write(new HomeTestInit(1)), Has.Length.EqualTo(16));
        Assert.That(Write(new CareOfTest(1, 2, 3)), Has.Length.EqualTo(24));
        Assert.That(Write(new BindingError(BindingErrorStatus.UnknownBindingForHomeAddressOption, IPAddress.IPv6Loopback)), Has.Length.EqualTo(24));
        Assert.That(Write(new BindingUpdate(1, 0, 0)), Has.Length.EqualTo(16));
    }

    [Test]
    public void Too_small_a_destination_or_too_long_a_message_is_refused()
    {
        var bu = new BindingUpdate(1, BindingUpdateFlags.A, 1) { Options = [new NonceIndicesOption(1, 2)] };
        Assert.That(bu.TryWrite(new byte[bu.GetByteCount() - 1], s_home, s_agent, out int written), Is.False);
        Assert.That(written, Is.Zero);

        var huge = bu with { Options = [new MobileNodeIdentifierOption(1, Octets.Copy(new byte[255]))] };
        Assert.That(huge.TryWrite(new byte[1024], s_home, s_agent, out _), Is.False, "Option Length cannot exceed 255");

        var many = bu with { Options = MobilityOptionList.Create(Enumerable.Repeat<MobilityOption>(new MobileNodeIdentifierOption(1, Octets.Copy(new byte[200])), 11).ToArray()) };
        Assert.That(many.GetByteCount(), Is.GreaterThan(MobilityHeaderView.MaximumLength));
        Assert.That(many.TryWrite(new byte[4096], s_home, s_agent, out _), Is.False, "Header Len cannot exceed 255");
    }

    [Test]
    public void An_address_of_the_wrong_family_is_a_programming_error()
    {
        var bu = new BindingUpdate(1, 0, 0) { Options = [new AlternateCareOfAddressOption(IPAddress.Loopback)] };
        Assert.Throws<InvalidOperationException>(() => bu.TryWrite(new byte[64], s_home, s_agent, out _));
    }

    [Test]
    public void Writing_a_prebuilt_binding_update_allocates_nothing()
    {
        var bu = new BindingUpdate(7, BindingUpdateFlags.A | BindingUpdateFlags.H | BindingUpdateFlags.R, 60)
        {
            Options =
            [
                new AlternateCareOfAddressOption(IPAddress.Parse("2001:db8:a1::10")),
                new MobileNetworkPrefixOption(56, IPAddress.Parse("2001:db8:1:100::")),
                new BindingIdentifierOption(1, 0, BindingIdentifierFlags.H, IPAddress.Parse("192.0.2.1")),
                new MobilityMessageReplayProtectionOption(0x0102030405060708),
                new NonceIndicesOption(1, 2),
                BindingAuthorizationDataOption.Placeholder,
            ],
        };
        var buffer = new byte[256];
        Assert.That(bu.TryWrite(buffer, s_home, s_agent, out _), Is.True); // warm up (JIT)

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            bu.TryWrite(buffer, s_home, s_agent, out _);
            bu.GetByteCount();
        }

        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(after - before, Is.Zero);
    }

    [Test]
    public void Option_lists_and_octets_compare_by_value()
    {
        var a = new BindingUpdate(1, 0, 0) { Options = [new BindingAuthorizationDataOption(Octets.FromHex("0102")), new NonceIndicesOption(1, 2)] };
        var b = new BindingUpdate(1, 0, 0) { Options = [new BindingAuthorizationDataOption(Octets.FromHex("0102")), new NonceIndicesOption(1, 2)] };
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
        Assert.That(a with { Options = [new NonceIndicesOption(1, 2)] }, Is.Not.EqualTo(b));
        Assert.That(a.Options.Find<NonceIndicesOption>(), Is.EqualTo(new NonceIndicesOption(1, 2)));
    }

    [Test]
    public void Lifetime_units_convert_to_and_from_time()
    {
        Assert.That(MobilityLifetime.ToTimeSpan(30), Is.EqualTo(TimeSpan.FromSeconds(120)));
        Assert.That(MobilityLifetime.ToUnits(TimeSpan.FromSeconds(121)), Is.EqualTo(30));
        Assert.That(MobilityLifetime.ToUnits(TimeSpan.FromDays(10)), Is.EqualTo(ushort.MaxValue));
        Assert.That(new BindingRefreshAdviceOption(15).RefreshInterval, Is.EqualTo(TimeSpan.FromSeconds(60)));
    }

    [Test]
    public void Extension_options_encode_their_bit_fields()
    {
        var bytes = Write(new BindingUpdate(1, 0, 0)
        {
            Options =
            [
                new IPv4HomeAddressOption(24, true, IPAddress.Parse("192.0.2.10")),
                new IPv4AddressAcknowledgementOption(IPv4AddressAcknowledgementOption.StatusSuccess, 24, IPAddress.Parse("192.0.2.10")),
                new BindingIdentifierOption(0x1234, 0, BindingIdentifierFlags.H | BindingIdentifierFlags.O),
                MobileNodeIdentifierOption.FromNai("mn@example.org"),
            ],
        });
        var options = RawOptions(bytes);
        var hoa = options.Single(o => o.Type == MobilityOptionType.IPv4HomeAddress);
        Assert.That(Convert.ToHexString(bytes, hoa.Offset, 8), Is.EqualTo("1D06" + "6200" + "C000020A")); // 24 << 2 | P
        var ack = options.Single(o => o.Type == MobilityOptionType.IPv4AddressAcknowledgement);
        Assert.That(Convert.ToHexString(bytes, ack.Offset, 8), Is.EqualTo("1E06" + "0060" + "C000020A"));
        var bid = options.Single(o => o.Type == MobilityOptionType.BindingIdentifier);
        Assert.That(Convert.ToHexString(bytes, bid.Offset, 6), Is.EqualTo("2304" + "1234" + "00C0"));
        var mnid = options.Single(o => o.Type == MobilityOptionType.MobileNodeIdentifier);
        Assert.That(bytes[mnid.Offset + 1], Is.EqualTo(15));
        Assert.That(bytes[mnid.Offset + 2], Is.EqualTo(MobileNodeIdentifierOption.NaiSubtype));

        Assert.That(MobilityHeader.TryParse(bytes, s_home, s_agent, out var parsed, out _), Is.True);
        Assert.That(parsed!.Options.Find<MobileNodeIdentifierOption>()!.IdentifierText, Is.EqualTo("mn@example.org"));
    }

    [Test]
    public void Unknown_options_are_kept_and_written_back()
    {
        var bytes = Write(new BindingUpdate(1, 0, 0) { Options = [new UnknownOption((MobilityOptionType)200, Octets.FromHex("aabbcc"))] });
        Assert.That(MobilityHeader.TryParse(bytes, s_home, s_agent, out var parsed, out _), Is.True);
        Assert.That(parsed!.Options.Single(), Is.EqualTo(new UnknownOption((MobilityOptionType)200, Octets.FromHex("aabbcc"))));
    }

    internal static MobilityOption Sample(MobilityOptionType type) => type switch
    {
        MobilityOptionType.BindingRefreshAdvice => new BindingRefreshAdviceOption(15),
        MobilityOptionType.AlternateCareOfAddress => new AlternateCareOfAddressOption(IPAddress.Parse("2001:db8:a1::10")),
        MobilityOptionType.NonceIndices => new NonceIndicesOption(1, 2),
        MobilityOptionType.BindingAuthorizationData => BindingAuthorizationDataOption.Placeholder,
        MobilityOptionType.MobileNetworkPrefix => new MobileNetworkPrefixOption(56, IPAddress.Parse("2001:db8:1:100::")),
        MobilityOptionType.MobileNodeIdentifier => MobileNodeIdentifierOption.FromNai("mn@example.org"),
        MobilityOptionType.MobilityMessageAuthentication => MobilityMessageAuthenticationOption.MnHaPlaceholder(256),
        MobilityOptionType.MobilityMessageReplayProtection => new MobilityMessageReplayProtectionOption(1),
        MobilityOptionType.IPv4HomeAddress => new IPv4HomeAddressOption(24, false, IPAddress.Parse("192.0.2.10")),
        MobilityOptionType.IPv4AddressAcknowledgement => new IPv4AddressAcknowledgementOption(0, 24, IPAddress.Parse("192.0.2.10")),
        MobilityOptionType.IPv4CareOfAddress => new IPv4CareOfAddressOption(IPAddress.Parse("198.51.100.7")),
        MobilityOptionType.NatDetection => new NatDetectionOption(false, 110),
        MobilityOptionType.BindingIdentifier => new BindingIdentifierOption(1, 0, BindingIdentifierFlags.None, IPAddress.Parse("2001:db8:a2::10")),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    internal static List<(MobilityOptionType Type, int Offset, int Length)> RawOptions(byte[] mh)
    {
        Assert.That(MobilityHeaderView.TryCreate(mh, out var view), Is.True);
        var list = new List<(MobilityOptionType, int, int)>();
        var reader = new MobilityOptionReader(view.Bytes, MobilityHeader.FixedLength(view.Type));
        while (reader.TryReadNext(out var option))
        {
            list.Add((option.Type, option.Offset, option.Length));
        }

        Assert.That(reader.Error, Is.EqualTo(MobilityParseError.None));
        return list;
    }

    internal static byte[] Write(MobilityMessage message)
    {
        var bytes = new byte[message.GetByteCount()];
        Assert.That(message.TryWrite(bytes, s_home, s_agent, out int written), Is.True);
        Assert.That(written, Is.EqualTo(bytes.Length));
        return bytes;
    }

    private static string Hex(MobilityMessage message) => Convert.ToHexString(Write(message));

    private static string Hex(MobilityMessage message, byte[] source, byte[] destination)
    {
        var bytes = new byte[message.GetByteCount()];
        Assert.That(message.TryWrite(bytes, source, destination, out _), Is.True);
        return Convert.ToHexString(bytes);
    }
}
