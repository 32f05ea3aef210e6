using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;
using Shisa.EndToEnd.Tests.Mobility;
using static Shisa.EndToEnd.Tests.Topology.HandoverRun;

namespace Shisa.EndToEnd.Tests.Appliance;

/// <summary>
/// DESIGN 3's "an operator can plug in a different movement detector without rebuilding", end to end: the mobile
/// node runs with no movement_detector role and a [bus] socket, and the only thing that tells it it moved is a
/// separate process (tests/Fixtures/Shisa.ExternalDetector) in the mn namespace, watching mn0 and publishing
/// MovementInfo through the socket. Before that process starts nothing registers; after it, the home agent binds
/// the ar1 care-of address, and after a move to ar2 the ar2 one.
/// </summary>
[NonParallelizable]
public class ExternalDetectorHandoverTests
{
    /// <summary>How long the mobile node is watched not registering while no detector runs.</summary>
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(5);

    [Test]
    [CancelAfter(180_000)]
    public async Task A_detector_in_another_process_is_the_mobile_nodes_only_one_and_drives_its_registration_and_handover(CancellationToken cancellationToken)
    {
        string socketDirectory = Path.Combine(Path.GetTempPath(), "shisa-extmd-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(socketDirectory);
        string socketPath = Path.Combine(socketDirectory, "mn-bus.sock");
        MobilitySession? session = null;
        BusWatcher? watcher = null;
        NamespaceProcess? detector = null;
        bool passed = false;
        try
        {
            session = MobilitySession.Create(Profiles.HomeAgent(), Profiles.MobileNode(busSocket: socketPath));
            var topology = session.Topology;
            await session.StartAppliancesAsync(cancellationToken);
            using (var first = await session.Mn.WaitForStatusAsync(_ => true, MobilitySession.Registration, "the mobile node's status page", cancellationToken))
            {
                Assert.That(first.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()), Is.EqualTo(new[] { "mobile_node" }), "no built-in detector");
            }

            string expectation = $"movement is expected from a detector publishing MovementInfo through the bus socket {socketPath}";
            for (var until = DateTime.UtcNow.AddSeconds(10); !session.Mn.Output.Contains(expectation, StringComparison.Ordinal) && DateTime.UtcNow < until;)
            {
                await Task.Delay(50, cancellationToken);
            }

            Assert.That(session.Mn.Output, Does.Contain(expectation), "the mobile node says where it expects movement from");
            watcher = await BusWatcher.ConnectAsync(socketPath, cancellationToken);

            // Negative control: a care-of address on mn0, but no detector: no movement on the bus, no registration.
            var careOf1 = await Host.WaitForAddressAsync(topology.Mn, MobilityTopology.MobileInterface, MobilityTopology.Foreign1Prefix, TimeSpan.FromSeconds(10));
            Assert.That(careOf1, Is.Not.Null, "mn0 has no address from ar1's advertisements");
            await Task.Delay(Silence, cancellationToken);
            using (var mnQuiet = await session.Mn.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the mobile node's status", cancellationToken))
            using (var haQuiet = await session.Ha.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the home agent's status", cancellationToken))
            {
                Assert.Multiple(() =>
                {
                    Assert.That(UpdateListEntry.From(mnQuiet.RootElement), Is.Empty, "the mobile node registered with no detector running");
                    Assert.That(CacheEntry.From(haQuiet.RootElement), Is.Empty, "the home agent bound the mobile node with no detector running");
                    Assert.That(watcher.Movements, Is.Empty, "something published movement with no detector running");
                });
            }

            // The detector: registration at ar1.
            var fixture = FixturePath("Shisa.ExternalDetector");
            var clock = Stopwatch.StartNew();
            detector = topology.Start(topology.Mn, "dotnet", fixture, socketPath, MobilityTopology.MobileInterface,
                "--home", $"{MobilityTopology.HomeAddress}/64");
            var (entry1, binding1) = await session.WaitForRegistrationAsync(MobilityTopology.Foreign1Prefix, cancellationToken);
            var registeredAfter = clock.Elapsed;
            var registeredAt = DateTime.UtcNow;
            var sent1 = LineTime(detector, $"sent NewCareOfAddress {careOf1}");
            Assert.Multiple(() =>
            {
                Assert.That(binding1.CareOfAddress, Is.EqualTo(careOf1), "the home agent binds the care-of address mn0 has on ar1's link");
                Assert.That(entry1.CareOfAddress, Is.EqualTo(careOf1));
                Assert.That(sent1, Is.Not.Null, $"the detector did not report {careOf1}:\n{Text(detector)}");
            });
            Assert.That(await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10)), Is.True, "HoA <-> cn from ar1");

            // The move: ar1 -> ar2, re-plugged as HandoverTests does; the home agent's binding follows.
            var movedAt = DateTime.UtcNow;
            clock.Restart();
            topology.MoveTo(AccessLink.Foreign2);
            var binding2 = await WaitForCacheAsync(session, MobilityTopology.Foreign2Prefix, cancellationToken);
            var handoverAfter = clock.Elapsed;
            var careOf2 = binding2.CareOfAddress;
            var sent2 = LineTime(detector, $"sent NewCareOfAddress {careOf2}");
            await session.WaitForRegistrationAsync(MobilityTopology.Foreign2Prefix, cancellationToken);
            bool reaches = await session.HomeAddressReachesCorrespondentAsync(TimeSpan.FromSeconds(10));
            var reachedAfter = clock.Elapsed;
            Assert.That(reaches, Is.True, "HoA <-> cn after the move to ar2");

            // Where the movement came from: that process, through the socket, and nothing else.
            await Task.Delay(200, cancellationToken); // the last echoes
            string origin = $"socket:{detector.ProcessId}";
            var movements = watcher.Movements;
            using var mnStatus = await session.Mn.WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(5), "the mobile node's status", cancellationToken);
            var counters = mnStatus.RootElement.GetProperty("counters");
            var cache = await session.CacheAsync(cancellationToken);
            Assert.Multiple(() =>
            {
                Assert.That(sent2, Is.Not.Null, $"the detector did not report {careOf2}:\n{Text(detector)}");
                Assert.That(cache.Where(e => e.HomeAddress.Equals(MobilityTopology.HomeAddress)).Select(e => e.CareOfAddress), Is.EqualTo(new[] { careOf2 }),
                    "the home agent's one binding of the home address moved to the ar2 care-of address");
                Assert.That(Text(detector), Does.Match($"published #\\d+ NewCareOfAddress {Regex(careOf1!)}"), "the bus echoed the ar1 care-of address");
                Assert.That(Text(detector), Does.Match($"published #\\d+ NewCareOfAddress {Regex(careOf2)}"), "the bus echoed the ar2 care-of address");
                Assert.That(movements.Select(m => m.Origin).Distinct(), Is.EqualTo(new[] { origin }), "every MovementInfo on the mobile node's bus came from the detector process");
                Assert.That(movements.Select(m => ((MovementInfo)m.Message).CareOfAddress), Does.Contain(careOf1).And.Contain(careOf2));
                Assert.That(movements.Select(m => ((MovementInfo)m.Message).Command), Does.Contain(MovementCommand.Scan), "the old link forgotten on the carrier loss");
                Assert.That(Counter(counters, "bus_socket.clients_connected"), Is.EqualTo(2), "the detector and this test's watcher");
                Assert.That(Counter(counters, "bus_socket.messages_published"), Is.EqualTo(movements.Count));
                Assert.That(Counter(counters, "bus_socket.malformed_frames") + Counter(counters, "bus_socket.refused_types"), Is.Zero);
            });

            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"detector {origin}: registered at ar1 ({careOf1}: mobile node Bound, home agent binding) {Ms(registeredAfter)} ms"
                + $" after the detector was started, {Ms(registeredAt - sent1!.Value)} ms after it reported the address (the rest is its start-up and connection)");
            report.AppendLine(CultureInfo.InvariantCulture, $"move to ar2: home agent bound {careOf2} {Ms(handoverAfter)} ms after the move"
                + $" (detector reported it {Ms(sent2!.Value - movedAt)} ms after the move); HoA <-> cn answered {Ms(reachedAfter)} ms after the move");
            report.AppendLine("bus movement messages:");
            foreach (var m in movements)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"  #{m.Sequence} {m.Origin} {m.Message}");
            }

            report.AppendLine("detector output:").AppendLine(Text(detector));
            TestContext.Out.WriteLine(report.ToString());
            passed = true;
        }
        finally
        {
            if (!passed && session is not null)
            {
                TestContext.Out.WriteLine($"detector:\n{(detector is null ? "(not started)" : Text(detector))}\n{session.Diagnostics()}");
            }

            detector?.Signal("TERM");
            detector?.WaitForExit(TimeSpan.FromSeconds(5));
            detector?.Dispose();
            if (watcher is not null)
            {
                await watcher.DisposeAsync();
            }

            session?.Dispose();
            Directory.Delete(socketDirectory, recursive: true);
        }
    }

    /// <summary>Polls the home agent (every 20 ms) until it binds the home address to a care-of address in <paramref name="prefix"/>.</summary>
    private static async Task<CacheEntry> WaitForCacheAsync(MobilitySession session, IPNetwork prefix, CancellationToken cancellationToken)
    {
        static CacheEntry? Bound(JsonElement status, IPNetwork prefix) =>
            CacheEntry.From(status).FirstOrDefault(e => e.HomeAddress.Equals(MobilityTopology.HomeAddress) && prefix.Contains(e.CareOfAddress));
        using var status = await session.Ha.WaitForStatusAsync(s => Bound(s, prefix) is not null, MobilitySession.Registration,
            $"the home agent binding a care-of address in {prefix}", cancellationToken, TimeSpan.FromMilliseconds(20));
        return Bound(status.RootElement, prefix)!;
    }

    private static DateTime? LineTime(NamespaceProcess process, string prefix) =>
        process.Lines.FirstOrDefault(l => !l.IsError && l.Text.StartsWith(prefix, StringComparison.Ordinal)) is { Text: not null } line ? line.ReceivedUtc : null;

    private static string Text(NamespaceProcess process) => string.Join('\n', process.Lines.Select(l => (l.IsError ? "! " : "") + l.Text));

    private static string Regex(IPAddress address) => System.Text.RegularExpressions.Regex.Escape(address.ToString());

    private static long Counter(JsonElement counters, string name) =>
        counters.TryGetProperty(name, out var value) ? value.GetInt64() : -1;

    private static string FixturePath(string name) =>
        typeof(ExternalDetectorHandoverTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "Fixture:" + name)?.Value
        ?? throw new InvalidOperationException($"fixture {name} is not referenced by the test project");

    /// <summary>A client of the mobile node's bus socket that keeps every MovementInfo it sees, with its origin.</summary>
    private sealed class BusWatcher : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<BusEnvelope> _movements = new();
        private readonly Task _reading;

        private BusWatcher(Socket socket)
        {
            _socket = socket;
            _reading = Task.Run(ReadAsync);
        }

        public IReadOnlyList<BusEnvelope> Movements => [.. _movements];

        public static async Task<BusWatcher> ConnectAsync(string path, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                    return new BusWatcher(socket);
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    socket.Dispose();
                    await Task.Delay(100, cancellationToken);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _socket.Dispose();
            try
            {
                await _reading;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
            {
            }

            _stop.Dispose();
        }

        private async Task ReadAsync()
        {
            await using var stream = new NetworkStream(_socket, ownsSocket: false);
            var reader = new BusFrameStreamReader(stream);
            while (await reader.ReadAsync(_stop.Token) is { Status: BusFrameReadStatus.Frame } frame)
            {
                if (frame.Envelope.Message is MovementInfo)
                {
                    _movements.Enqueue(frame.Envelope);
                }
            }
        }
    }
}
