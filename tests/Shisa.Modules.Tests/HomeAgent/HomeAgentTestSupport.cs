using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.Modules.Configuration;
using Shisa.Modules.HomeAgent;
using BusMessage = Shisa.DataPlane.Bus.MobilityMessage;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.Tests.HomeAgent;

/// <summary>The interoperability vectors of tests/Shisa.DataPlane.Tests/TestData/vectors, read from the repository.</summary>
internal static class Vectors
{
    private static readonly Lazy<string> s_directory = new(FindDirectory);

    public static byte[] Packet(string file, string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_directory.Value, file)));
        foreach (var vector in document.RootElement.GetProperty("vectors").EnumerateArray())
        {
            if (vector.GetProperty("name").GetString() == name)
            {
                return Convert.FromHexString(vector.GetProperty("hex").GetString()!);
            }
        }

        throw new ArgumentException($"no vector '{name}' in {file}", nameof(name));
    }

    private static string FindDirectory()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "Shisa.DataPlane.Tests", "TestData", "vectors");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/Shisa.DataPlane.Tests/TestData/vectors not found above the test directory");
    }
}

/// <summary>An <see cref="IPacketSender"/> that keeps what it is given; safe to read from a test while a pump sends.</summary>
internal sealed class RecordingSender : IPacketSender
{
    private readonly ConcurrentQueue<byte[]> _packets = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public bool Refuse { get; set; }

    /// <summary>Sends that throw (a failing data plane, for the loop's survival).</summary>
    public int ThrowNext { get; set; }

    public IReadOnlyList<byte[]> Packets => [.. _packets];

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

        _packets.Enqueue(ipv6Packet.ToArray());
        _arrived.Release();
        return true;
    }

    /// <summary>Waits for the <paramref name="count"/>th packet (the test's cancellation bounds the wait).</summary>
    public async Task<byte[]> WaitForAsync(int count, CancellationToken cancellationToken)
    {
        while (_packets.Count < count)
        {
            await _arrived.WaitAsync(cancellationToken);
        }

        return Packets[count - 1];
    }
}

/// <summary>The addresses of the vectors' conventions and the profile section built around them.</summary>
internal static class Topology
{
    public static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    public static readonly IPAddress Home = IPAddress.Parse("2001:db8:1::100");
    public static readonly IPAddress OtherHome = IPAddress.Parse("2001:db8:1::200");
    public static readonly IPAddress CareOf = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    public static readonly IPAddress CareOf2 = IPAddress.Parse("2001:db8:a2::ff:fe00:10");
    public static readonly IPAddress Anycast = IPAddress.Parse("2001:db8:1:0:fdff:ffff:ffff:fffe");
    public static readonly Prefix HomePrefix = Prefix.Parse("2001:db8:1::/64");
    public static readonly Prefix MobileNetwork = Prefix.Parse("2001:db8:1:100::/56");
    public const uint Spi = 256;
    public static readonly byte[] Key = Convert.FromHexString("00112233445566778899aabbccddeeff");

    public static AuthorizedMobileNode Node(IPAddress home, Prefix[]? prefixes = null, bool authenticated = false) =>
        new(home, new EquatableArray<Prefix>(prefixes ?? []), authenticated ? Spi : null, authenticated ? new EquatableArray<byte>(Key) : EquatableArray<byte>.Empty);

    public static HomeAgentSection Section(int maxBindings = 100, int maxLifetimeSeconds = 420, params AuthorizedMobileNode[] nodes) =>
        new(HomeAgent, HomePrefix, maxBindings, TimeSpan.FromSeconds(maxLifetimeSeconds),
            new EquatableArray<AuthorizedMobileNode>(nodes.Length == 0 ? [Node(Home)] : nodes));
}

/// <summary>A <see cref="HomeAgentCore"/> with a fake clock, a recording sender and the bus messages it publishes.</summary>
internal sealed class CoreHarness
{
    public CoreHarness(HomeAgentSection? section = null, HomeAgentTuning? tuning = null, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        Core = new HomeAgentCore(section ?? Topology.Section(), Sender, Published.Add, tuning, new HomeLink("eth0", 2), logger: logger);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public RecordingSender Sender { get; } = new();

    public List<BusMessage> Published { get; } = [];

    public HomeAgentCore Core { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    public void Deliver(byte[] packet, SignallingKinds kind = SignallingKinds.MobilityHeader) =>
        Core.Process(new SignallingReceived(new SignallingPacket(packet, kind, "eth0", 2, Now)), Now);

    public void Answer(DadMessage result, IPAddress address) =>
        Core.Process(new DadReported(new Dad(result, address, "eth0", 2)), Now);

    /// <summary>Moves the clock and, as the module's timer would, feeds the deadline event when one has come.</summary>
    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        if (Core.NextDeadline is { } next && next <= Now)
        {
            Core.Process(DeadlineReached.Instance, Now);
        }
    }

    public T[] PublishedOf<T>()
        where T : BusMessage => [.. Published.OfType<T>()];

    /// <summary>Delivers a Binding Update and, when it asks for DAD of the home address, answers Success.</summary>
    public void Register(byte[] packet)
    {
        int before = Published.Count;
        Deliver(packet);
        foreach (var dad in Published.Skip(before).OfType<Dad>().Where(d => d.Message == DadMessage.Do).ToList())
        {
            Answer(DadMessage.Success, dad.Address);
        }
    }

    /// <summary>The last packet sent, read back as a Mobility Header message.</summary>
    public ReceivedMobilityMessage LastMobility()
    {
        Assert.That(Sender.Packets, Is.Not.Empty, "nothing was sent");
        Assert.That(MobilityPackets.TryRead(new SignallingPacket(Sender.Packets[^1], SignallingKinds.MobilityHeader, "eth0", 2, Now), out var received, out var refusal, out var error),
            Is.True, $"{refusal} {error}");
        return received!;
    }

    public BindingAcknowledgement LastAck() => (BindingAcknowledgement)LastMobility().Message;
}

/// <summary>Binding Update packets as a mobile node sends them.</summary>
internal static class Packets
{
    public const WireFlags AH = WireFlags.A | WireFlags.H;

    /// <summary>A BU from <paramref name="careOf"/> (default the CoA) with a HAO for <paramref name="home"/> (default the HoA).</summary>
    public static byte[] BindingUpdate(ushort sequence, ushort lifetimeUnits = 30, WireFlags flags = AH, IPAddress? home = null, IPAddress? careOf = null,
        MobilityOptionList? options = null, bool atHome = false)
    {
        home ??= Topology.Home;
        careOf ??= Topology.CareOf;
        var update = new BindingUpdate(sequence, flags, lifetimeUnits) { Options = options ?? MobilityOptionList.Empty };
        var envelope = atHome
            ? new Ipv6Envelope(home, Topology.HomeAgent)
            : new Ipv6Envelope(careOf, Topology.HomeAgent, HomeAddress: home);
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        Assert.That(MobilityPackets.TryWrite(update, envelope, buffer, out int n), Is.True);
        return buffer[..n];
    }

    /// <summary>
    /// An RFC 4285 protected BU: replay protection with <paramref name="timestamp"/> (unless null), then the MN-HA
    /// option (unless <paramref name="authenticate"/> is false) signed with <paramref name="key"/>.
    /// </summary>
    public static byte[] SignedBindingUpdate(ushort sequence, ulong? timestamp, byte[]? key = null, bool authenticate = true, uint spi = Topology.Spi)
    {
        var options = new List<MobilityOption>();
        if (timestamp is ulong t)
        {
            options.Add(new MobilityMessageReplayProtectionOption(t));
        }

        if (authenticate)
        {
            options.Add(MobilityMessageAuthenticationOption.MnHaPlaceholder(spi));
        }

        var update = new BindingUpdate(sequence, AH, 30) { Options = MobilityOptionList.Create([.. options]) };
        var packet = BindingUpdate(sequence, options: update.Options);
        if (authenticate)
        {
            int length = update.GetByteCount();
            Assert.That(MnHaAuthentication.TrySign(packet.AsSpan(packet.Length - length), key ?? Topology.Key,
                Bytes(Topology.CareOf), Bytes(Topology.Home), Bytes(Topology.Home), Bytes(Topology.HomeAgent)), Is.True);
        }

        return packet;
    }

    public static byte[] Bytes(IPAddress address) => address.GetAddressBytes();

    public static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
