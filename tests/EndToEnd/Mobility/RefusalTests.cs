using System.Net;
using System.Text.Json;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;
using Shisa.EndToEnd.Tests.Topology;
using Shisa.Modules.MobileNode;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// RFC 6275 9.2, 9.5.1, 10.3.1 and RFC 4285 against the running home agent: Binding Updates it must refuse, injected
/// from ar1 on behalf of a made-up care-of address there, are answered as the RFCs say, and leave the mobile node's
/// binding (care-of address, sequence number) and its traffic untouched.
/// </summary>
[NonParallelizable]
public class RefusalTests
{
    private const string Key = "00112233445566778899aabbccddeeff";
    private const uint Spi = 256;

    /// <summary>The care-of address the vectors use; on ar1's prefix, so answers to it pass ar1's uplink.</summary>
    private static readonly IPAddress Intruder = IPAddress.Parse("2001:db8:a1::ff:fe00:10");
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(5);

    [Test]
    [CancelAfter(120_000)]
    public async Task Refused_binding_updates_are_answered_as_the_RFCs_say_and_leave_the_binding_and_traffic_untouched(CancellationToken cancellationToken)
    {
        string authentication = $"spi = {Spi}\nkey = \"{Key}\"";
        using var session = await MobilitySession.StartAsync(
            cancellationToken,
            Profiles.HomeAgent(nodeKeys: authentication),
            Profiles.MobileNode(lifetime: 300, authentication: authentication)); // no refresh during the test
        var topology = session.Topology;
        var (_, original) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
        TestContext.Out.WriteLine($"registered: {original}");

        using var uplink = LinkCapture.Start(topology.Ar1, "ar1-up");
        using var sender = NetworkNamespace.Invoke(topology.Ar1, () => RawIpv6Sender.Open());
        var key = Convert.FromHexString(Key);
        var right = new MnHaCredentials(Spi, key);
        var wrong = new MnHaCredentials(Spi, key.Select(b => (byte)~b).ToArray());

        // (a) A home address the home agent does not serve: 129 Administratively prohibited.
        var unlisted = await RefusalAsync(uplink, sender, Update(1, IPAddress.Parse("2001:db8:1::999")), right);
        Assert.That(unlisted.AckStatus, Is.EqualTo(129), unlisted.ToString());
        await AssertUntouchedAsync(session, original, "after an unlisted home address", cancellationToken);

        // (b) The registered home address with a bad RFC 4285 authenticator: 146.
        var forged = await RefusalAsync(uplink, sender, Update((ushort)(original.Sequence + 100), MobilityTopology.HomeAddress), wrong);
        Assert.That(forged.AckStatus, Is.EqualTo(146), forged.ToString());
        await AssertUntouchedAsync(session, original, "after a bad authenticator", cancellationToken);

        // (c) Correctly authenticated, but a sequence number older than the binding's: 135, with the binding's number.
        var replayed = await RefusalAsync(uplink, sender, Update((ushort)(original.Sequence - 10), MobilityTopology.HomeAddress), right);
        Assert.That(replayed.AckStatus, Is.EqualTo(135), replayed.ToString());
        Assert.That(replayed.AckSequence, Is.EqualTo(original.Sequence), "the last accepted sequence number (RFC 6275 9.5.1)");
        await AssertUntouchedAsync(session, original, "after an old sequence number", cancellationToken);

        // (d) Malformed: Header Len 0 gets a Parameter Problem pointing at it; a bad checksum gets nothing.
        var vectors = MalformedVectors();
        int before = uplink.Packets.Count;
        Assert.That(sender.TrySend(vectors["bu_header_len_0"]), Is.True);
        var problem = await uplink.WaitForAsync(p => p.IcmpType == 4 && p.Destination.Equals(Intruder), Answer);
        Assert.That(problem, Is.Not.Null, $"no Parameter Problem\n{session.Ha.Output}");
        Assert.That(problem!.Upper[1], Is.EqualTo(0), "code 0, erroneous header field");
        Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(problem.Upper[4..]), Is.EqualTo(65), "pointer at the MH Header Len (40 + 24 + 1)");
        Assert.That(problem.Source, Is.EqualTo(MobilityTopology.HomeAgentAddress));
        // As in the vector, but for what the hops on the way changed: its hop limit, the invoking packet's, and so the checksum.
        int[] changedOnTheWay = [7, 42, 43, 40 + 8 + 7];
        Assert.That(
            problem.Bytes.Select((b, i) => changedOnTheWay.Contains(i) ? (byte)0 : b),
            Is.EqualTo(vectors["param_problem_answer"].Select((b, i) => changedOnTheWay.Contains(i) ? (byte)0 : b)),
            "the answer of the vector param_problem_answer");
        await AssertUntouchedAsync(session, original, "after Header Len 0", cancellationToken);

        before = uplink.Packets.Count;
        Assert.That(sender.TrySend(vectors["bu_bad_checksum"]), Is.True);
        await Task.Delay(1500, cancellationToken);
        Assert.That(uplink.Packets.Skip(before).Where(p => p.Destination.Equals(Intruder)), Is.Empty, "a bad checksum is dropped silently");
        await AssertUntouchedAsync(session, original, "after a bad checksum", cancellationToken);
    }

    private static BindingUpdateRequest Update(ushort sequence, IPAddress homeAddress) =>
        new(sequence, WireFlags.A | WireFlags.H, TimeSpan.FromSeconds(60), Intruder, MobilityTopology.HomeAgentAddress, homeAddress);

    /// <summary>Sends the BU and returns the BA that comes back to the intruding care-of address.</summary>
    private static async Task<SeenPacket> RefusalAsync(LinkCapture uplink, RawIpv6Sender sender, BindingUpdateRequest request, MnHaCredentials credentials)
    {
        var buffer = new byte[1280];
        Assert.That(MobileNodePackets.TryWriteBindingUpdate(request, credentials, DateTimeOffset.UtcNow, buffer, out int written), Is.True);
        int before = uplink.Packets.Count;
        Assert.That(sender.TrySend(buffer.AsSpan(0, written)), Is.True, $"send failed, errno {sender.LastError}");
        SeenPacket? ack = null;
        var deadline = DateTime.UtcNow + Answer;
        while (ack is null && DateTime.UtcNow < deadline)
        {
            ack = uplink.Packets.Skip(before).FirstOrDefault(p => p.MobilityType == 6 && p.Destination.Equals(Intruder));
            await Task.Delay(20);
        }

        Assert.That(ack, Is.Not.Null, $"no Binding Acknowledgement for {request}");
        Assert.That(ack!.Source, Is.EqualTo(MobilityTopology.HomeAgentAddress));
        return ack;
    }

    private static async Task AssertUntouchedAsync(MobilitySession session, CacheEntry original, string when, CancellationToken cancellationToken)
    {
        var cache = await session.CacheAsync(cancellationToken);
        Assert.That(cache, Has.Count.EqualTo(1), when);
        Assert.That(cache[0].CareOfAddress, Is.EqualTo(original.CareOfAddress), when);
        Assert.That(cache[0].Sequence, Is.EqualTo(original.Sequence), when);
        Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(5)), Is.True, $"HoA <-> cn {when}");
    }

    /// <summary>The whole-packet vectors of tests/Shisa.DataPlane.Tests/TestData/vectors/malformed.json, by name.</summary>
    private static Dictionary<string, byte[]> MalformedVectors()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Shisa.sln")))
        {
            directory = directory.Parent;
        }

        Assert.That(directory, Is.Not.Null, "the repository root");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory!.FullName, "tests", "Shisa.DataPlane.Tests", "TestData", "vectors", "malformed.json")));
        return json.RootElement.GetProperty("vectors").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => Convert.FromHexString(v.GetProperty("hex").GetString()!));
    }
}
