using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.Appliance.Extensions;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Tests.Extensions;

/// <summary>
/// An operator's own movement detector, as a separate process (tests/Fixtures/Shisa.ExternalDetector) that knows
/// only the bus socket and its documented encoding.
/// </summary>
public class ExternalDetectorTests
{
    [Test]
    public async Task An_external_process_reads_the_bus_and_publishes_a_movement()
    {
        using var dir = new TempDirectory();
        using var bus = new MobilityBus();
        using var movements = bus.Subscribe("test", MessageKinds.MovementInfo);
        string path = dir.File("bus.sock");
        await using var server = await BusSocketServer.StartAsync(path, bus, NullLoggerFactory.Instance, CancellationToken.None);
        var coa = IPAddress.Parse("2001:db8:a2::42");

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { FixturePaths.Of("Shisa.ExternalDetector"), path, coa.ToString(), "mn0" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await Eventually.Until(() => server.GetSnapshot().Clients.Count == 1 || process.HasExited, "the detector connected", seconds: 20);
            Assert.That(process.HasExited, Is.False, () => $"the detector exited early: {stderr.Result}");

            var bul = new BindingUpdateListAdd(new BindingUpdateListEntry(
                IPAddress.Parse("2001:db8:1::1"), IPAddress.Parse("2001:db8:1::100"), IPAddress.Parse("2001:db8:a1::100"),
                BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge, TimeSpan.FromSeconds(60), 1, BindingUpdateListState.Bound));
            var published = bus.Publish(bul, "mobile_node");

            var movement = await movements.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Multiple(() =>
            {
                Assert.That(movement.Message, Is.EqualTo(new MovementInfo(MovementCommand.NewCareOfAddress, coa, "mn0", 0, false, IPAddress.Parse("2001:db8:1::100"))));
                Assert.That(movement.Origin, Is.EqualTo($"socket:{process.Id}"));
                Assert.That(process.ExitCode, Is.Zero, () => stderr.Result);
                Assert.That(stdout.Result, Does.Contain($"received #{published.Sequence} BindingUpdateListAdd mobile_node"));
                Assert.That(stdout.Result, Does.Contain("binding update list: peer 2001:db8:1::1 hoa 2001:db8:1::100 coa 2001:db8:a1::100"));
                Assert.That(stdout.Result, Does.Contain("echoed"), "the detector saw its own message come back from the bus");
            });
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }
}
