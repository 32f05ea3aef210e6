using System.Net;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;
using Shisa.DataPlane.Tests.Vectors;

namespace Shisa.DataPlane.Tests.Bus.Encoding;

public class BusFrameTests
{
    private static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress CareOfAddress = IPAddress.Parse("2001:db8:a1::100");
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");
    private static readonly DateTimeOffset When = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>The golden frame of docs/bus-socket.md, computed independently of this codec.</summary>
    internal const string GoldenBindingCacheAddHex =
        "006b0102000000010006475ef64cf340" +
        "c40000070000003c00000620010db800" +
        "01000000000000000001000620010db8" +
        "00a1000000000000000001000620010d" +
        "b8000100000000000000000001013806" +
        "20010db8000101000000000000000000" +
        "0a686f6d655f6167656e74";

    internal static BindingCacheEntry GoldenEntry => new(
        HomeAddress,
        CareOfAddress,
        HomeAgent,
        BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.MobileRouter | BindingUpdateFlags.Acknowledge,
        TimeSpan.FromSeconds(60),
        7,
        [Prefix.Parse("2001:db8:1:100::/56")]);

    internal static BusEnvelope Golden => new(1, When, new BindingCacheAdd(GoldenEntry), "home_agent");

    /// <summary>At least one message of every type, with IPv4 and absent addresses where a field allows them.</summary>
    internal static IEnumerable<MobilityMessage> EveryMessage()
    {
        var v4 = IPAddress.Parse("192.0.2.10");
        var bul = new BindingUpdateListEntry(
            HomeAgent, HomeAddress, CareOfAddress, BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge,
            TimeSpan.FromSeconds(420), 65535, BindingUpdateListState.Bound, [Prefix.Parse("2001:db8:1:100::/56"), Prefix.Parse("2001:db8:1:200::/64")], 3);
        yield return new NodeTypeInfo(NodeType.HomeAgent | NodeType.CorrespondentNode, true);
        yield return new NodeTypeInfo(NodeType.None, false);
        yield return new BindingCacheAdd(GoldenEntry);
        yield return new BindingCacheAdd(GoldenEntry with { CareOfAddress = v4, MobileNetworkPrefixes = default, BindingId = 9, Lifetime = TimeSpan.Zero });
        yield return new BindingCacheRemove(GoldenEntry with { MobileNetworkPrefixes = [Prefix.Parse("10.1.0.0/16"), Prefix.Parse("::/0")] });
        yield return new BindingCacheFlush();
        yield return new BindingUpdateListAdd(bul);
        yield return new BindingUpdateListRemove(bul with { State = BindingUpdateListState.Deregistering, MobileNetworkPrefixes = default });
        yield return new BindingUpdateListFlush();
        yield return new MovementInfo(MovementCommand.NewCareOfAddress, CareOfAddress, "mn0", 4, false);
        yield return new MovementInfo(MovementCommand.NewCareOfAddress, CareOfAddress, "mn0", 4, false,
            Formed: new FormedCareOfAddress(IPAddress.Parse("fe80::a1"), 64, TimeSpan.FromSeconds(118), TimeSpan.FromSeconds(28)));
        yield return new MovementInfo(MovementCommand.ReturnedHome, HomeAddress, "eth0", 2, true, HomeAddress);
        yield return new MovementInfo(MovementCommand.Scan, null, "", 0, false);
        yield return new MovementInfo(MovementCommand.CareOfAddressRemoved, v4, "wlan0 \u00e9\u6f22", int.MaxValue, false);
        yield return new HomeHint("eth0", 2, Prefix.Parse("2001:db8:1::/64"));
        yield return new RrHint(HomeAddress, IPAddress.Parse("2001:db8:c::2"));
        yield return new BeHint(BindingErrorStatus.UnknownBindingForHomeAddressOption, CareOfAddress, HomeAgent, HomeAddress);
        yield return new BeHint(BindingErrorStatus.UnrecognizedMhType, CareOfAddress, HomeAgent, null);
        yield return new Dad(DadMessage.Do, HomeAddress, "eth0", 2);
        yield return new Dad(DadMessage.Fail, HomeAddress, new string('x', 255), 7);
        yield return new Dad(DadMessage.Busy, HomeAddress, "eth0", 2);
    }

    [Test]
    public void Every_message_type_has_a_round_trip_case()
    {
        Assert.That(EveryMessage().Select(m => m.Type).Distinct(), Is.EquivalentTo(Enum.GetValues<MessageType>()));
    }

    [TestCaseSource(nameof(EveryMessage))]
    public void Every_message_round_trips_in_an_envelope(MobilityMessage message)
    {
        var envelope = new BusEnvelope(0x1_2345_6789, When.AddTicks(123_4560), message, "movement_detector");
        var frame = BusFrame.ToArray(envelope);

        Assert.That(BusFrame.TryRead(frame, out var read, out int consumed, out var refusal), Is.True, refusal.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(consumed, Is.EqualTo(frame.Length));
            Assert.That(frame.Length, Is.EqualTo(BusFrame.GetByteCount(envelope)));
            Assert.That(read.Message, Is.EqualTo(message));
            Assert.That(read.Sequence, Is.EqualTo(0x2345_6789), "sequence modulo 2^32");
            Assert.That(read.Timestamp, Is.EqualTo(envelope.Timestamp));
            Assert.That(read.Origin, Is.EqualTo("movement_detector"));
            Assert.That(frame[2], Is.EqualTo(BusEnvelope.Version));
            Assert.That(frame[3], Is.EqualTo((byte)message.Type));
            Assert.That(BusFrame.ToArray(read), Is.EqualTo(frame), "rewritten byte for byte");
        });
    }

    [TestCaseSource(nameof(EveryMessage))]
    public void Every_message_round_trips_as_a_client_frame(MobilityMessage message)
    {
        var frame = BusFrame.ToArray(message, sequence: 5);
        Assert.That(BusFrame.TryRead(frame, out var read, out _), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(read.Message, Is.EqualTo(message));
            Assert.That(read.Sequence, Is.EqualTo(5));
            Assert.That(read.Origin, Is.Null);
            Assert.That(read.Timestamp, Is.EqualTo(DateTimeOffset.UnixEpoch));
        });
    }

    [Test]
    public void The_golden_BindingCacheAdd_frame_of_the_documentation()
    {
        var frame = BusFrame.ToArray(Golden);
        Assert.That(Convert.ToHexStringLower(frame), Is.EqualTo(GoldenBindingCacheAddHex));
        Assert.That(BusFrame.TryRead(Convert.FromHexString(GoldenBindingCacheAddHex), out var read, out int consumed), Is.True);
        Assert.That(read, Is.EqualTo(Golden));
        Assert.That(consumed, Is.EqualTo(107));
    }

    [Test]
    public void The_golden_frame_is_the_one_written_in_docs_bus_socket_md()
    {
        string doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "bus-socket.md"));
        int start = doc.IndexOf("<!-- golden:BindingCacheAdd -->", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), "the doc marks its golden frame");
        int open = doc.IndexOf("```", start, StringComparison.Ordinal) + 3;
        int close = doc.IndexOf("```", open, StringComparison.Ordinal);
        var hex = string.Concat(doc[open..close]
            .Split('\n')
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).TakeWhile(word => word.All(Uri.IsHexDigit))));
        Assert.That(hex.ToLowerInvariant(), Is.EqualTo(GoldenBindingCacheAddHex));
    }

    [Test]
    public void A_frame_is_read_from_the_front_of_a_longer_buffer()
    {
        var first = BusFrame.ToArray(new BusEnvelope(1, When, new BindingCacheFlush(), null));
        var second = BusFrame.ToArray(Golden);
        byte[] both = [.. first, .. second];

        Assert.That(BusFrame.TryRead(both, out var a, out int consumed), Is.True);
        Assert.That(BusFrame.TryRead(both.AsSpan(consumed), out var b, out int consumed2), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(a.Message, Is.EqualTo(new BindingCacheFlush()));
            Assert.That(consumed, Is.EqualTo(BusFrame.MinimumLength));
            Assert.That(b, Is.EqualTo(Golden));
            Assert.That(consumed + consumed2, Is.EqualTo(both.Length));
        });
    }

    [Test]
    public void Every_proper_prefix_of_a_frame_is_truncated()
    {
        var frame = BusFrame.ToArray(Golden);
        for (int n = 0; n < frame.Length; n++)
        {
            Assert.That(BusFrame.TryRead(frame.AsSpan(0, n), out _, out int consumed, out var refusal), Is.False);
            Assert.That(refusal, Is.EqualTo(new BusFrameRefusal(BusFrameError.Truncated, n)), $"{n} octets");
            Assert.That(consumed, Is.Zero);
        }
    }

    private static BusFrameRefusal Refuse(byte[] frame)
    {
        Assert.That(() => BusFrame.TryRead(frame, out _, out _, out _), Throws.Nothing);
        Assert.That(BusFrame.TryRead(frame, out _, out int consumed, out var refusal), Is.False);
        Assert.That(consumed, Is.Zero);
        return refusal;
    }

    private static byte[] Patched(Action<byte[]> patch, BusEnvelope? envelope = null)
    {
        var frame = BusFrame.ToArray(envelope ?? Golden);
        patch(frame);
        return frame;
    }

    [Test]
    public void A_bad_version_is_refused_from_the_header_alone()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Refuse(Patched(f => f[2] = 2)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadVersion, 2)));
            Assert.That(Refuse([0x00, 0x6b, 0x00]), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadVersion, 2)), "three octets suffice");
        });
    }

    [TestCase((byte)0)]
    [TestCase((byte)3)]
    [TestCase((byte)7)]
    [TestCase((byte)15)]
    [TestCase((byte)255)]
    public void An_unknown_type_is_refused_from_the_header_alone(byte type)
    {
        Assert.That(Refuse(Patched(f => f[3] = type)), Is.EqualTo(new BusFrameRefusal(BusFrameError.UnknownType, 3)));
        Assert.That(Refuse([0x00, 0x6b, 0x01, type]), Is.EqualTo(new BusFrameRefusal(BusFrameError.UnknownType, 3)));
    }

    [Test]
    public void A_length_below_the_minimum_or_not_ending_the_fields_is_refused()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Refuse(Patched(f => f[1] = 16)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadLength, 0)));
            // One octet short: the origin string runs past Length.
            Assert.That(Refuse(Patched(f => f[1] = 106)).Error, Is.EqualTo(BusFrameError.BadLength));
            // One octet long: a trailing octet after the origin.
            byte[] longer = [.. BusFrame.ToArray(Golden), 0];
            longer[1] = 108;
            Assert.That(Refuse(longer), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadLength, 107)));
        });
    }

    [Test]
    public void Bad_fields_are_refused_at_their_offset()
    {
        var movement = new BusEnvelope(1, When, new MovementInfo(MovementCommand.NewCareOfAddress, CareOfAddress, "mn0", 4, false), null);
        var formed = new BusEnvelope(1, When, new MovementInfo(MovementCommand.NewCareOfAddress, CareOfAddress, "mn0", 4, false,
            Formed: new FormedCareOfAddress(IPAddress.Parse("fe80::a1"), 64, TimeSpan.FromSeconds(118), TimeSpan.FromSeconds(28))), null);
        var nodeType = new BusEnvelope(1, When, new NodeTypeInfo(NodeType.MobileNode, true), null);
        var dad = new BusEnvelope(1, When, new Dad(DadMessage.Do, HomeAddress, "eth0", 2), null);
        Assert.Multiple(() =>
        {
            Assert.That(Refuse(Patched(f => f[26] = 5)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 26)), "address family 5");
            Assert.That(Refuse(Patched(f => f[26] = 0)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 26)), "home address required");
            Assert.That(Refuse(Patched(f => f[78] = 129)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 78)), "prefix length 129");
            Assert.That(Refuse(Patched(f => f[87] = 0x01)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 79)), "host bits set in a /56");
            Assert.That(Refuse(Patched(f => f[97] = 0xFF)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 96)), "origin not UTF-8");
            Assert.That(Refuse(Patched(f => f[8] = 0x7F)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 8)), "timestamp past year 9999");
            Assert.That(Refuse(Patched(f => f[16] = 9, movement)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 16)), "movement command 9");
            Assert.That(Refuse(Patched(f => f[17] = 4, movement)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 17)), "movement flag 4");
            Assert.That(Refuse(Patched(f => f[18] = 0x80, movement)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 18)), "interface index 2^31");
            Assert.That(Refuse(Patched(f => f[61] = 129, formed)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 61)), "formed prefix length 129");
            Assert.That(Refuse(Patched(f => f[16] = 0x10, nodeType)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 16)), "node type bit 0x10");
            Assert.That(Refuse(Patched(f => f[17] = 3, dad)), Is.EqualTo(new BusFrameRefusal(BusFrameError.BadField, 16)), "DAD verb 3");
        });
    }

    [Test]
    public void A_short_destination_writes_nothing()
    {
        int length = BusFrame.GetByteCount(Golden);
        var buffer = new byte[length - 1];
        Assert.That(BusFrame.TryWrite(buffer, Golden, out int written), Is.False);
        Assert.That(written, Is.Zero);
        Assert.That(buffer, Is.All.Zero);
        Assert.That(BusFrame.TryWrite(new byte[length + 10], Golden, out written), Is.True);
        Assert.That(written, Is.EqualTo(length));
    }

    [Test]
    public void A_message_no_layout_can_carry_is_an_argument_exception_naming_the_field()
    {
        var bad = new (MobilityMessage Message, string? Origin, string Field)[]
        {
            (new MovementInfo(MovementCommand.NewCareOfAddress, CareOfAddress, new string('x', 256), 1, false), null, "InterfaceName"),
            (new MovementInfo(MovementCommand.NewCareOfAddress, CareOfAddress, "mn0", -1, false), null, "InterfaceIndex"),
            (new MovementInfo((MovementCommand)77, CareOfAddress, "mn0", 1, false), null, "Command"),
            (new BindingCacheAdd(GoldenEntry with { Lifetime = TimeSpan.FromSeconds(-1) }), null, "Lifetime"),
            (new BindingCacheAdd(GoldenEntry with { Lifetime = TimeSpan.FromSeconds(1L << 32) }), null, "Lifetime"),
            (new BindingCacheAdd(GoldenEntry with { MobileNetworkPrefixes = [.. Enumerable.Repeat(Prefix.Parse("::/0"), 256)] }), null, "MobileNetworkPrefixes"),
            (new BindingCacheFlush(), new string('o', 300), "Origin"),
            (new NodeTypeInfo((NodeType)0x10, true), null, "NodeType"),
            (new Dad((DadMessage)3, HomeAddress, "eth0", 1), null, "Message"),
        };
        foreach (var (message, origin, field) in bad)
        {
            Assert.That(() => BusFrame.GetByteCount(message, origin), Throws.ArgumentException.With.Message.Contains(field), message.ToString());
            Assert.That(() => BusFrame.TryWrite(new byte[70000], new BusEnvelope(1, When, message, origin), out _), Throws.ArgumentException, message.ToString());
        }
    }

    [Test]
    public void Lifetimes_are_whole_seconds_rounded_down()
    {
        var message = new BindingCacheAdd(GoldenEntry with { Lifetime = TimeSpan.FromMilliseconds(4999) });
        Assert.That(BusFrame.TryRead(BusFrame.ToArray(message), out var read, out _), Is.True);
        Assert.That(((BindingCacheAdd)read.Message).Entry.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(4)));
    }

    [Test]
    public void Fuzzed_frames_never_throw_and_every_accepted_frame_writes_back_the_same_octets()
    {
        var seeds = EveryMessage()
            .Select((m, i) => BusFrame.ToArray(new BusEnvelope(i + 1, When, m, i % 2 == 0 ? "origin" : null)))
            .ToList();
        int accepted = 0;
        var refused = new Dictionary<BusFrameError, int>();
        FuzzInputs.Run(seeds, seed: 20260102, input =>
        {
            if (BusFrame.TryRead(input, out var envelope, out int consumed, out var refusal))
            {
                accepted++;
                var again = BusFrame.ToArray(envelope);
                if (!again.AsSpan().SequenceEqual(input[..consumed]))
                {
                    throw new InvalidOperationException($"accepted frame is not canonical: rewritten as {Convert.ToHexString(again)}");
                }
            }
            else
            {
                refused[refusal.Error] = refused.GetValueOrDefault(refusal.Error) + 1;
                if (consumed != 0 || refusal.Error == BusFrameError.None)
                {
                    throw new InvalidOperationException($"refusal {refusal} with {consumed} octets consumed");
                }
            }
        });

        TestContext.Out.WriteLine($"accepted {accepted}; refused {string.Join(", ", refused.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}"))}");
        Assert.That(accepted, Is.GreaterThan(1000), "mutations that keep a frame valid are accepted");
        Assert.That(refused.Keys, Is.SupersetOf(new[] { BusFrameError.Truncated, BusFrameError.BadLength, BusFrameError.BadVersion, BusFrameError.UnknownType, BusFrameError.BadField }));
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Shisa.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Shisa.sln not found above the test directory");
    }
}
