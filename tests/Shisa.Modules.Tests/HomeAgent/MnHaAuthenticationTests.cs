using Shisa.Modules.Common;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Configuration;
using Shisa.Modules.HomeAgent;
using static Shisa.Modules.Tests.HomeAgent.Packets;

namespace Shisa.Modules.Tests.HomeAgent;

/// <summary>RFC 4285: home registrations of a mobile node whose entry has an SPI and a key.</summary>
public class MnHaAuthenticationTests
{
    private static CoreHarness Harness() => new(Topology.Section(nodes: Topology.Node(Topology.Home, authenticated: true)));

    private static ulong Timestamp(CoreHarness ha, double offsetSeconds = 0) =>
        NtpTimestamp.FromDateTimeOffset(ha.Now + TimeSpan.FromSeconds(offsetSeconds));

    [Test]
    public void A_correctly_signed_fresh_binding_update_is_accepted_and_the_ba_is_signed_with_the_timestamp_echoed()
    {
        var ha = Harness();
        ulong timestamp = Timestamp(ha, -2);
        ha.Register(SignedBindingUpdate(1, timestamp));

        Assert.That(ha.PublishedOf<BindingCacheAdd>(), Has.Length.EqualTo(1));
        var received = ha.LastMobility();
        var ba = (BindingAcknowledgement)received.Message;
        Assert.That(ba.Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
        Assert.That(ba.Options.Find<MobilityMessageReplayProtectionOption>()!.Timestamp, Is.EqualTo(timestamp));
        Assert.That(ba.Options[^1], Is.InstanceOf<MobilityMessageAuthenticationOption>(), "the authenticator is the last option");
        Assert.That(MnHaAuthentication.Verify(received.MobilityHeader.Span, Topology.Spi, Topology.Key, Bytes(Topology.CareOf), Bytes(Topology.Home)), Is.True);
    }

    [Test]
    public void A_key_rotated_by_reload_leaves_the_old_spi_and_key_valid_for_the_grace_period_only()
    {
        var ha = new CoreHarness(Topology.Section(nodes: Topology.Node(Topology.Home, authenticated: true)), new HomeAgentTuning { KeyRotationGrace = TimeSpan.FromMinutes(5) });
        var newKey = Enumerable.Range(0, 16).Select(i => (byte)(0xA0 + i)).ToArray();
        var rotated = Topology.Node(Topology.Home) with { Spi = 300, Key = new EquatableArray<byte>(newKey) };
        ha.Core.Process(new HomeAgentReconfigured(Topology.Section(nodes: rotated)), ha.Now);

        ha.Register(SignedBindingUpdate(1, Timestamp(ha)));
        var received = ha.LastMobility();
        Assert.That(((BindingAcknowledgement)received.Message).Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted), "the old SPI and key, within the grace period");
        Assert.That(MnHaAuthentication.Verify(received.MobilityHeader.Span, Topology.Spi, Topology.Key, Bytes(Topology.CareOf), Bytes(Topology.Home)), Is.True,
            "signed with the credentials the BU used");

        ha.Advance(TimeSpan.FromSeconds(1));
        ha.Deliver(SignedBindingUpdate(2, Timestamp(ha), newKey, spi: 300));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted), "the new ones");

        ha.Advance(TimeSpan.FromMinutes(5));
        ha.Deliver(SignedBindingUpdate(3, Timestamp(ha)));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.AuthenticationFailed), "the old ones after the grace period");
    }

    [Test]
    public void A_wrong_authenticator_is_refused_with_146()
    {
        var ha = Harness();
        var key = (byte[])Topology.Key.Clone();
        key[0] ^= 1;
        ha.Deliver(SignedBindingUpdate(1, Timestamp(ha), key));

        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.AuthenticationFailed));
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void A_missing_authentication_option_or_a_wrong_spi_is_refused_with_146()
    {
        var ha = Harness();
        ha.Deliver(SignedBindingUpdate(1, Timestamp(ha), authenticate: false));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.AuthenticationFailed));

        ha.Deliver(SignedBindingUpdate(2, Timestamp(ha), spi: Topology.Spi + 1));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.AuthenticationFailed));

        ha.Deliver(BindingUpdate(3));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.AuthenticationFailed), "an unprotected BU from a node with a key");
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void A_missing_replay_protection_option_is_refused_with_145()
    {
        var ha = Harness();
        ha.Deliver(SignedBindingUpdate(1, timestamp: null));

        var ba = ha.LastAck();
        Assert.That(ba.Status, Is.EqualTo(BindingAcknowledgementStatus.MessageIdRequired));
        Assert.That(ba.Options.Find<MobilityMessageReplayProtectionOption>()!.Timestamp, Is.EqualTo(Timestamp(ha)), "our time, for the node to sync to");
    }

    [Test]
    public void A_timestamp_outside_the_window_is_refused_with_144_and_the_home_agents_time()
    {
        var ha = Harness();
        ha.Deliver(SignedBindingUpdate(1, Timestamp(ha, -60)));

        var ba = ha.LastAck();
        Assert.That(ba.Status, Is.EqualTo(BindingAcknowledgementStatus.MobileNodeIdentifierMismatch));
        Assert.That(ba.Options.Find<MobilityMessageReplayProtectionOption>()!.Timestamp, Is.EqualTo(Timestamp(ha)));

        ha.Deliver(SignedBindingUpdate(2, Timestamp(ha, 8)));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.MobileNodeIdentifierMismatch), "too far ahead too");
        Assert.That(ha.Published, Is.Empty);
    }

    [Test]
    public void A_replayed_binding_update_is_refused_with_144_and_leaves_the_binding_alone()
    {
        var ha = Harness();
        var first = SignedBindingUpdate(1, Timestamp(ha));
        ha.Register(first);
        ha.Advance(TimeSpan.FromSeconds(1));
        ha.Published.Clear();

        ha.Deliver(first);
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.MobileNodeIdentifierMismatch));

        ha.Deliver(SignedBindingUpdate(2, Timestamp(ha, -3)));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.MobileNodeIdentifierMismatch), "older than the last accepted timestamp");
        Assert.That(ha.Published, Is.Empty);

        ha.Deliver(SignedBindingUpdate(3, Timestamp(ha)));
        Assert.That(ha.LastAck().Status, Is.EqualTo(BindingAcknowledgementStatus.Accepted));
    }

    [Test]
    public void Ntp_timestamps_round_trip()
    {
        var time = new DateTimeOffset(2026, 5, 17, 12, 34, 56, 500, TimeSpan.Zero);
        ulong ntp = NtpTimestamp.FromDateTimeOffset(time);

        Assert.That(ntp >> 32, Is.EqualTo((ulong)(time.ToUnixTimeSeconds() + 2_208_988_800)));
        Assert.That(ntp & 0xFFFF_FFFF, Is.EqualTo(0x8000_0000UL));
        Assert.That(NtpTimestamp.ToDateTimeOffset(ntp), Is.EqualTo(time));
    }
}
