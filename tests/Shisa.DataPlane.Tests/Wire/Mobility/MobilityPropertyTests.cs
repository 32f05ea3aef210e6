using System.Net;
using Shisa.DataPlane.Tests.Vectors;
using Shisa.DataPlane.Wire.Crypto;
using Shisa.DataPlane.Wire.Mobility;

namespace Shisa.DataPlane.Tests.Wire.Mobility;

/// <summary>Robustness (hostile input never throws) and round trips of random valid messages.</summary>
public class MobilityPropertyTests
{
    [Test]
    public void Hostile_input_never_throws()
    {
        var seeds = MhVectors.All.Select(v => v.Bytes).ToList();
        var rng = new Random(6275);
        var source = new byte[16];
        var destination = new byte[16];
        var output = new byte[MobilityHeaderView.MaximumLength];
        int parsed = 0;
        FuzzInputs.Run(
            seeds,
            6275,
            mh =>
            {
                rng.NextBytes(source);
                rng.NextBytes(destination);
                MobilityHeader.TryParse(mh, source, destination, out _, out _);
                MobilityHeader.VerifyChecksum(mh, source, destination);
                if (MobilityHeaderView.TryCreate(mh, out var view))
                {
                    _ = (view.Type, view.HeaderLength, view.Checksum, view.MessageData.Length);
                }

                ReturnRoutability.Verify(mh, source, source, destination);
                MnHaAuthentication.Verify(mh, 256, source, source, destination);

                // Most mutations break the checksum: parse without it too, so the body and option parsers see them.
                if (MobilityHeader.TryParseUnverified(mh, out var message, out var error))
                {
                    parsed++;
                    Assert.That(error, Is.EqualTo(MobilityParseError.None));

                    // Whatever parses writes and parses back to the same record.
                    Assert.That(message!.TryWrite(output, source, destination, out int written), Is.True);
                    Assert.That(MobilityHeader.TryParse(output.AsSpan(0, written), source, destination, out var again, out _), Is.True);
                    Assert.That(again, Is.EqualTo(message));
                }
            });
        Assert.That(parsed, Is.GreaterThan(1000), "the fuzzer reaches the option parsers");
    }

    [Test]
    public void Random_valid_messages_round_trip()
    {
        var rng = new Random(3963);
        var source = new byte[16];
        var destination = new byte[16];
        var first = new byte[MobilityHeaderView.MaximumLength];
        var second = new byte[MobilityHeaderView.MaximumLength];
        for (int i = 0; i < 5000; i++)
        {
            var message = RandomMessage(rng);
            rng.NextBytes(source);
            rng.NextBytes(destination);
            Assert.That(message.TryWrite(first, source, destination, out int n), Is.True, message.ToString());
            Assert.That(n, Is.EqualTo(message.GetByteCount()));
            Assert.That(n % 8, Is.Zero);
            Assert.That(MobilityHeader.TryParse(first.AsSpan(0, n), source, destination, out var parsed, out var error), Is.True, $"{error}: {message}");
            Assert.That(parsed, Is.EqualTo(message), $"iteration {i}");
            Assert.That(parsed!.TryWrite(second, source, destination, out int m), Is.True);
            Assert.That(second.AsSpan(0, m).SequenceEqual(first.AsSpan(0, n)), Is.True, $"iteration {i}: {message}");
        }
    }

    private static MobilityMessage RandomMessage(Random rng)
    {
        MobilityMessage message = rng.Next(8) switch
        {
            0 => new BindingRefreshRequest(),
            1 => new HomeTestInit(U64(rng)),
            2 => new CareOfTestInit(U64(rng)),
            3 => new HomeTest(U16(rng), U64(rng), U64(rng)),
            4 => new CareOfTest(U16(rng), U64(rng), U64(rng)),
            5 => new BindingUpdate(U16(rng), (BindingUpdateFlags)U16(rng), U16(rng)),
            6 => new BindingAcknowledgement((BindingAcknowledgementStatus)rng.Next(256), (BindingAcknowledgementFlags)rng.Next(256), U16(rng), U16(rng)),
            _ => new BindingError((BindingErrorStatus)rng.Next(256), IPv6(rng)),
        };
        var options = new MobilityOption[rng.Next(7)];
        for (int i = 0; i < options.Length; i++)
        {
            options[i] = RandomOption(rng);
        }

        return message with { Options = MobilityOptionList.Create(options) };
    }

    private static MobilityOption RandomOption(Random rng) => rng.Next(14) switch
    {
        0 => new BindingRefreshAdviceOption(U16(rng)),
        1 => new AlternateCareOfAddressOption(IPv6(rng)),
        2 => new NonceIndicesOption(U16(rng), U16(rng)),
        3 => new BindingAuthorizationDataOption(Bytes(rng, 40)),
        4 => new MobileNetworkPrefixOption((byte)rng.Next(256), IPv6(rng)),
        5 => new MobileNodeIdentifierOption((byte)rng.Next(256), Bytes(rng, 60)),
        6 => new MobilityMessageAuthenticationOption((byte)rng.Next(256), (uint)rng.NextInt64(uint.MaxValue + 1L), Bytes(rng, 30)),
        7 => new MobilityMessageReplayProtectionOption(U64(rng)),
        8 => new IPv4HomeAddressOption((byte)rng.Next(64), rng.Next(2) == 1, IPv4(rng)),
        9 => new IPv4AddressAcknowledgementOption((byte)rng.Next(256), (byte)rng.Next(64), IPv4(rng)),
        10 => new IPv4CareOfAddressOption(IPv4(rng)),
        12 => new NatDetectionOption(rng.Next(2) == 1, (uint)rng.NextInt64(uint.MaxValue + 1L)),
        11 => new BindingIdentifierOption(U16(rng), (byte)rng.Next(256), (BindingIdentifierFlags)rng.Next(256), rng.Next(3) switch { 0 => null, 1 => IPv4(rng), _ => IPv6(rng) }),
        _ => new UnknownOption(UnknownType(rng), Bytes(rng, 30)),
    };

    private static MobilityOptionType UnknownType(Random rng)
    {
        while (true)
        {
            var type = (MobilityOptionType)rng.Next(2, 256);
            if (!Enum.IsDefined(type))
            {
                return type;
            }
        }
    }

    private static Octets Bytes(Random rng, int max)
    {
        var bytes = new byte[rng.Next(max + 1)];
        rng.NextBytes(bytes);
        return Octets.Copy(bytes);
    }

    private static IPAddress IPv6(Random rng)
    {
        var bytes = new byte[16];
        rng.NextBytes(bytes);
        return new IPAddress(bytes);
    }

    private static IPAddress IPv4(Random rng)
    {
        var bytes = new byte[4];
        rng.NextBytes(bytes);
        return new IPAddress(bytes);
    }

    private static ushort U16(Random rng) => (ushort)rng.Next(65536);

    private static ulong U64(Random rng) => (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63);
}
