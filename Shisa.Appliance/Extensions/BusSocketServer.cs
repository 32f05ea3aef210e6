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
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(1);

    private readonly Socket _listener;
    private readonly MobilityBus _bus;
    private readonly BusSocketOptions _options;
    private readonly ILogger _logger;
    private readonly ulong _inode;
    private readonly Counters _counters = new();
    private readonly Dictionary<int, (BusSocketConnection Connection, Task Run)> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _droppedByGone;
    private int _nextId;
    private int _disposed;

    private BusSocketServer(string path, Socket listener, ulong inode, MobilityBus bus, BusSocketOptions options, ILogger logger)
    {
        Path = path;
        _listener = listener;
        _inode = inode;
        _bus = bus;
        _options = options;
        _logger = logger;
    }

    /// <summary>The socket's path.</summary>
    public string Path { get; }

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
        path = System.IO.Path.GetFullPath(path);

        Socket? listener = null;
        try
        {
            if (System.IO.Path.GetDirectoryName(path) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            await ClearStaleAsync(path, logger, cancellationToken).ConfigureAwait(false);
            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, options.Mode);
            UnixSocketFile.Inspect(path, out ulong inode);
            listener.Listen(Backlog);
            var server = new BusSocketServer(path, listener, inode, bus, options, logger);
            server._acceptLoop = server.AcceptLoopAsync();
            BusSocketLog.Listening(logger, path, Convert.ToString((int)options.Mode, 8).PadLeft(4, '0'), options.Publishable);
            return server;
        }
        catch (Exception ex) when (ex is SocketException or UnauthorizedAccessException or ArgumentException)
        {
            listener?.Dispose();
            throw new IOException($"cannot serve the bus on {path}: {ex.Message}", ex);
        }
        catch
        {
            listener?.Dispose();
            throw;
        }
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

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        RemoveSocketFile();

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
        _stop.Dispose();
        BusSocketLog.Closed(_logger, Path);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                BusSocketLog.AcceptFailed(_logger, ex);
                return;
            }

            Accept(socket);
        }
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

    internal static async Task ClearStaleAsync(string path, ILogger logger, CancellationToken cancellationToken)
    {
        switch (UnixSocketFile.Inspect(path, out _))
        {
            case PathKind.Missing:
                return;
            case PathKind.Other:
                throw new IOException($"{path} exists and is not a socket; not replacing it");
            case PathKind.Unknown:
                throw new IOException($"{path} exists and its type cannot be read; not replacing it");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_probeTimeout);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token).ConfigureAwait(false);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Nobody listens: a socket file left by a crash.
            File.Delete(path);
            BusSocketLog.StaleReplaced(logger, path);
            return;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A listener whose backlog is full is alive too.
        }

        throw new IOException($"another process serves the socket {path}");
    }

    private void RemoveSocketFile()
    {
        try
        {
            if (UnixSocketFile.Inspect(Path, out ulong inode) == PathKind.Socket && inode == _inode)
            {
                File.Delete(Path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left behind: the next start replaces it as stale.
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
