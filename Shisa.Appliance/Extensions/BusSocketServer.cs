using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Extensions;

/// <summary>
/// The mobility bus on a Unix stream socket (docs/bus-socket.md), as SHISA's daemons shared AF_MOBILITY: every
/// client receives every bus message as a frame, and may publish the message types
/// <see cref="BusSocketOptions.Publishable"/> allows, with the origin "socket:&lt;pid&gt;".
/// </summary>
/// <remarks>
/// <para>The socket file gets <see cref="BusSocketOptions.Mode"/> before the server listens, and is removed on
/// dispose. A socket file at the path that no process answers on (left by a crash) is replaced; a live one, or a
/// path that is not a socket, makes <see cref="StartAsync(string, MobilityBus, ILoggerFactory, CancellationToken)"/>
/// fail with an <see cref="IOException"/>.</para>
/// <para>The bus never waits for a client: each client reads from its own bounded bus subscription, where state
/// coalesces per key and, when full, the oldest notification is dropped (counted in
/// <see cref="BusSocketSnapshot.Dropped"/>) or the client is resynced from the bus's tables (see
/// <see cref="MobilitySubscription"/>). A malformed frame from a client
/// is counted and disconnects that client; nothing a client sends can throw out of the server.</para>
/// </remarks>
public sealed class BusSocketServer : IAsyncDisposable
{
    private const int Backlog = 16;

    private readonly UnixSocketListener _listener;
    private readonly MobilityBus _bus;
    private readonly BusSocketOptions _options;
    private readonly ILogger _logger;
    private readonly Counters _counters = new();
    private readonly Dictionary<int, (BusSocketConnection Connection, Task Run)> _clients = [];
    private long _droppedByGone;
    private int _nextId;
    private int _disposed;

    private BusSocketServer(UnixSocketListener listener, MobilityBus bus, BusSocketOptions options, ILogger logger)
    {
        _listener = listener;
        _bus = bus;
        _options = options;
        _logger = logger;
    }

    /// <summary>The socket's path.</summary>
    public string Path => _listener.Path;

    /// <summary>Starts serving <paramref name="bus"/> on <paramref name="path"/> with <see cref="BusSocketOptions.Default"/>.</summary>
    /// <exception cref="IOException">The path cannot be served: its directory cannot be made, another process serves it,
    /// something that is not a socket is there, or binding failed.</exception>
    public static Task<BusSocketServer> StartAsync(string path, MobilityBus bus, ILoggerFactory loggerFactory, CancellationToken cancellationToken) =>
        StartAsync(path, bus, loggerFactory, BusSocketOptions.Default, cancellationToken);

    /// <summary>Starts serving <paramref name="bus"/> on <paramref name="path"/>.</summary>
    /// <exception cref="IOException">See <see cref="StartAsync(string, MobilityBus, ILoggerFactory, CancellationToken)"/>.</exception>
    public static async Task<BusSocketServer> StartAsync(string path, MobilityBus bus, ILoggerFactory loggerFactory, BusSocketOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the bus socket needs Linux (SO_PEERCRED, statx)");
        }

        var logger = loggerFactory.CreateLogger<BusSocketServer>();
        var listener = await UnixSocketListener.OpenAsync(path, options.Mode, null, Backlog, "the bus", logger, cancellationToken).ConfigureAwait(false);
        var server = new BusSocketServer(listener, bus, options, logger);
        listener.Start(server.Accept, ex => BusSocketLog.AcceptFailed(logger, ex));
        BusSocketLog.Listening(logger, listener.Path, Convert.ToString((int)options.Mode, 8).PadLeft(4, '0'), options.Publishable);
        return server;
    }

    /// <summary>The counters and the connected clients, now.</summary>
    public BusSocketSnapshot GetSnapshot()
    {
        BusSocketClientStatus[] clients;
        long dropped;
        lock (_clients)
        {
            clients = [.. _clients.Values.Select(c => c.Connection.GetStatus()).OrderBy(c => c.Id)];
            dropped = _droppedByGone + clients.Sum(c => c.Dropped);
        }

        return new BusSocketSnapshot(
            Path,
            Interlocked.Read(ref _counters.ClientsAccepted),
            Interlocked.Read(ref _counters.ClientsRefused),
            Interlocked.Read(ref _counters.MalformedFrames),
            Interlocked.Read(ref _counters.RefusedTypes),
            Interlocked.Read(ref _counters.FramesReceived),
            Interlocked.Read(ref _counters.MessagesPublished),
            Interlocked.Read(ref _counters.FramesSent),
            dropped,
            Interlocked.Read(ref _counters.Unencodable),
            [.. clients]);
    }

    /// <summary>Stops accepting, disconnects every client, and removes the socket file (if it is still this server's).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _listener.DisposeAsync().ConfigureAwait(false);

        Task[] runs;
        lock (_clients)
        {
            foreach (var (connection, _) in _clients.Values)
            {
                connection.Stop();
            }

            runs = [.. _clients.Values.Select(c => c.Run)];
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
        BusSocketLog.Closed(_logger, Path);
    }

    private void Accept(Socket socket)
    {
        lock (_clients)
        {
            if (_clients.Count >= _options.MaxClients)
            {
                Interlocked.Increment(ref _counters.ClientsRefused);
                BusSocketLog.TooManyClients(_logger, _options.MaxClients);
                socket.Dispose();
                return;
            }

            BusSocketConnection connection;
            try
            {
                connection = new BusSocketConnection(++_nextId, socket, _bus, _options, _counters, _logger);
            }
            catch (ObjectDisposedException)
            {
                socket.Dispose();
                return;
            }

            Interlocked.Increment(ref _counters.ClientsAccepted);
            _clients.Add(connection.Id, (connection, RunAsync(connection)));
        }
    }

    private async Task RunAsync(BusSocketConnection connection)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_clients)
            {
                _clients.Remove(connection.Id);
                _droppedByGone += connection.Dropped;
            }
        }
    }

    /// <summary>Server-wide counters, updated with <see cref="Interlocked"/> by the connections.</summary>
    internal sealed class Counters
    {
        public long ClientsAccepted;
        public long ClientsRefused;
        public long MalformedFrames;
        public long RefusedTypes;
        public long FramesReceived;
        public long MessagesPublished;
        public long FramesSent;
        public long Unencodable;
    }
}
