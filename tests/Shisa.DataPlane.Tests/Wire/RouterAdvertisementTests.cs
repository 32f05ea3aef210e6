using System.Net;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Tests.Wire;

public class RouterAdvertisementTests
{
    // RA: lifetime 9 s, retrans 500 ms; a source link-layer option, a prefix 2001:db8:a1::/64, an advertisement interval of 3000 ms.
    private static byte[] Message()
    {
        var m = new List<byte> { 134, 0, 0, 0, 64, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0x01, 0xf4 };
        m.AddRange([1, 1, 2, 0, 0, 0, 0, 1]);
        m.AddRange([3, 4, 64, 0xc0, 0, 0, 0, 120, 0, 0, 0, 30, 0, 0, 0, 0]);
        m.AddRange(IPAddress.Parse("2001:db8:a1::").GetAddressBytes());
        m.AddRange([7, 1, 0, 0, 0, 0, 0x0b, 0xb8]);
        return [.. m];
    }

    [Test]
    public void Reads_lifetime_retrans_timer_prefixes_and_the_advertisement_interval()
    {
        Assert.That(RouterAdvertisement.TryParse(Message(), out var ra), Is.True);
        Assert.That(ra!.RouterLifetime, Is.EqualTo(TimeSpan.FromSeconds(9)));
        Assert.That(ra.RetransTimer, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
        Assert.That(ra.AdvertisementInterval, Is.EqualTo(TimeSpan.FromMilliseconds(3000)));
        Assert.That(ra.Prefixes.Single().Prefix, Is.EqualTo(IPAddress.Parse("2001:db8:a1::")));
        Assert.That(ra.Prefixes.Single().ValidLifetime, Is.EqualTo(120));
    }

    [Test]
    public void Refuses_a_short_message_a_nonzero_code_and_options_of_length_zero_or_past_the_end()
    {
        var message = Message();
        Assert.That(RouterAdvertisement.TryParse(message.AsSpan(0, 15), out _), Is.False);
        var code = (byte[])message.Clone();
        code[1] = 1;
        Assert.That(RouterAdvertisement.TryParse(code, out _), Is.False);
        var zero = (byte[])message.Clone();
        zero[17] = 0;
        Assert.That(RouterAdvertisement.TryParse(zero, out _), Is.False);
        Assert.That(RouterAdvertisement.TryParse(message.AsSpan(0, message.Length - 1), out _), Is.False);
    }

    [Test]
    public void Without_an_interval_option_the_interval_is_unknown()
    {
        var message = Message();
        Assert.That(RouterAdvertisement.TryParse(message.AsSpan(0, message.Length - 8), out var ra), Is.True);
        Assert.That(ra!.AdvertisementInterval, Is.Null);
    }
}
