using System.Net;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Tests.Wire.Mobility;

/// <summary>The RFC 5555 options and flag, octet for octet against the RFC's diagrams (3.1.2, 3.1.3, 3.2.2).</summary>
public sealed class Rfc5555OptionTests
{
    [Test]
    public void Nat_detection_option_puts_F_in_the_top_bit_and_the_refresh_time_after_the_reserved_field()
    {
        var ba = new BindingAcknowledgement(0, 0, 7, 15) { Options = [new NatDetectionOption(true, 110)] };
        var bytes = MobilityWriterTests.Write(ba);
        var option = MobilityWriterTests.RawOptions(bytes).Single(o => o.Type == MobilityOptionType.NatDetection);
        Assert.That(Convert.ToHexString(bytes.AsSpan(option.Offset, 8)), Is.EqualTo("1F068000" + "0000006E"));
    }

    [Test]
    public void Nat_detection_option_reads_back_and_says_when_no_keepalive_is_needed()
    {
        var ba = new BindingAcknowledgement(0, 0, 7, 15) { Options = [new NatDetectionOption(false, NatDetectionOption.NoKeepalives)] };
        Assert.That(MobilityHeader.TryParseUnverified(MobilityWriterTests.Write(ba), out var read, out _), Is.True);
        var option = read!.Options.Find<NatDetectionOption>();
        Assert.That(option, Is.EqualTo(new NatDetectionOption(false, NatDetectionOption.NoKeepalives)));
        Assert.That(option!.KeepaliveInterval, Is.Null);
        Assert.That(new NatDetectionOption(false, 0).KeepaliveInterval, Is.Null);
        Assert.That(new NatDetectionOption(false, 20).KeepaliveInterval, Is.EqualTo(TimeSpan.FromSeconds(20)));
    }

    [Test]
    public void Nat_detection_option_of_the_wrong_length_is_malformed()
    {
        var ba = MobilityWriterTests.Write(new BindingAcknowledgement(0, 0, 7, 15) { Options = [new NatDetectionOption(false, 1)] });
        var option = MobilityWriterTests.RawOptions(ba).Single(o => o.Type == MobilityOptionType.NatDetection);
        ba[option.Offset + 1] = 4; // Length 4 where RFC 5555 3.2.2 says 6
        Assert.That(MobilityHeader.TryParseUnverified(ba, out _, out var error), Is.False);
        Assert.That(error, Is.Not.EqualTo(MobilityParseError.None));
    }

    [Test]
    public void Ipv4_care_of_address_option_has_two_reserved_octets_then_the_address()
    {
        var bu = new BindingUpdate(1, BindingUpdateFlags.A | BindingUpdateFlags.H | BindingUpdateFlags.F, 15)
        {
            Options = [new IPv4CareOfAddressOption(IPAddress.Parse("198.51.100.10"))],
        };
        var bytes = MobilityWriterTests.Write(bu);
        Assert.That(bytes[8], Is.EqualTo(0xC1), "A, H and F (RFC 5555 3.1.3: the bit after P)");
        var option = MobilityWriterTests.RawOptions(bytes).Single(o => o.Type == MobilityOptionType.IPv4CareOfAddress);
        Assert.That(Convert.ToHexString(bytes.AsSpan(option.Offset, 8)), Is.EqualTo("20060000C633640A"));
    }
}
