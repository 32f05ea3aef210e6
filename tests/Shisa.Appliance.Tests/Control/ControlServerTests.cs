using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.Appliance.Control;
using Shisa.Appliance.Tests.Extensions;

namespace Shisa.Appliance.Tests.Control;

[SupportedOSPlatform("linux")]
public class ControlServerTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private TempDirectory _dir = null!;
    private FakeTimeProvider _time = null!;
    private List<IReadOnlyList<string>> _executed = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _time = new FakeTimeProvider();
        _executed = [];
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string SocketPath => _dir.File("ctl.sock");

    private Task<ControlServer> StartAsync(int maxClients = 4) =>
        ControlServer.StartAsync(SocketPath, null, Execute, new ControlServerOptions { MaxClients = maxClients }, _time, NullLogger.Instance, CancellationToken.None);

    private ControlResponse Execute(IReadOnlyList<string> words)
    {
        lock (_executed)
        {
            _executed.Add(words);
        }

        return words[0] == "timers"
            ? ControlResponse.Ok([new ControlResult("home_agent binding expiry 2001:db8:1::100 in 59.000 s", [new("module", "home_agent")])])
            : ControlResponse.Refused($"unknown command '{words[0]}'");
    }

    private static long Counter(ControlServer server, string name) => server.Counters.Single(c => c.Key == name).Value;

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        return socket;
    }

    /// <summary>Reads until the server closes (or resets) the connection; the octets it sent.</summary>
    private static async Task<int> ReadToEndAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(s_wait);
        var buffer = new byte[256];
        int total = 0;
        int read;
        try
        {
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                total += read;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Closed with octets of ours unread: a reset instead of an end of stream.
        }

        return total;
    }

    [Test]
    public async Task A_request_is_answered_and_the_socket_file_is_0660()
    {
        await using var server = await StartAsync();
        Assert.That(File.GetUnixFileMode(SocketPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite));

        var response = await ControlClient.ExchangeAsync(SocketPath, ["timers"], CancellationToken.None);
        Assert.That(response!.Status, Is.EqualTo(ControlStatus.Ok));
        Assert.That(response.Results.Single().Text, Does.StartWith("home_agent binding expiry"));
        Assert.That(Counter(server, "control.requests"), Is.EqualTo(1));
        Assert.That(_executed.Single(), Is.EqualTo(new[] { "timers" }));
    }

    [Test]
    public async Task The_client_prints_one_line_per_result_and_exits_by_status()
    {
        await using var server = await StartAsync();
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.That(await ControlClient.RunAsync(SocketPath, ["timers"], json: false, output, error, CancellationToken.None), Is.EqualTo(0));
        Assert.That(output.ToString(), Is.EqualTo("home_agent binding expiry 2001:db8:1::100 in 59.000 s" + Environment.NewLine));

        output = new StringWriter();
        Assert.That(await ControlClient.RunAsync(SocketPath, ["timers"], json: true, output, error, CancellationToken.None), Is.EqualTo(0));
        Assert.That(output.ToString(), Does.StartWith("{\"status\":\"ok\",\"results\":[{\"text\":\"home_agent binding expiry").And.Contain("\"module\":\"home_agent\""));

        // Bad usage is refused by the client before it connects: the server never sees it.
        error = new StringWriter();
        Assert.That(await ControlClient.RunAsync(SocketPath, ["show", "bc"], json: false, output, error, CancellationToken.None), Is.EqualTo(2));
        Assert.That(error.ToString(), Is.EqualTo("shisa ctl: unknown command 'show': one of log, flush, reregister, ro, timers, bindings" + Environment.NewLine));
        Assert.That(_executed, Has.Count.EqualTo(2));

        error = new StringWriter();
        Assert.That(await ControlClient.RunAsync(_dir.File("absent.sock"), ["timers"], json: false, output, error, CancellationToken.None), Is.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain("cannot reach the service").And.Contain("no such socket"));
    }

    [Test]
    public async Task Garbage_drops_the_client_and_is_counted()
    {
        await using var server = await StartAsync();
        using (var socket = await ConnectAsync())
        {
            await socket.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), SocketFlags.None);
            Assert.That(await ReadToEndAsync(socket), Is.EqualTo(0), "no answer to garbage: closed");
        }

        using (var socket = await ConnectAsync())
        {
            // A good header whose payload is not JSON.
            await socket.SendAsync(ControlFrameHeader.Frame(ControlFrameKind.Request, ControlStatus.Ok, "nope"u8), SocketFlags.None);
            Assert.That(await ReadToEndAsync(socket), Is.EqualTo(0));
        }

        Assert.That(Counter(server, "control.dropped_malformed"), Is.EqualTo(2));
        Assert.That(Counter(server, "control.requests"), Is.EqualTo(0));
        Assert.That(_executed, Is.Empty);

        // And the service answers the next client.
        Assert.That((await ControlClient.ExchangeAsync(SocketPath, ["timers"], CancellationToken.None))!.Status, Is.EqualTo(ControlStatus.Ok));
    }

    [Test]
    public async Task A_silent_client_is_dropped_at_the_deadline_and_counted_while_others_are_served()
    {
        await using var server = await StartAsync(maxClients: 2);
        using var silent = await ConnectAsync();
        var closed = ReadToEndAsync(silent);

        // Served meanwhile: the silent one holds one of the two places only.
        Assert.That((await ControlClient.ExchangeAsync(SocketPath, ["timers"], CancellationToken.None))!.Status, Is.EqualTo(ControlStatus.Ok));

        // The deadline is on the server's TimeProvider: advance until it has armed it and fired.
        using var limit = new CancellationTokenSource(s_wait);
        while (!closed.IsCompleted)
        {
            limit.Token.ThrowIfCancellationRequested();
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(closed, Task.Delay(20, limit.Token));
        }

        Assert.That(await closed, Is.EqualTo(0));
        Assert.That(Counter(server, "control.dropped_timeout"), Is.EqualTo(1));
    }

    [Test]
    public async Task Clients_past_the_bound_are_closed_at_once_and_counted()
    {
        await using var server = await StartAsync(maxClients: 1);
        using var holder = await ConnectAsync();
        using (var limit = new CancellationTokenSource(s_wait))
        {
            while (Counter(server, "control.clients_accepted") < 1)
            {
                await Task.Delay(10, limit.Token);
            }
        }

        using var second = await ConnectAsync();
        Assert.That(await ReadToEndAsync(second), Is.EqualTo(0));
        Assert.That(Counter(server, "control.clients_refused"), Is.EqualTo(1));
    }

    [Test]
    public async Task Disposing_removes_the_socket_file()
    {
        var server = await StartAsync();
        Assert.That(File.Exists(SocketPath), Is.True);
        await server.DisposeAsync();
        Assert.That(File.Exists(SocketPath), Is.False);
    }

    [Test]
    public void An_unknown_group_is_refused_before_anything_is_made()
    {
        Assert.That(async () => await ControlServer.StartAsync(SocketPath, "no-such-group-shisa", Execute, new ControlServerOptions(), _time, NullLogger.Instance, CancellationToken.None),
            Throws.TypeOf<IOException>().With.Message.Contains("no group 'no-such-group-shisa'"));
        Assert.That(File.Exists(SocketPath), Is.False);
    }
}
