using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shisa.Appliance.Extensions;

namespace Shisa.Appliance.Control;

/// <summary>How the <see cref="ControlServer"/> serves (docs/control.md, "The socket").</summary>
internal sealed record ControlServerOptions
{
    /// <summary>Clients served at once; more are closed as they connect and counted.</summary>
    public int MaxClients { get; init; } = 4;

    /// <summary>A client has this long to send its whole request; then it is dropped and counted.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>And this long to read the response.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The control socket of <c>shisa ctl</c> (docs/control.md): a Unix stream socket whose file, mode 0660, owned by the
/// process's user and the profile's <c>[control] group</c>, is the authentication; one request and one response per
/// connection. A client that sends nothing, too little or something that is not a request within
/// <see cref="ControlServerOptions.RequestTimeout"/> is dropped and counted; at most
/// <see cref="ControlServerOptions.MaxClients"/> are served at once. Nothing a client sends reaches past the
/// executor's parser, and no client can hold up the service: requests are read on the thread pool with a deadline.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    private const int Backlog = 8;
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    private readonly UnixSocketListener _listener;
    private readonly Func<IReadOnlyList<string>, ControlResponse> _execute;
    private readonly ControlServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _clients = [];
    private long _accepted;
    private long _refused;
    private long _timedOut;
    private long _malformed;
    private long _requests;
    private long _refusedRequests;
    private long _failedRequests;
    private int _disposed;

    private ControlServer(UnixSocketListener listener, Func<IReadOnlyList<string>, ControlResponse> execute, ControlServerOptions options, TimeProvider time, ILogger logger)
    {
        _listener = listener;
        _execute = execute;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public string Path => _listener.Path;

    /// <summary>Counters for the status API and /metrics (<c>control.*</c>).</summary>
    public IEnumerable<KeyValuePair<string, long>> Counters =>
    [
        new("control.clients_accepted", Interlocked.Read(ref _accepted)),
        new("control.clients_refused", Interlocked.Read(ref _refused)),
        new("control.dropped_timeout", Interlocked.Read(ref _timedOut)),
        new("control.dropped_malformed", Interlocked.Read(ref _malformed)),
        new("control.requests", Interlocked.Read(ref _requests)),
        new("control.requests_refused", Interlocked.Read(ref _refusedRequests)),
        new("control.requests_failed", Interlocked.Read(ref _failedRequests)),
    ];

    /// <summary>Starts serving on <paramref name="path"/>; <paramref name="group"/> (a name or gid) becomes the socket file's group.</summary>
    /// <exception cref="IOException">The socket cannot be served: the group does not exist or cannot be set, another process serves the path, or binding failed.</exception>
    public static async Task<ControlServer> StartAsync(
        string path,
        string? group,
        Func<IReadOnlyList<string>, ControlResponse> execute,
        ControlServerOptions options,
        TimeProvider time,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the control socket needs Linux");
        }

        uint? gid = null;
        if (group is not null && (gid = UnixGroup.Resolve(group)) is null)
        {
            throw new IOException($"no group '{group}' ([control] group)");
        }

        var listener = await UnixSocketListener.OpenAsync(path, Mode, gid, Backlog, "the control socket", logger, cancellationToken).ConfigureAwait(false);
        var server = new ControlServer(listener, execute, options, time, logger);
        listener.Start(server.Accept, ex => ControlLog.AcceptFailed(logger, ex));
        ControlLog.Listening(logger, listener.Path, "0660", group ?? "the process's");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        Task[] clients;
        lock (_gate)
        {
            clients = [.. _clients];
        }

        await Task.WhenAll(clients).ConfigureAwait(false);
        _stop.Dispose();
    }

    private void Accept(Socket socket)
    {
        lock (_gate)
        {
            if (_clients.Count >= _options.MaxClients)
            {
                Interlocked.Increment(ref _refused);
                ControlLog.Dropped(_logger, $"{_options.MaxClients} clients served already");
                socket.Dispose();
                return;
            }

            Interlocked.Increment(ref _accepted);
            var task = ServeAsync(socket);
            _clients.Add(task);
            _ = task.ContinueWith(t => { lock (_gate) { _clients.Remove(t); } }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await Task.Yield();
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        IReadOnlyList<string>? words;
        using (var deadline = new CancellationTokenSource(_options.RequestTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _stop.Token))
        {
            try
            {
                words = await ReadRequestAsync(stream, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                Interlocked.Increment(ref _timedOut);
                ControlLog.Dropped(_logger, $"no complete request within {_options.RequestTimeout.TotalSeconds} s");
                return;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                return;
            }
        }

        if (words is null)
        {
            return;
        }

        Interlocked.Increment(ref _requests);
        var response = _execute(words);
        switch (response.Status)
        {
            case ControlStatus.Refused:
                Interlocked.Increment(ref _refusedRequests);
                break;
            case ControlStatus.Failed:
                Interlocked.Increment(ref _failedRequests);
                break;
        }

        ControlLog.Served(_logger, string.Join(' ', words), response.Status == ControlStatus.Ok ? "ok" : $"{response.Status.ToString().ToLowerInvariant()}: {response.Error}");
        using var writeDeadline = new CancellationTokenSource(_options.ResponseTimeout, _time);
        try
        {
            byte[] payload = ControlMessages.EncodeResponse(response);
            await stream.WriteAsync(ControlFrameHeader.Frame(ControlFrameKind.Response, response.Status, payload), writeDeadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client left, or does not read: its loss.
        }
    }

    /// <summary>The request's words; null when the client sent something else (counted) or left.</summary>
    private async Task<IReadOnlyList<string>?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var header = new byte[ControlFrameHeader.Size];
        int read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < header.Length)
        {
            if (read > 0)
            {
                Malformed("the connection closed inside the header");
            }

            return null;
        }

        var error = ControlFrameHeader.TryRead(header, ControlFrameKind.Request, out var parsed);
        if (error != ControlFrameError.None)
        {
            Malformed($"bad header: {error}");
            return null;
        }

        var payload = new byte[parsed.PayloadLength];
        if (await stream.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < payload.Length)
        {
            Malformed("the connection closed inside the payload");
            return null;
        }

        if (ControlMessages.DecodeRequest(payload, out string? why) is not { } words)
        {
            Malformed(why!);
            return null;
        }

        return words;
    }

    private void Malformed(string reason)
    {
        Interlocked.Increment(ref _malformed);
        ControlLog.Dropped(_logger, reason);
    }
}
