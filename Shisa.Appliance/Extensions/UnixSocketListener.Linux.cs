using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Shisa.Appliance.Extensions;

/// <summary>
/// A listening Unix stream socket whose file is the server's: the bus socket's and the control socket's. At open, a
/// socket file nobody answers on (left by a crash) is replaced, while a live one or a path that is not a socket is an
/// <see cref="IOException"/>; the file gets its mode (and group) before the socket listens, so nobody connects
/// earlier; at disposal the accept loop ends and the file is removed if it is still the one made here.
/// </summary>
internal sealed class UnixSocketListener : IAsyncDisposable
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly ulong _inode;
    private readonly CancellationTokenSource _stop = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _disposed;

    private UnixSocketListener(string path, Socket socket, ulong inode)
    {
        Path = path;
        _socket = socket;
        _inode = inode;
    }

    /// <summary>The socket file's full path.</summary>
    public string Path { get; }

    /// <summary>Binds and listens on <paramref name="path"/>; <paramref name="what"/> names the socket in errors.</summary>
    /// <exception cref="IOException">The directory cannot be made, another process serves the path, something that is
    /// not a socket is there, the group cannot be set, or binding failed.</exception>
    public static async Task<UnixSocketListener> OpenAsync(
        string path, UnixFileMode mode, uint? group, int backlog, string what, ILogger logger, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException($"{what} needs Linux");
        }

        path = System.IO.Path.GetFullPath(path);
        Socket? socket = null;
        try
        {
            if (System.IO.Path.GetDirectoryName(path) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            await ClearStaleAsync(path, logger, cancellationToken).ConfigureAwait(false);
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));

            // Before listen: nobody can connect to the socket before its permissions are right.
            File.SetUnixFileMode(path, mode);
            if (group is { } gid)
            {
                UnixGroup.SetGroup(path, gid);
            }

            UnixSocketFile.Inspect(path, out ulong inode);
            socket.Listen(backlog);
            return new UnixSocketListener(path, socket, inode);
        }
        catch (Exception ex) when (ex is SocketException or UnauthorizedAccessException or ArgumentException)
        {
            socket?.Dispose();
            throw new IOException($"cannot serve {what} on {path}: {ex.Message}", ex);
        }
        catch
        {
            socket?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Accepts until disposed, handing each connection to <paramref name="accept"/> (which owns it from then on); an
    /// accept that fails ends the loop and goes to <paramref name="failed"/>.
    /// </summary>
    public void Start(Action<Socket> accept, Action<SocketException> failed) => _acceptLoop = AcceptLoopAsync(accept, failed);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
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

        _stop.Dispose();
    }

    private static async Task ClearStaleAsync(string path, ILogger logger, CancellationToken cancellationToken)
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

    private async Task AcceptLoopAsync(Action<Socket> accept, Action<SocketException> failed)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                failed(ex);
                return;
            }

            accept(socket);
        }
    }
}
