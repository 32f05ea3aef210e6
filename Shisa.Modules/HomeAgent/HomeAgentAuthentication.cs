using System.Net;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Configuration;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// RFC 4285 for the home agent: the MN-HA authenticator and the replay protection timestamp of each Binding Update,
/// the last timestamp accepted per node, and the credentials a reload replaced, still valid for a grace period so a
/// node not yet given its new key keeps its binding (key rotation).
/// </summary>
internal sealed class HomeAgentAuthentication(HomeAgentTuning tuning)
{
    private readonly Dictionary<IPAddress, ulong> _lastTimestamps = [];

    // A node's credentials before a reload changed them, valid until the grace period ends (one entry per listed node
    // at most, dropped when it expires or the node goes).
    private readonly Dictionary<IPAddress, (AuthorizedMobileNode Node, DateTimeOffset Until)> _previousCredentials = [];

    public static bool Requires(AuthorizedMobileNode node) => node.Spi is not null && node.Key.Count > 0;

    /// <summary>
    /// Checks a Binding Update from <paramref name="node"/> (which <see cref="Requires"/> authentication) and sets
    /// the credentials and timestamp the Binding Acknowledgement goes out with on <paramref name="route"/>. Under the
    /// node's current credentials first; when those fail, under the ones a reload replaced while their grace lasts
    /// (the BA is then signed with the credentials the BU used, so the node can verify it).
    /// </summary>
    public BindingAcknowledgementStatus Check(ReceivedMobilityMessage received, BindingUpdate update, AuthorizedMobileNode node, IPAddress home, AckRoute route, DateTimeOffset now)
    {
        route.Authenticated = node;
        var status = Verify(received, update, node, home, route, now);
        if (status == BindingAcknowledgementStatus.AuthenticationFailed
            && _previousCredentials.TryGetValue(home, out var previous) && now < previous.Until)
        {
            route.Authenticated = previous.Node;
            status = Verify(received, update, previous.Node, home, route, now);
            if (status == BindingAcknowledgementStatus.AuthenticationFailed)
            {
                route.Authenticated = node;
            }
        }

        return status;
    }

    /// <summary>A reload replaced the mobile node list: remembers rotated credentials, forgets nodes that went.</summary>
    public void Reconfigured(IReadOnlyDictionary<IPAddress, AuthorizedMobileNode> before, IReadOnlyDictionary<IPAddress, AuthorizedMobileNode> after, DateTimeOffset now)
    {
        foreach (var (home, was) in before)
        {
            if (after.TryGetValue(home, out var node) && Requires(was) && (node.Spi != was.Spi || !node.Key.Equals(was.Key)))
            {
                _previousCredentials[home] = (was, now + tuning.KeyRotationGrace);
            }
        }

        foreach (var (home, previous) in _previousCredentials.ToList())
        {
            if (!after.ContainsKey(home) || previous.Until <= now)
            {
                _previousCredentials.Remove(home);
            }
        }

        foreach (var home in _lastTimestamps.Keys.Where(h => !after.ContainsKey(h)).ToList())
        {
            _lastTimestamps.Remove(home);
        }
    }

    /// <summary>
    /// RFC 4285 5.1, 6: the MN-HA option must be last and verify under the node's SPI and key (else 146); the replay
    /// protection option (covered by it) must be present (145) and its timestamp within the window of our clock and
    /// newer than the last one accepted from this node (144, answered with our own time).
    /// </summary>
    private BindingAcknowledgementStatus Verify(ReceivedMobilityMessage received, BindingUpdate update, AuthorizedMobileNode node, IPAddress home, AckRoute route, DateTimeOffset now)
    {
        Span<byte> careOf = stackalloc byte[16];
        Span<byte> homeBytes = stackalloc byte[16];
        received.Source.TryWriteBytes(careOf, out _);
        home.TryWriteBytes(homeBytes, out _);
        if (!MnHaAuthentication.Verify(received.MobilityHeader.Span, node.Spi!.Value, node.Key.Items.AsSpan(), careOf, homeBytes))
        {
            return BindingAcknowledgementStatus.AuthenticationFailed;
        }

        var replay = update.Options.Find<MobilityMessageReplayProtectionOption>();
        if (replay is null)
        {
            return BindingAcknowledgementStatus.MessageIdRequired;
        }

        long skew = (long)(replay.Timestamp - NtpTimestamp.FromDateTimeOffset(now));
        long window = (long)(tuning.ReplayWindow.TotalSeconds * 4294967296.0);
        bool replayed = _lastTimestamps.TryGetValue(home, out ulong last) && (long)(replay.Timestamp - last) <= 0;
        if (Math.Abs(skew) > window || replayed)
        {
            return BindingAcknowledgementStatus.MobileNodeIdentifierMismatch;
        }

        _lastTimestamps[home] = replay.Timestamp;
        route.ReplayTimestamp = replay.Timestamp;
        return BindingAcknowledgementStatus.Accepted;
    }
}
