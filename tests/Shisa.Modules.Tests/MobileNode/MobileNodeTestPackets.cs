using System.Net;
using System.Threading.Channels;
using Shisa.DataPlane;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Icmp;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.MobileNode;
using static Shisa.Modules.Tests.MobileNode.HomeRegistrationTests;

namespace Shisa.Modules.Tests.MobileNode;

/// <summary>Records what the module sends; lets a test wait for the next packet (never by sleeping).</summary>
internal sealed class RecordingSender : IPacketSender
{
    private readonly Channel<byte[]> _sent = Channel.CreateUnbounded<byte[]>();

    public List<byte[]> Packets { get; } = [];

    /// <summary>Sends that throw before any is recorded (a failing data plane, for the loops' survival).</summary>
    public int ThrowNext { get; set; }

    public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
    {
        if (ThrowNext > 0)
        {
            ThrowNext--;
            throw new InvalidOperationException("injected send failure");
        }

        var copy = ipv6Packet.ToArray();
        lock (Packets)
        {
            Packets.Add(copy);
        }

        _sent.Writer.TryWrite(copy);
        return true;
    }

    public int Count
    {
        get
        {
            lock (Packets)
            {
                return Packets.Count;
            }
        }
    }

    /// <summary>The next packet sent (those sent before included, in order); fails after 10 s of real time.</summary>
    public async Task<byte[]> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _sent.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>True when nothing more is waiting to be taken by <see cref="NextAsync"/>.</summary>
    public bool Drained => _sent.Reader.Count == 0;
}

/// <summary>Packets the home agent would send back.</summary>
internal static class MobileNodeTestPackets
{
    public static byte[] Ba(ushort sequence, BindingAcknowledgementStatus status, ushort lifetimeUnits, IPAddress? to = null, IPAddress? rh2 = null,
        MnHaCredentials? credentials = null, IPAddress? from = null, bool atHome = false, ulong? timestamp = null)
    {
        var destination = to ?? (atHome ? Home : CareOf);
        var routing = atHome ? null : rh2 ?? Home;
        var ba = new BindingAcknowledgement(status, BindingAcknowledgementFlags.None, sequence, lifetimeUnits)
        {
            Options = credentials is null ? MobilityOptionList.Empty
                : timestamp is ulong t ? [new MobilityMessageReplayProtectionOption(t), MobilityMessageAuthenticationOption.MnHaPlaceholder(credentials.Spi)]
                : [MobilityMessageAuthenticationOption.MnHaPlaceholder(credentials.Spi)],
        };
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobilityPackets.TryWrite(ba, new Ipv6Envelope(from ?? HomeAgentAddress, destination, RoutingHomeAddress: routing), buffer, out int n), Is.True);
        if (credentials is not null)
        {
            int mh = ba.GetByteCount();
            var home = (routing ?? destination).GetAddressBytes();
            Assert.That(MnHaAuthentication.TrySign(buffer.AsSpan(n - mh, mh), credentials.Key.Span, destination.GetAddressBytes(), home,
                (from ?? HomeAgentAddress).GetAddressBytes(), home), Is.True);
        }

        return buffer[..n];
    }

    public static byte[] Brr(IPAddress from, IPAddress to)
    {
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobilityPackets.TryWrite(new BindingRefreshRequest(), new Ipv6Envelope(from, to), buffer, out int n), Is.True);
        return buffer[..n];
    }

    public static byte[] HaadReply(ushort identifier, IPAddress from, params IPAddress[] agents)
    {
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(Icmpv6PacketBuilder.TryWrite(buffer, new Ipv6Envelope(from, CareOf), new HomeAgentAddressDiscoveryReply(identifier, false, agents), out int n), Is.True);
        return buffer[..n];
    }

    public static byte[] Mpa(ushort identifier, uint valid, uint preferred)
    {
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        var mpa = new MobilePrefixAdvertisement(identifier, false, false,
            [new PrefixInformation(64, true, true, false, valid, preferred, IPAddress.Parse("2001:db8:1::"))]);
        Assert.That(Icmpv6PacketBuilder.TryWrite(buffer, new Ipv6Envelope(HomeAgentAddress, CareOf, RoutingHomeAddress: Home), mpa, out int n), Is.True);
        return buffer[..n];
    }

    public static SignallingPacket Signalling(byte[] packet, SignallingKinds kind) => new(packet, kind, "eth0", 2, DateTimeOffset.UnixEpoch);

    public static ReceivedMobilityMessage ReadMh(byte[] packet)
    {
        Assert.That(MobilityPackets.TryRead(Signalling(packet, SignallingKinds.MobilityHeader), out var received, out var refusal, out var error), Is.True, $"{refusal} {error}");
        return received!;
    }
}
