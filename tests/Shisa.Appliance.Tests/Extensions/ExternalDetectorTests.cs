using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.Appliance.Extensions;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Tests.Extensions;

/// <summary>
/// An operator's own movement detector, as a separate process (tests/Fixtures/Shisa.ExternalDetector) that knows
/// only the bus socket and its documented encoding. Here it watches a fake interface (its /proc/net/if_inet6 and
/// /sys/class/net files written by the test); tests/EndToEnd/Appliance/ExternalDetectorHandoverTests runs it on a
/// real one, as a mobile node's only movement detector.
/// </summary>
public class ExternalDetectorTests
{
    private static readonly IPAddress Foreign1 = IPAddress.Parse("2001:db8:a1::42");
    private static readonly IPAddress Foreign2 = IPAddress.Parse("2001:db8:a2::42");

    [Test]
    [CancelAfter(60_000)]
    public async Task An_external_process_watches_an_interface_reads_the_bus_and_publishes_each_movement()
    {
        using var dir = new TempDirectory();
        var fake = new FakeInterface(dir.Path, "mn0", index: 7);
        fake.Write(carrierDowns: 0, new("fe80::42", 0x20, 0x80), new("2001:db8:1::100", 0x00, 0x80, "shisa0"), new($"{Foreign1}", 0x00, 0x00));
        using var bus = new MobilityBus();
        using var movements = bus.Subscribe("test", MessageKinds.MovementInfo);
        string path = dir.File("bus.sock");
        await using var server = await BusSocketServer.StartAsync(path, bus, NullLoggerFactory.Instance, CancellationToken.None);

        using var detector = DetectorProcess.Start(path, "mn0", "--home", "2001:db8:1::100/64", "--proc", fake.ProcFile, "--sys", fake.SysDirectory);
        try
        {
            // The first care-of address, as soon as it connects: the built-in detector's fields, the client's origin.
            var first = await movements.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Multiple(() =>
            {
                Assert.That(first.Message, Is.EqualTo(new MovementInfo(MovementCommand.NewCareOfAddress, Foreign1, "mn0", 7, false)));
                Assert.That(first.Origin, Is.EqualTo($"socket:{detector.Id}"));
            });

            // It reads the bus: the registration that followed.
            var bul = new BindingUpdateListAdd(new BindingUpdateListEntry(
                IPAddress.Parse("2001:db8:1::1"), IPAddress.Parse("2001:db8:1::100"), Foreign1,
                BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, BindingUpdateListState.Bound));
            var published = bus.Publish(bul, "mobile_node");
            await Eventually.Until(
                () => detector.Output.Contains($"received #{published.Sequence} BindingUpdateListAdd mobile_node peer 2001:db8:1::1 hoa 2001:db8:1::100 coa {Foreign1} Bound"),
                "the detector printed the registration", seconds: 20);

            // A move shorter than one poll: carrier lost and back, the new link's (optimistic) address next to the
            // old one's. Between the two files it may see the loss alone first: then it reports the old address gone.
            fake.Write(carrierDowns: 1, new("fe80::42", 0x20, 0x80), new($"{Foreign1}", 0x00, 0x00), new($"{Foreign2}", 0x00, 0x04 | 0x40));
            var moved = await ReadUntilAsync(movements, read =>
                read.Any(m => m.Command == MovementCommand.NewCareOfAddress) && read.Any(m => m.Command == MovementCommand.Scan));
            var second = moved.Last(m => m.Message is MovementInfo { Command: MovementCommand.NewCareOfAddress });
            Assert.Multiple(() =>
            {
                Assert.That(second.Message, Is.EqualTo(new MovementInfo(MovementCommand.NewCareOfAddress, Foreign2, "mn0", 7, false)),
                    "the address of the new link, not the old link's that outlived the carrier loss");
                Assert.That(moved.Select(m => m.Message), Does.Contain(new MovementInfo(MovementCommand.Scan, null, "mn0", 7, false)), "the old link's state is to be forgotten");
            });

            // Back on the home link: the home address is on mn0 too (the data plane puts it there) but does not count.
            fake.Write(carrierDowns: 2, new("2001:db8:1::100", 0x00, 0x80), new("2001:db8:1::99", 0x00, 0x00));
            var home = await ReadUntilAsync(movements, read => read.Any(m => m.Command == MovementCommand.ReturnedHome));
            Assert.That(home.Last(m => m.Message is MovementInfo { Command: MovementCommand.ReturnedHome }).Message, Is.EqualTo(new MovementInfo(MovementCommand.ReturnedHome, IPAddress.Parse("2001:db8:1::100"), "mn0", 7, true)));

            Assert.That(detector.Terminate(TimeSpan.FromSeconds(10)), Is.Zero, "SIGTERM stops it cleanly");
            Assert.Multiple(() =>
            {
                Assert.That(detector.Output, Does.Contain($"sent NewCareOfAddress {Foreign1} on mn0 index 7"));
                Assert.That(detector.Output, Does.Contain($"published #{first.Sequence} NewCareOfAddress {Foreign1}"), "the detector saw its own message come back from the bus");
                Assert.That(detector.Output, Does.Contain($"published #{second.Sequence} NewCareOfAddress {Foreign2}"));
                Assert.That(detector.Output, Does.Contain("stopped"));
            });
        }
        finally
        {
            detector.Kill();
        }
    }

    [Test]
    public async Task Bad_arguments_exit_2_with_the_usage()
    {
        using var detector = DetectorProcess.Start("/nonexistent.sock");
        Assert.That(detector.Terminate(TimeSpan.FromSeconds(20), signal: false), Is.EqualTo(2));
        await Eventually.Until(() => detector.Errors.Contains("usage: Shisa.ExternalDetector SOCKET INTERFACE"), "the usage was printed");
    }

    /// <summary>The movements published from now on, until those read satisfy <paramref name="done"/>.</summary>
    private static async Task<List<BusEnvelope>> ReadUntilAsync(MobilitySubscription movements, Func<IEnumerable<MovementInfo>, bool> done)
    {
        List<BusEnvelope> read = [];
        while (!done(read.Select(e => (MovementInfo)e.Message)))
        {
            read.Add(await movements.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        }

        return read;
    }

    /// <summary>A line of if_inet6: the address, its scope and flags (hex in the file), on the fake interface unless <paramref name="Device"/>.</summary>
    private sealed record FakeAddress(string Address, int Scope, int Flags, string? Device = null);

    /// <summary>The files the detector reads for one interface: an if_inet6 table and a sysfs directory.</summary>
    private sealed class FakeInterface
    {
        private readonly string _name;
        private readonly int _index;

        public FakeInterface(string root, string name, int index)
        {
            _name = name;
            _index = index;
            ProcFile = Path.Combine(root, "if_inet6");
            SysDirectory = Path.Combine(root, "sys");
            Directory.CreateDirectory(Path.Combine(SysDirectory, name));
            Replace(Path.Combine(SysDirectory, name, "ifindex"), $"{index}\n");
            Replace(Path.Combine(SysDirectory, name, "carrier"), "1\n");
        }

        public string ProcFile { get; }

        public string SysDirectory { get; }

        /// <summary>Replaces the carrier-down count, then the address table.</summary>
        public void Write(int carrierDowns, params FakeAddress[] addresses)
        {
            Replace(Path.Combine(SysDirectory, _name, "carrier_down_count"), $"{carrierDowns}\n");
            var lines = addresses.Select(a => string.Create(CultureInfo.InvariantCulture,
                $"{Convert.ToHexStringLower(IPAddress.Parse(a.Address).GetAddressBytes())} {(a.Device is null ? _index : 9):x2} 40 {a.Scope:x2} {a.Flags:x2} {a.Device ?? _name,8}"));
            Replace(ProcFile, string.Join('\n', lines) + "\n");
        }

        // Whole files at once, as the kernel shows them: the detector never reads a half-written table.
        private static void Replace(string path, string text)
        {
            File.WriteAllText(path + ".new", text);
            File.Move(path + ".new", path, overwrite: true);
        }
    }

    /// <summary>The fixture, run with dotnet, its output collected line by line.</summary>
    private sealed class DetectorProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _out = new();
        private readonly ConcurrentQueue<string> _err = new();

        private DetectorProcess(Process process) => _process = process;

        public int Id => _process.Id;

        public string Output => string.Join('\n', _out);

        public string Errors => string.Join('\n', _err);

        public static DetectorProcess Start(params string[] arguments)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(FixturePaths.Of("Shisa.ExternalDetector"));
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            var process = new Process { StartInfo = start };
            var result = new DetectorProcess(process);
            process.OutputDataReceived += (_, e) => Add(result._out, e.Data);
            process.ErrorDataReceived += (_, e) => Add(result._err, e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return result;
        }

        /// <summary>SIGTERM (unless <paramref name="signal"/> is false) and the exit code, or null when it did not exit in time.</summary>
        public int? Terminate(TimeSpan timeout, bool signal = true)
        {
            if (signal && !_process.HasExited)
            {
                using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
                kill.WaitForExit();
            }

            if (!_process.WaitForExit(timeout))
            {
                return null;
            }

            _process.WaitForExit(); // the output readers are done
            return _process.ExitCode;
        }

        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }

        private static void Add(ConcurrentQueue<string> lines, string? line)
        {
            if (line is not null)
            {
                lines.Enqueue(line);
            }
        }
    }
}
