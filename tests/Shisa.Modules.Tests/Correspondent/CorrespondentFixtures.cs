using System.Net;
using System.Threading.Channels;
using Shisa.DataPlane;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Correspondent;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;

namespace Shisa.Modules.Tests.Correspondent;

/// <summary>
/// The vectors of tests/Shisa.DataPlane.Tests/TestData/vectors (rr_crypto.json, mh_hoti.json, mh_coti.json,
/// mh_hot.json, mh_cot.json, mh_be.json, mh_brr.json) the correspondent must reproduce, copied as hex.
/// </summary>
internal static class Vectors
{
    public const string Kcn = "000102030405060708090a0b0c0d0e0f10111213";
    public const ushort HomeNonceIndex = 257;
    public const string HomeNonce = "a1a2a3a4a5a6a7a8";
    public const ushort CareOfNonceIndex = 514;
    public const string CareOfNonce = "c1c2c3c4c5c6c7c8";
    public const string Kbm = "00b6874bb58b26582f41d735cc8eb26b84356d83";
    public const string KbmDeregistration = "5fd81e57eee333e56032e3ef875f57cdf6e0d275";

    /// <summary>mh_hoti.json hoti_ha_to_cn: HoA -> CN, cookie 1111111111111111.</summary>
    public const string HotiHex = "600000000010874020010db800010000000000000000010020010db8000c000000000000000000023b01010022a200001111111111111111";

    /// <summary>mh_coti.json coti_mn_to_cn: CoA -> CN, cookie 2222222222222222.</summary>
    public const string CotiHex = "600000000010874020010db800a10000000000fffe00001020010db8000c000000000000000000023b010200dead00002222222222222222";

    /// <summary>mh_hot.json hot_cn_to_hoa.</summary>
    public const string HotHex = "600000000018874020010db8000c0000000000000000000220010db80001000000000000000001003b02030002cb01011111111111111111ff57aa39358e3dad";

    /// <summary>mh_cot.json cot_cn_to_coa.</summary>
    public const string CotHex = "600000000018874020010db8000c0000000000000000000220010db800a10000000000fffe0000103b020400bcb9020222222222222222223578f0f9abee4b88";

    /// <summary>rr_crypto.json bu_to_cn_with_bad: CoA -> CN with HAO, A, sequence 4660, lifetime 100 units, HNI 257, CoNI 514.</summary>
    public const string BuHex = "6000000000383c4020010db800a10000000000fffe00001020010db8000c00000000000000000002870201020000c91020010db80001000000000000000001003b030500a898123480000064040401010202050c10cab1c5221e5fe19fdf3721";

    /// <summary>rr_crypto.json ba_from_cn_with_bad: CN -> CoA, RH2 HoA, status 0, sequence 4660, lifetime 100 units, signed.</summary>
    public const string BaHex = "6000000000382b4020010db8000c0000000000000000000220010db800a10000000000fffe000010870202010000000020010db80001000000000000000001003b0306007dd9000012340064010400000000050ca28eae5d6599ccbcb9d08e3f";

    /// <summary>rr_crypto.json bu_to_cn_deregistration: sequence 4661, lifetime 0, Kbm = SHA1(home keygen token).</summary>
    public const string DeregHex = "6000000000383c4020010db800a10000000000fffe00001020010db8000c00000000000000000002870201020000c91020010db80001000000000000000001003b030500222e123580000000040401010202050c1cc5bb2b6a067b681981cb7c";

    /// <summary>mh_be.json be_unknown_binding: CN -> CoA, status 1, home address HoA.</summary>
    public const string BeUnknownBindingHex = "600000000018874020010db8000c0000000000000000000220010db800a10000000000fffe0000103b0207003273010020010db8000100000000000000000100";

    /// <summary>mh_be.json be_unrecognized_type: 2001:db8:1::1 -> CoA, status 2, home address ::.</summary>
    public const string BeUnrecognizedTypeHex = "600000000018874020010db800010000000000000000000120010db800a10000000000fffe0000103b0207006039020000000000000000000000000000000000";

    /// <summary>mh_brr.json brr_cn_to_hoa.</summary>
    public const string BrrHex = "600000000008874020010db8000c0000000000000000000220010db80001000000000000000001003b00000067ef0000";

    public static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    public static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    public static readonly IPAddress Cn = IPAddress.Parse("2001:db8:c::2");
    public static readonly IPAddress HomeAgentAddress = IPAddress.Parse("2001:db8:1::1");

    public static byte[] Bytes(string hex) => Convert.FromHexString(hex);

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    public static SignallingPacket Packet(byte[] bytes) => new(bytes, SignallingKinds.MobilityHeader, "cn0", 2, DateTimeOffset.UnixEpoch);

    public static SignallingPacket Packet(string hex) => Packet(Bytes(hex));

    /// <summary>Installs the vector's nonces: 257 then 514 (the current one), both under the vector's Kcn.</summary>
    public static void InstallBoth(NodeSecrets secrets, DateTimeOffset now)
    {
        secrets.Install(HomeNonceIndex, Bytes(HomeNonce), Bytes(Kcn), now);
        secrets.Install(CareOfNonceIndex, Bytes(CareOfNonce), Bytes(Kcn), now);
    }

    /// <summary>Kbm for a binding of <paramref name="home"/> to <paramref name="careOf"/> from the vector's Kcn and nonces.</summary>
    public static byte[] KbmFor(IPAddress home, IPAddress careOf, bool deregistration = false)
    {
        var kcn = Bytes(Kcn);
        ulong homeToken = ReturnRoutability.HomeKeygenToken(kcn, home.GetAddressBytes(), Bytes(HomeNonce));
        var kbm = new byte[ReturnRoutability.BindingManagementKeyLength];
        if (deregistration)
        {
            ReturnRoutability.DeregistrationBindingManagementKey(homeToken, kbm);
        }
        else
        {
            ReturnRoutability.BindingManagementKey(homeToken, ReturnRoutability.CareOfKeygenToken(kcn, careOf.GetAddressBytes(), Bytes(CareOfNonce)), kbm);
        }

        return kbm;
    }

    /// <summary>A Binding Update from <paramref name="careOf"/> with a HAO, nonce indices and a valid authenticator.</summary>
    public static byte[] SignedBindingUpdate(
        ushort sequence,
        ushort lifetimeUnits,
        BindingUpdateFlags flags = BindingUpdateFlags.A,
        IPAddress? home = null,
        IPAddress? careOf = null,
        ushort homeNonceIndex = HomeNonceIndex,
        ushort careOfNonceIndex = CareOfNonceIndex,
        byte[]? kbm = null,
        IPAddress? authenticatedCareOf = null)
    {
        home ??= Home;
        careOf ??= CareOf;
        authenticatedCareOf ??= careOf;
        kbm ??= KbmFor(home, careOf, deregistration: lifetimeUnits == 0);
        var bu = new BindingUpdate(sequence, flags, lifetimeUnits)
        {
            Options = [new NonceIndicesOption(homeNonceIndex, careOfNonceIndex), BindingAuthorizationDataOption.Placeholder],
        };
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobilityPackets.TryWrite(bu, new Ipv6Envelope(careOf, Cn, HomeAddress: home), buffer, out int n), Is.True);
        int length = bu.GetByteCount();
        Assert.That(
            ReturnRoutability.TrySign(buffer.AsSpan(n - length, length), kbm, authenticatedCareOf.GetAddressBytes(), Cn.GetAddressBytes(), home.GetAddressBytes(), Cn.GetAddressBytes()),
            Is.True);
        return buffer[..n];
    }

    /// <summary>An unsigned Mobility Header packet, e.g. a home registration a correspondent must refuse.</summary>
    public static byte[] Unsigned(Shisa.DataPlane.Wire.Mobility.MobilityMessage message, Ipv6Envelope envelope)
    {
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobilityPackets.TryWrite(message, envelope, buffer, out int n), Is.True);
        return buffer[..n];
    }

    /// <summary>Reads a packet the correspondent sent.</summary>
    public static ReceivedMobilityMessage Read(byte[] packet)
    {
        Assert.That(MobilityPackets.TryRead(Packet(packet), out var received, out var refusal, out var error), Is.True, $"{refusal} {error}");
        return received!;
    }
}

/// <summary>Records what the correspondent hands the data plane; also a channel for the asynchronous module tests.</summary>
internal sealed class RecordingSender : IPacketSender
{
    private readonly Channel<byte[]> _channel = Channel.CreateUnbounded<byte[]>();

    public List<byte[]> Packets { get; } = [];

    public bool Refuse { get; set; }

    /// <summary>Sends that throw (a failing data plane, for the loops' survival).</summary>
    public int ThrowNext { get; set; }

    public ChannelReader<byte[]> Reader => _channel.Reader;

    public bool TrySend(ReadOnlySpan<byte> ipv6Packet)
    {
        if (Refuse)
        {
            return false;
        }

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

        _channel.Writer.TryWrite(copy);
        return true;
    }

    public byte[] Single()
    {
        Assert.That(Packets, Has.Count.EqualTo(1));
        return Packets[0];
    }

    public byte[] TakeSingle()
    {
        var packet = Single();
        Clear();
        return packet;
    }

    public void Clear()
    {
        Packets.Clear();
        while (_channel.Reader.TryRead(out _))
        {
        }
    }
}

/// <summary>A correspondent node with the vector's secrets, a recording sender and a list of published messages.</summary>
internal sealed class NodeFixture
{
    public NodeFixture(CorrespondentOptions? options = null, DateTimeOffset? start = null)
    {
        Now = start ?? new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Options = options ?? new CorrespondentOptions();
        Secrets = new NodeSecrets(Options, Now);
        Vectors.InstallBoth(Secrets, Now);
        Node = new CorrespondentNode(Options, Sender, Published.Add, Now, Secrets);
    }

    public DateTimeOffset Now { get; set; }

    public CorrespondentOptions Options { get; }

    public NodeSecrets Secrets { get; }

    public RecordingSender Sender { get; } = new();

    public List<BusMessage> Published { get; } = [];

    public CorrespondentNode Node { get; }

    public CorrespondentOutcome Receive(byte[] packet) => Node.Receive(Vectors.Packet(packet), Now);

    public CorrespondentOutcome Receive(string hex) => Node.Receive(Vectors.Packet(hex), Now);

    public void Advance(TimeSpan by)
    {
        Now += by;
        Node.OnTimer(Now);
    }
}
