using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.MobileNode;
using static Shisa.Modules.Tests.MobileNode.HomeRegistrationTests;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.Tests.MobileNode;

public class MobileNodePacketsTests
{
    // From tests/Shisa.DataPlane.Tests/TestData/vectors/mh_bu.json.
    internal const string BuHomeRegistration = "6000000000283c4020010db800a10000000000fffe00001020010db8000100000000000000000001870201020000c91020010db80001000000000000000001003b0105009de803e9c000001e01020000";
    private const string BuHomeRegistrationAltCoa = "6000000000383c4020010db800a10000000000fffe00001020010db8000100000000000000000001870201020000c91020010db80001000000000000000001003b0305006d5f03e8c000001e0100031020010db800a10000000000fffe000010";
    private const string BuHomeDeregistration = "6000000000283c4020010db800a20000000000fffe00001020010db8000100000000000000000001870201020000c91020010db80001000000000000000001003b0105009e0303ecc000000001020000";
    private const string BuReturningHome = "600000000010874020010db800010000000000000000010020010db80001000000000000000000013b0105009e0203edc000000001020000";

    // From icmpv6_dhaad.json "haad_request" and icmpv6_mps_mpa.json "mps_with_hao".
    private const string HaadRequest = "6000000000083a4020010db800a10000000000fffe00001020010db800010000fdfffffffffffffe9000046612340000";
    private const string MpsWithHao = "6000000000203c4020010db800a10000000000fffe00001020010db80001000000000000000000013a0201020000c91020010db80001000000000000000001009200ce2643210000";

    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly MnHaCredentials Credentials = new(256, Convert.FromHexString("00112233445566778899aabbccddeeff"));

    private static string Write(BindingUpdateRequest request, MnHaCredentials? credentials = null)
    {
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobileNodePackets.TryWriteBindingUpdate(request, credentials, Now, buffer, out int n), Is.True);
        return Convert.ToHexString(buffer, 0, n).ToLowerInvariant();
    }

    private static string Sent(Action<RecordingSender> send)
    {
        var sender = new RecordingSender();
        send(sender);
        return Convert.ToHexString(sender.Packets.Single()).ToLowerInvariant();
    }

    [Test]
    public void The_home_registration_is_the_vectors_bytes()
    {
        var request = new BindingUpdateRequest(1001, WireFlags.A | WireFlags.H, TimeSpan.FromSeconds(120), CareOf, HomeAgentAddress, Home);
        Assert.That(Write(request), Is.EqualTo(BuHomeRegistration));
    }

    [Test]
    public void The_home_registration_with_an_alternate_care_of_address_is_the_vectors_bytes()
    {
        var request = new BindingUpdateRequest(1000, WireFlags.A | WireFlags.H, TimeSpan.FromSeconds(120), CareOf, HomeAgentAddress, Home, CareOf);
        Assert.That(Write(request), Is.EqualTo(BuHomeRegistrationAltCoa));
    }

    [Test]
    public void The_deregistrations_are_the_vectors_bytes()
    {
        Assert.That(Write(new BindingUpdateRequest(1004, WireFlags.A | WireFlags.H, TimeSpan.Zero, CareOf2, HomeAgentAddress, Home)), Is.EqualTo(BuHomeDeregistration));
        Assert.That(Write(new BindingUpdateRequest(1005, WireFlags.A | WireFlags.H, TimeSpan.Zero, Home, HomeAgentAddress, null)), Is.EqualTo(BuReturningHome));
    }

    [Test]
    public void The_machines_first_binding_update_is_the_vectors_bytes()
    {
        var machine = new HomeRegistration(new HomeRegistrationOptions(Home, 64, HomeAgentAddress, TimeSpan.FromSeconds(120), InitialSequence: 1000));
        var bu = machine.Handle(new MovedTo(CareOf, "eth0"), Now).OfType<SendBindingUpdate>().Single();
        Assert.That(Write(bu.Request), Is.EqualTo(BuHomeRegistration));
    }

    [Test]
    public void A_signed_binding_update_verifies_with_the_mn_ha_key_and_still_parses()
    {
        var request = new BindingUpdateRequest(1001, WireFlags.A | WireFlags.H, TimeSpan.FromSeconds(120), CareOf, HomeAgentAddress, Home);
        var packet = Convert.FromHexString(Write(request, Credentials));

        Assert.That(MobilityPackets.TryRead(new SignallingPacket(packet, SignallingKinds.MobilityHeader, "eth0", 2, Now), out var received, out var refusal, out var error), Is.True,
            $"{refusal} {error}");
        var bu = (BindingUpdate)received!.Message;
        Assert.Multiple(() =>
        {
            Assert.That(bu.Options.Find<MobilityMessageReplayProtectionOption>()!.Timestamp, Is.EqualTo(NtpTimestamp.FromDateTimeOffset(Now)));
            Assert.That(bu.Options[^1], Is.InstanceOf<MobilityMessageAuthenticationOption>(), "the authentication option is last (RFC 4285 5)");
            Assert.That(MnHaAuthentication.Verify(received.MobilityHeader.Span, 256, Credentials.Key.Span, CareOf.GetAddressBytes(), Home.GetAddressBytes()), Is.True);
            Assert.That(MnHaAuthentication.Verify(received.MobilityHeader.Span, 257, Credentials.Key.Span, CareOf.GetAddressBytes(), Home.GetAddressBytes()), Is.False, "wrong SPI");
            Assert.That(MnHaAuthentication.Verify(received.MobilityHeader.Span, 256, new byte[16], CareOf.GetAddressBytes(), Home.GetAddressBytes()), Is.False, "wrong key");
            Assert.That(MnHaAuthentication.Verify(received.MobilityHeader.Span, 256, Credentials.Key.Span, CareOf2.GetAddressBytes(), Home.GetAddressBytes()), Is.False, "another care-of address");
        });
    }

    [Test]
    public void A_signed_deregistration_from_home_covers_the_home_address_twice()
    {
        var request = new BindingUpdateRequest(7, WireFlags.A | WireFlags.H, TimeSpan.Zero, Home, HomeAgentAddress, null);
        var packet = Convert.FromHexString(Write(request, Credentials));
        Assert.That(MobilityPackets.TryRead(new SignallingPacket(packet, SignallingKinds.MobilityHeader, "eth0", 2, Now), out var received, out _, out _), Is.True);
        Assert.That(MnHaAuthentication.Verify(received!.MobilityHeader.Span, 256, Credentials.Key.Span, Home.GetAddressBytes(), Home.GetAddressBytes()), Is.True);
    }

    [Test]
    public void Acknowledgements_are_verified_over_destination_and_routing_header_address()
    {
        var signed = MobileNodeTestPackets.Ba(1001, BindingAcknowledgementStatus.Accepted, 30, credentials: Credentials);
        var unsigned = MobileNodeTestPackets.Ba(1001, BindingAcknowledgementStatus.Accepted, 30);
        var otherKey = MobileNodeTestPackets.Ba(1001, BindingAcknowledgementStatus.Accepted, 30, credentials: Credentials with { Key = new byte[16] });
        Assert.Multiple(() =>
        {
            Assert.That(MobileNodePackets.VerifyAcknowledgement(Read(signed), Credentials), Is.True);
            Assert.That(MobileNodePackets.VerifyAcknowledgement(Read(unsigned), Credentials), Is.False);
            Assert.That(MobileNodePackets.VerifyAcknowledgement(Read(otherKey), Credentials), Is.False);
        });
    }

    [Test]
    public void The_dhaad_request_is_the_vectors_bytes()
    {
        string hex = Sent(s => MobileNodePackets.SendHaadRequest(s, new SendHaadRequest(0x1234, CareOf, HomeAgentsAnycast.For(Home, 64), false)));
        Assert.That(hex, Is.EqualTo(HaadRequest));
    }

    [Test]
    public void The_mobile_prefix_solicitation_is_the_vectors_bytes()
    {
        Assert.That(Sent(s => MobileNodePackets.SendPrefixSolicitation(s, 0x4321, CareOf, Home, HomeAgentAddress)), Is.EqualTo(MpsWithHao));
    }

    [TestCase("2001:db8:1::100", 64, "2001:db8:1:0:fdff:ffff:ffff:fffe")]
    [TestCase("2001:db8:1:2:3:4:5:6", 48, "2001:db8:1:ffff:ffff:ffff:ffff:fffe")]
    [TestCase("2001:db8:1::100", 120, "2001:db8:1::1fe")]
    public void The_home_agents_anycast_address_follows_rfc_2526(string home, int length, string expected)
    {
        Assert.That(HomeAgentsAnycast.For(IPAddress.Parse(home), length), Is.EqualTo(IPAddress.Parse(expected)));
    }

    [Test]
    public void Ntp_timestamps_count_from_1900()
    {
        Assert.That(NtpTimestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Is.EqualTo(2_208_988_800UL << 32));
        Assert.That(NtpTimestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddSeconds(1.5)), Is.EqualTo(((2_208_988_800UL + 1) << 32) | 0x8000_0000UL));
    }

    private static ReceivedMobilityMessage Read(byte[] packet)
    {
        Assert.That(MobilityPackets.TryRead(new SignallingPacket(packet, SignallingKinds.MobilityHeader, "eth0", 2, Now), out var received, out _, out _), Is.True);
        return received!;
    }
}
