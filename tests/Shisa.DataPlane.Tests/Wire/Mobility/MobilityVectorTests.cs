using System.Net;
using System.Text.Json;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Tests.Wire.Mobility;

/// <summary>
/// Every vector with a Mobility Header oracle (top level or tunnelled): parse, compare every oracle field, re-encode
/// and compare byte for byte. Driven by the catalogue, so vectors added later are tested without a code change; an
/// oracle key this test does not know fails loudly rather than going unchecked.
/// </summary>
public class MobilityVectorTests
{
    /// <summary>Oracle keys that describe rather than state a field (names, derived values, the verdict of the oracle).</summary>
    private static readonly HashSet<string> s_descriptive =
    [
        "type_name", "status_name", "pseudo_src", "pseudo_dst", "checksum_expected", "hex", "errors", "reserved",
        "reserved_bits", "reserved2", "message_data", "truncated", "header_len_below_min",
    ];

    public static IEnumerable<TestCaseData> Positive => MhVectors.Cases(v => !v.Vector.Negative);

    [TestCaseSource(nameof(Positive))]
    public void Parses_every_oracle_field_and_reencodes_byte_for_byte(MhVector vector)
    {
        var mh = vector.Mh;
        var bytes = vector.Bytes;
        if (mh.TryGetProperty("hex", out var hex))
        {
            Assert.That(Convert.ToHexString(bytes).StartsWith(hex.GetString()!, StringComparison.OrdinalIgnoreCase), "oracle hex is the MH at its offset");
        }

        Assert.That(MobilityHeaderView.TryCreate(bytes, out var view), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(view.PayloadProto, Is.EqualTo(mh.GetProperty("payload_proto").GetInt32()));
            Assert.That(view.HeaderLength, Is.EqualTo(mh.GetProperty("header_len").GetInt32()));
            Assert.That(view.Length, Is.EqualTo(mh.GetProperty("length").GetInt32()));
            Assert.That((int)view.Type, Is.EqualTo(mh.GetProperty("type").GetInt32()));
            Assert.That(view.Reserved, Is.EqualTo(mh.GetProperty("reserved").GetInt32()));
            Assert.That(view.Checksum, Is.EqualTo(mh.GetProperty("checksum").GetInt32()));
            Assert.That(view.VerifyChecksum(vector.PseudoSource, vector.PseudoDestination), Is.EqualTo(mh.GetProperty("checksum_ok").GetBoolean()));
        }

        bool parsed = MobilityHeader.TryParse(bytes, vector.PseudoSource, vector.PseudoDestination, out var message, out var error);
        if (!MobilityHeader.IsKnownType(view.Type))
        {
            // RFC 6275 9.2: refused as UnknownType, its header still readable so a Binding Error can answer it.
            Assert.That((parsed, error), Is.EqualTo((false, MobilityParseError.UnknownType)));
            Assert.That(MobilityHeader.ParameterProblemPointer(error), Is.EqualTo(-1));
            return;
        }

        Assert.That(parsed, Is.True, $"refused: {error}");
        Assert.That(error, Is.EqualTo(MobilityParseError.None));
        Assert.That(message!.Type, Is.EqualTo(view.Type));
        AssertFields(message, mh);
        AssertOptions(view, message, mh);

        var written = new byte[message.GetByteCount()];
        Assert.That(message.TryWrite(written, vector.PseudoSource, vector.PseudoDestination, out int count), Is.True);
        Assert.That(count, Is.EqualTo(view.Length));
        Assert.That(Convert.ToHexString(written), Is.EqualTo(Convert.ToHexString(view.Bytes)));
    }

    [Test]
    public void Vectors_cover_every_message_type()
    {
        var types = MhVectors.All.Where(v => !v.Vector.Negative).Select(v => v.Mh.GetProperty("type").GetInt32()).ToHashSet();
        Assert.That(types, Is.SupersetOf(Enumerable.Range(0, 8)));
    }

    private static void AssertFields(MobilityMessage message, JsonElement mh)
    {
        foreach (var field in mh.EnumerateObject())
        {
            if (s_descriptive.Contains(field.Name))
            {
                continue;
            }

            var value = field.Value;
            switch (field.Name)
            {
                case "payload_proto" or "header_len" or "length" or "type" or "checksum" or "checksum_ok" or "options":
                    break; // checked on the view, or below
                case "seq":
                    Assert.That(Sequence(message), Is.EqualTo(value.GetInt32()), field.Name);
                    break;
                case "lifetime":
                    Assert.That(LifetimeUnits(message), Is.EqualTo(value.GetInt32()), field.Name);
                    break;
                case "lifetime_s":
                    Assert.That(Lifetime(message), Is.EqualTo(TimeSpan.FromSeconds(value.GetInt32())), field.Name);
                    break;
                case "flags_raw":
                    Assert.That(FlagsRaw(message), Is.EqualTo(value.GetInt32()), field.Name);
                    break;
                case "flags" when value.ValueKind == JsonValueKind.Object:
                    foreach (var flag in value.EnumerateObject())
                    {
                        Assert.That(HasFlag(message, flag.Name), Is.EqualTo(flag.Value.GetInt32() == 1), $"flag {flag.Name}");
                    }

                    break;
                case "flags":
                    break; // null for messages without flags
                case "status":
                    Assert.That(Status(message), Is.EqualTo(value.GetInt32()), field.Name);
                    break;
                case "nonce_index":
                    Assert.That(
                        message switch { HomeTest h => h.HomeNonceIndex, CareOfTest c => c.CareOfNonceIndex, _ => -1 },
                        Is.EqualTo(value.GetInt32()),
                        field.Name);
                    break;
                case "cookie":
                    Assert.That(
                        message switch
                        {
                            HomeTestInit h => h.HomeInitCookie,
                            CareOfTestInit c => c.CareOfInitCookie,
                            HomeTest h => h.HomeInitCookie,
                            CareOfTest c => c.CareOfInitCookie,
                            _ => 0UL,
                        },
                        Is.EqualTo(Convert.ToUInt64(value.GetString(), 16)),
                        field.Name);
                    break;
                case "token":
                    Assert.That(
                        message switch { HomeTest h => h.HomeKeygenToken, CareOfTest c => c.CareOfKeygenToken, _ => 0UL },
                        Is.EqualTo(Convert.ToUInt64(value.GetString(), 16)),
                        field.Name);
                    break;
                case "home_address":
                    Assert.That(((BindingError)message).HomeAddress, Is.EqualTo(IPAddress.Parse(value.GetString()!)), field.Name);
                    break;
                default:
                    Assert.Fail($"oracle field mh.{field.Name} is not checked by this test: teach it");
                    break;
            }
        }
    }

    private static void AssertOptions(MobilityHeaderView view, MobilityMessage message, JsonElement mh)
    {
        var expected = mh.TryGetProperty("options", out var list) ? list.EnumerateArray().ToList() : [];
        var raw = new List<(int Type, int Offset, int Length)>();
        var reader = new MobilityOptionReader(view.Bytes, MobilityHeader.FixedLength(view.Type));
        while (reader.TryReadNext(out var option))
        {
            raw.Add(((int)option.Type, option.Offset, option.Length));
        }

        Assert.That(reader.Error, Is.EqualTo(MobilityParseError.None));
        Assert.That(raw, Has.Count.EqualTo(expected.Count), "options, padding included");
        int typed = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            var o = expected[i];
            Assert.That(raw[i].Type, Is.EqualTo(o.GetProperty("type").GetInt32()), $"option {i} type");
            Assert.That(raw[i].Offset, Is.EqualTo(o.GetProperty("offset").GetInt32()), $"option {i} offset");
            if (o.TryGetProperty("len", out var len))
            {
                Assert.That(raw[i].Length, Is.EqualTo(len.GetInt32()), $"option {i} length");
            }

            if (raw[i].Type is 0 or 1)
            {
                continue; // padding is layout, not content: not in the typed list
            }

            Assert.That(typed, Is.LessThan(message.Options.Count), "typed options");
            var option2 = message.Options[typed++];
            Assert.That((int)option2.Type, Is.EqualTo(raw[i].Type));
            Assert.That(option2.DataLength, Is.EqualTo(raw[i].Length));
            AssertOptionFields(option2, o);
        }

        Assert.That(message.Options, Has.Count.EqualTo(typed));
    }

    private static void AssertOptionFields(MobilityOption option, JsonElement o)
    {
        foreach (var field in o.EnumerateObject())
        {
            var value = field.Value;
            object? actual = (field.Name, option) switch
            {
                ("type" or "name" or "offset" or "len", _) => null,
                ("acoa", AlternateCareOfAddressOption a) => a.CareOfAddress.Equals(IPAddress.Parse(value.GetString()!)),
                ("hni", NonceIndicesOption n) => n.HomeNonceIndex == value.GetInt32(),
                ("coni", NonceIndicesOption n) => n.CareOfNonceIndex == value.GetInt32(),
                ("authenticator", BindingAuthorizationDataOption b) => b.Authenticator == Octets.FromHex(value.GetString()!),
                ("refresh_interval", BindingRefreshAdviceOption r) => r.RefreshIntervalUnits == value.GetInt32(),
                ("plen", MobileNetworkPrefixOption p) => p.PrefixLength == value.GetInt32(),
                ("prefix", MobileNetworkPrefixOption p) => p.Prefix.Equals(IPAddress.Parse(value.GetString()!)),
                ("reserved", _) => true,
                _ => $"oracle option field {field.Name} of {option.GetType().Name} is not checked by this test: teach it",
            };
            if (actual is string problem)
            {
                Assert.Fail(problem);
            }

            if (actual is bool ok)
            {
                Assert.That(ok, Is.True, $"{option.GetType().Name}.{field.Name}: {option} vs {value}");
            }
        }
    }

    private static int Sequence(MobilityMessage m) => m switch
    {
        BindingUpdate bu => bu.Sequence,
        BindingAcknowledgement ba => ba.Sequence,
        _ => -1,
    };

    private static int LifetimeUnits(MobilityMessage m) => m switch
    {
        BindingUpdate bu => bu.LifetimeUnits,
        BindingAcknowledgement ba => ba.LifetimeUnits,
        _ => -1,
    };

    private static TimeSpan Lifetime(MobilityMessage m) => m switch
    {
        BindingUpdate bu => bu.Lifetime,
        BindingAcknowledgement ba => ba.Lifetime,
        _ => TimeSpan.MinValue,
    };

    private static int FlagsRaw(MobilityMessage m) => m switch
    {
        BindingUpdate bu => (int)bu.Flags,
        BindingAcknowledgement ba => (int)ba.Flags,
        _ => -1,
    };

    private static bool HasFlag(MobilityMessage m, string name) => m switch
    {
        BindingUpdate bu => bu.Flags.HasFlag(Enum.Parse<BindingUpdateFlags>(name)),
        BindingAcknowledgement ba => ba.Flags.HasFlag(Enum.Parse<BindingAcknowledgementFlags>(name)),
        _ => throw new AssertionException($"flags on {m.Type}"),
    };

    private static int Status(MobilityMessage m) => m switch
    {
        BindingAcknowledgement ba => (int)ba.Status,
        BindingError be => (int)be.Status,
        _ => -1,
    };
}
