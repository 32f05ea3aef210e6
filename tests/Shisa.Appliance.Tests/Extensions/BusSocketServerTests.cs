using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.Appliance.Extensions;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;

namespace Shisa.Appliance.Tests.Extensions;

[SupportedOSPlatform("linux")]
public class BusSocketServerTests
{
    private static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    private static readonly IPAddress CareOfAddress = IPAddress.Parse("2001:db8:a1::100");
    private static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");

    private TempDirectory _dir = null!;
    private MobilityBus _bus = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _bus = new MobilityBus();
        _path = _dir.File("bus.sock");
    }

    [TearDown]
    public void TearDown()
    {
        _bus.Dispose();
        _dir.Dispose();
    }

    private Task<BusSocketServer> StartAsync(BusSocketOptions? options = null) =>
        BusSocketServer.StartAsync(_path, _bus, NullLoggerFactory.Instance, options ?? BusSocketOptions.Default, CancellationToken.None);

    private static BindingUpdateListAdd Bul(ushort sequence = 1) => new(new BindingUpdateListEntry(
        HomeAgent, HomeAddress, CareOfAddress, BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge,
        TimeSpan.FromSeconds(60), sequence, BindingUpdateListState.WaitingAck));

    private static Task ClientsConnected(BusSocketServer server, int count) =>
        Eventually.Until(() => server.GetSnapshot().Clients.Count == count, $"{count} client(s) are connected");

    [Test]
    public async Task The_socket_file_has_mode_0660_while_served_and_is_removed_on_dispose()
    {
        var server = await StartAsync();
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(_path), Is.True);
            Assert.That(File.GetUnixFileMode(_path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite));
            Assert.That(server.Path, Is.EqualTo(_path));
        });
        await server.DisposeAsync();
        Assert.That(File.Exists(_path), Is.False);
    }

    [Test]
    public async Task A_missing_directory_is_created()
    {
        _path = _dir.File("run/shisa/bus.sock");
        await using var server = await StartAsync();
        Assert.That(File.Exists(_path), Is.True);
    }

    [Test]
    public async Task Every_client_receives_every_bus_message_with_sequence_time_and_origin()
    {
        await using var server = await StartAsync();
        await using var a = await RawBusClient.ConnectAsync(_path);
        await using var b = await RawBusClient.ConnectAsync(_path);
        await ClientsConnected(server, 2);

        var first = _bus.Publish(Bul(), "mobile_node");
        var second = _bus.Publish(new BindingCacheFlush(), "home_agent");

        foreach (var client in new[] { a, b })
        {
            var one = await client.ReadFrameAsync();
            var two = await client.ReadFrameAsync();
            Assert.Multiple(() =>
            {
                Assert.That(one.Message, Is.EqualTo(first.Message));
                Assert.That(one.Origin, Is.EqualTo("mobile_node"));
                Assert.That(one.Sequence, Is.EqualTo(first.Sequence));
                Assert.That(one.Timestamp, Is.EqualTo(first.Timestamp).Within(TimeSpan.FromMilliseconds(0.001)));
                Assert.That(two.Message, Is.EqualTo(new BindingCacheFlush()));
                Assert.That(two.Sequence, Is.EqualTo(second.Sequence));
            });
        }

        // A frame is counted once its write returned, which can be after the client has read it.
        await Eventually.Until(() => server.GetSnapshot().FramesSent == 4, "4 frames are counted as sent");
        var snapshot = server.GetSnapshot();
        Assert.That(snapshot.Clients.Select(c => c.ProcessId), Is.All.EqualTo(Environment.ProcessId), "SO_PEERCRED names this process");
    }

    [Test]
    public async Task A_client_publishes_movement_info_with_its_process_id_as_origin_and_sees_it_echoed()
    {
        await using var server = await StartAsync();
        using var watch = _bus.Subscribe("test", MessageKinds.MovementInfo);
        await using var client = await RawBusClient.ConnectAsync(_path);
        var movement = new MovementInfo(MovementCommand.NewCareOfAddress, CareOfAddress, "mn0", 3, false);

        await client.SendAsync(movement);

        var published = await watch.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        var echoed = await client.ReadFrameAsync();
        Assert.Multiple(() =>
        {
            Assert.That(published.Message, Is.EqualTo(movement));
            Assert.That(published.Origin, Is.EqualTo($"socket:{Environment.ProcessId}"));
            Assert.That(echoed.Message, Is.EqualTo(movement));
            Assert.That(echoed.Origin, Is.EqualTo($"socket:{Environment.ProcessId}"));
            Assert.That(server.GetSnapshot().MessagesPublished, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Types_a_client_may_not_publish_are_refused_and_counted_and_the_client_stays_connected()
    {
        await using var server = await StartAsync();
        using var watch = _bus.Subscribe("test", MessageKinds.All);
        await using var client = await RawBusClient.ConnectAsync(_path);
        var dad = new Dad(DadMessage.Success, CareOfAddress, "mn0", 3);

        await client.SendAsync(Bul());
        await client.SendAsync(new NodeTypeInfo(NodeType.HomeAgent, true));
        await client.SendAsync(new RrHint(HomeAddress, HomeAgent));
        await client.SendAsync(dad);

        var published = await watch.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(published.Message, Is.EqualTo(dad), "only the DAD result is published");
        var snapshot = server.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.RefusedTypes, Is.EqualTo(3));
            Assert.That(snapshot.FramesReceived, Is.EqualTo(4));
            Assert.That(snapshot.MessagesPublished, Is.EqualTo(1));
            Assert.That(snapshot.MalformedFrames, Is.Zero);
            Assert.That(snapshot.Clients, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task The_publishable_types_are_configurable()
    {
        await using var server = await StartAsync(new BusSocketOptions { Publishable = MessageKinds.RrHint });
        using var watch = _bus.Subscribe("test", MessageKinds.All);
        await using var client = await RawBusClient.ConnectAsync(_path);
        await client.SendAsync(new MovementInfo(MovementCommand.Scan, null, "mn0", 0, false));
        await client.SendAsync(new RrHint(HomeAddress, HomeAgent));

        var published = await watch.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(published.Message, Is.TypeOf<RrHint>());
        Assert.That(server.GetSnapshot().RefusedTypes, Is.EqualTo(1));
    }

    [Test]
    public async Task A_malformed_frame_is_counted_and_disconnects_the_client_and_the_server_goes_on()
    {
        await using var server = await StartAsync();
        using var watch = _bus.Subscribe("test", MessageKinds.All);
        await using var client = await RawBusClient.ConnectAsync(_path);
        await ClientsConnected(server, 1);
        var frame = BusFrame.ToArray(new MovementInfo(MovementCommand.Scan, null, "mn0", 0, false));
        frame[2] = 9; // version 9

        await client.SendAsync(frame);

        var end = await client.ReadAsync();
        Assert.That(end.Status, Is.EqualTo(BusFrameReadStatus.EndOfStream), "the server closed the connection");
        await ClientsConnected(server, 0);
        Assert.That(server.GetSnapshot().MalformedFrames, Is.EqualTo(1));
        Assert.That(watch.Reader.TryRead(out _), Is.False, "nothing was published");

        await using var next = await RawBusClient.ConnectAsync(_path);
        await ClientsConnected(server, 1);
        _bus.Publish(new BindingCacheFlush());
        Assert.That((await next.ReadFrameAsync()).Message, Is.EqualTo(new BindingCacheFlush()));
    }

    [TestCase(new byte[] { 0x00, 0x05, 0x01, 0x0A, 0, 0, 0, 0 }, TestName = "Length below the minimum")]
    [TestCase(new byte[] { 0x00, 0x40, 0x01, 0x03 }, TestName = "Unknown type 3")]
    public async Task Other_malformed_frames_disconnect_too(byte[] frame)
    {
        await using var server = await StartAsync();
        await using var client = await RawBusClient.ConnectAsync(_path);
        await client.SendAsync(frame);
        Assert.That((await client.ReadAsync()).Status, Is.EqualTo(BusFrameReadStatus.EndOfStream));
        await Eventually.Until(() => server.GetSnapshot().MalformedFrames == 1, "the malformed frame is counted");
    }

    [Test]
    public async Task A_client_that_does_not_read_loses_the_oldest_notifications_counted_and_never_slows_the_bus()
    {
        await using var server = await StartAsync(new BusSocketOptions { ClientQueueCapacity = 16 });
        await using var slow = await RawBusClient.ConnectAsync(_path);
        slow.Socket.ReceiveBufferSize = 4096;
        await ClientsConnected(server, 1);

        // Far more frames than the socket buffers and the 16-message queue hold. Notifications: state would coalesce.
        const int Count = 20_000;
        long first = 0, last = 0;
        var peer = IPAddress.Parse("2001:db8:2::1");
        for (int i = 0; i < Count; i++)
        {
            last = _bus.Publish(new RrHint(IPAddress.Parse($"2001:db8:1::{i:x}"), peer), "data_plane").Sequence;
            first = first == 0 ? last : first;
        }

        await Eventually.Until(() => server.GetSnapshot().Dropped > 0, "drops are counted");
        var client = server.GetSnapshot().Clients.Single();
        Assert.That(client.Dropped, Is.GreaterThan(Count / 2));
        Assert.That(client.Pending, Is.LessThanOrEqualTo(16));

        // The reader gets what was in flight, a gap in the sequence numbers, and the newest messages up to the last.
        long previous = first - 1;
        bool gap = false;
        while (previous != last)
        {
            var envelope = await slow.ReadFrameAsync();
            gap |= envelope.Sequence != previous + 1;
            previous = envelope.Sequence;
        }

        await Eventually.Until(() => server.GetSnapshot() is var s && s.FramesSent + s.Dropped == Count, "every message was sent or counted as dropped");
        Assert.That(gap, Is.True, "sequence numbers jump where messages were dropped");
    }

    [Test]
    public async Task A_stale_socket_file_from_a_crash_is_replaced()
    {
        // A socket file nobody serves: bind one, move its file to the server's path, close the socket.
        using (var crashed = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            string elsewhere = _dir.File("crashed.sock");
            crashed.Bind(new UnixDomainSocketEndPoint(elsewhere));
            crashed.Listen();
            File.Move(elsewhere, _path);
        }

        Assert.That(File.Exists(_path), Is.True, "the stale file is there");
        await using var server = await StartAsync();
        await using var client = await RawBusClient.ConnectAsync(_path);
        await ClientsConnected(server, 1);
        _bus.Publish(new BindingCacheFlush());
        Assert.That((await client.ReadFrameAsync()).Message, Is.EqualTo(new BindingCacheFlush()));
    }

    [Test]
    public async Task A_socket_another_server_serves_is_not_replaced()
    {
        await using var first = await StartAsync();
        Assert.That(async () => await StartAsync(), Throws.TypeOf<IOException>().With.Message.Contains("another process serves"));

        await using var client = await RawBusClient.ConnectAsync(_path);
        await ClientsConnected(first, 1);
    }

    [Test]
    public async Task A_file_that_is_not_a_socket_is_not_replaced()
    {
        await File.WriteAllTextAsync(_path, "precious");
        Assert.That(async () => await StartAsync(), Throws.TypeOf<IOException>().With.Message.Contains("is not a socket"));
        Assert.That(await File.ReadAllTextAsync(_path), Is.EqualTo("precious"));
    }

    [Test]
    public async Task Clients_past_the_maximum_are_closed_and_counted()
    {
        await using var server = await StartAsync(new BusSocketOptions { MaxClients = 1 });
        await using var first = await RawBusClient.ConnectAsync(_path);
        await ClientsConnected(server, 1);
        await using var second = await RawBusClient.ConnectAsync(_path);

        Assert.That((await second.ReadAsync()).Status, Is.EqualTo(BusFrameReadStatus.EndOfStream));
        Assert.That(server.GetSnapshot().ClientsRefused, Is.EqualTo(1));
        Assert.That(server.GetSnapshot().ClientsAccepted, Is.EqualTo(1));
    }

    [Test]
    public async Task A_message_no_frame_can_carry_is_counted_and_skipped()
    {
        await using var server = await StartAsync();
        await using var client = await RawBusClient.ConnectAsync(_path);
        await ClientsConnected(server, 1);

        _bus.Publish(new MovementInfo(MovementCommand.Scan, null, new string('x', 300), 0, false));
        _bus.Publish(new BindingCacheFlush());

        Assert.That((await client.ReadFrameAsync()).Message, Is.EqualTo(new BindingCacheFlush()));
        Assert.That(server.GetSnapshot().Unencodable, Is.EqualTo(1));
    }

    [Test]
    public async Task Dispose_disconnects_every_client()
    {
        var server = await StartAsync();
        await using var client = await RawBusClient.ConnectAsync(_path);
        await ClientsConnected(server, 1);

        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That((await client.ReadAsync()).Status, Is.EqualTo(BusFrameReadStatus.EndOfStream));
        Assert.That(_bus.GetSubscribers(), Is.Empty, "the clients left the bus");
    }

    [Test]
    public async Task The_monitor_prints_each_bus_message_on_a_line()
    {
        await using var server = await StartAsync();
        var output = new StringWriter();
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var monitor = BusSocketMonitor.RunAsync(_path, json: false, TextWriter.Synchronized(output), error, stop.Token);
        await ClientsConnected(server, 1);

        _bus.Publish(Bul(7), "mobile_node");
        await Eventually.Until(() => output.ToString().Contains("BindingUpdateListAdd", StringComparison.Ordinal), "the monitor printed the message");
        await stop.CancelAsync();

        Assert.That(await monitor.WaitAsync(TimeSpan.FromSeconds(5)), Is.Zero);
        Assert.That(output.ToString(), Does.Contain($"peer {HomeAgent} hoa {HomeAddress} coa {CareOfAddress} WaitingAck seq 7").And.Contain("[mobile_node]"));
        Assert.That(error.ToString(), Is.Empty);
    }

    [Test]
    public async Task The_monitor_reports_a_socket_nobody_serves()
    {
        var error = new StringWriter();
        Assert.That(await BusSocketMonitor.RunAsync(_path, json: false, TextWriter.Null, error, CancellationToken.None), Is.EqualTo(1));
        Assert.That(error.ToString(), Does.StartWith($"shisa monitor: cannot follow the bus socket {_path}"));
    }
}
