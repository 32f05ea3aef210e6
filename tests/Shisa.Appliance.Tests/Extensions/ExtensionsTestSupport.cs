using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Tests.Extensions;

/// <summary>Where the fixture projects were built (the test project embeds their paths at build time).</summary>
internal static class FixturePaths
{
    public static string Of(string name) =>
        typeof(FixturePaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "Fixture:" + name)?.Value
        ?? throw new InvalidOperationException($"fixture {name} is not referenced by the test project");
}

/// <summary>A fresh, short directory under /tmp (a Unix socket path has at most 107 octets), removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "shisa-" + Guid.NewGuid().ToString("N")[..10]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>A bus socket client speaking only the documented encoding.</summary>
internal sealed class RawBusClient : IAsyncDisposable
{
    private readonly NetworkStream _stream;
    private readonly BusFrameStreamReader _reader;

    private RawBusClient(Socket socket)
    {
        Socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new BusFrameStreamReader(_stream);
    }

    public Socket Socket { get; }

    public static async Task<RawBusClient> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new RawBusClient(socket);
    }

    public Task SendAsync(byte[] frame) => _stream.WriteAsync(frame).AsTask();

    public Task SendAsync(MobilityMessage message) => SendAsync(BusFrame.ToArray(message));

    public async Task<BusFrameReadResult> ReadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        return await _reader.ReadAsync(cts.Token);
    }

    public async Task<BusEnvelope> ReadFrameAsync()
    {
        var result = await ReadAsync();
        Assert.That(result.Status, Is.EqualTo(BusFrameReadStatus.Frame), result.Refusal.ToString());
        return result.Envelope;
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}

internal static class Eventually
{
    /// <summary>
    /// Waits for a condition another thread or process brings about (a socket accepted, a counter moved); polls
    /// because sockets and processes give nothing to await. Protocol timers never get here: they use FakeTimeProvider.
    /// </summary>
    public static async Task Until(Func<bool> condition, string what, double seconds = 5)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds)
            {
                Assert.Fail($"timed out after {seconds} s waiting until {what}");
            }

            await Task.Delay(5);
        }
    }
}

internal sealed class NullPacketSender : IPacketSender
{
    public bool TrySend(ReadOnlySpan<byte> ipv6Packet) => true;
}

internal static class TestProfiles
{
    public static Profile WithRoles(params Role[] roles) => new(
        new NodeSection("test", new EquatableArray<Role>(roles)),
        new StatusSection(null),
        EquatableArray<InterfaceSection>.Empty,
        HomeAgent: null,
        MobileNode: null,
        MobileRouter: null,
        Correspondent: null,
        MovementDetector: null,
        Plugins: null);
}
