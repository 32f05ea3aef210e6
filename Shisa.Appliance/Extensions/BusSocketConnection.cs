using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;

namespace Shisa.Appliance.Extensions;

/// <summary>
/// One client of the bus socket: a send loop that writes the client's bus subscription as frames, at most
/// <see cref="BusSocketOptions.MaxFramesPerRound"/> per round, and a receive loop that decodes the client's frames
/// and publishes the allowed ones. Whichever loop ends first (the client closed, sent a malformed frame, or the
/// server stops) ends the other, closes the socket and leaves the bus.
/// </summary>
internal sealed class BusSocketConnection
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    private readonly Socket _socket;
    private readonly MobilityBus _bus;
    private readonly MobilitySubscription _subscription;
    private readonly BusSocketOptions _options;
    private readonly BusSocketServer.Counters _counters;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private long _framesSent;
    private long _framesReceived;
    private bool _typeRefusalLogged;

    public BusSocketConnection(int id, Socket socket, MobilityBus bus, BusSocketOptions options, BusSocketServer.Counters counters, ILogger logger)
    {
        Id = id;
        _socket = socket;
        _bus = bus;
        _options = options;
        _counters = counters;
        _logger = logger;
        ProcessId = PeerProcessId(socket);
        Origin = ProcessId is { } pid ? $"socket:{pid}" : $"socket:c{id}";
        // Throws ObjectDisposedException when the bus is gone; the server closes the socket then.
        _subscription = bus.Subscribe($"bus_socket.{id}", MessageKinds.All, options.ClientQueueCapacity);
    }

    public int Id { get; }

    public int? ProcessId { get; }

    public string Origin { get; }

    public long Dropped => _subscription.DroppedNotifications;

    public BusSocketClientStatus GetStatus() =>
        new(Id, ProcessId, Origin, Interlocked.Read(ref _framesSent), Interlocked.Read(ref _framesReceived), _subscription.DroppedNotifications, _subscription.Pending);

    /// <summary>Runs both loops until the connection ends; never throws.</summary>
    public async Task RunAsync()
    {
        BusSocketLog.Connected(_logger, Id, Origin);
        var send = SendLoopAsync(_stop.Token);
        var receive = ReceiveLoopAsync(_stop.Token);
        string reason = await (await Task.WhenAny(send, receive).ConfigureAwait(false)).ConfigureAwait(false);
        Stop();
        await Task.WhenAll(send, receive).ConfigureAwait(false);
        _subscription.Dispose();
        _socket.Dispose();
        BusSocketLog.Disconnected(_logger, Id, Origin, reason, Interlocked.Read(ref _framesReceived), Interlocked.Read(ref _framesSent), _subscription.DroppedNotifications);
    }

    /// <summary>Ends the connection: both loops stop and the socket closes.</summary>
    public void Stop()
    {
        try
        {
            _stop.Cancel();
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            // Closed already.
        }
    }

    private async Task<string> SendLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _subscription.Reader;
        var buffer = ArrayPool<byte>.Shared.Rent(BusFrame.MaximumLength);
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // One round: at most MaxFramesPerRound frames, batched into as few writes as fit the buffer.
                int used = 0;
                int frames = 0;
                while (frames < _options.MaxFramesPerRound && reader.TryRead(out var envelope))
                {
                    int size;
                    try
                    {
                        size = BusFrame.GetByteCount(envelope);
                    }
                    catch (ArgumentException ex)
                    {
                        Interlocked.Increment(ref _counters.Unencodable);
                        BusSocketLog.Unencodable(_logger, envelope.Sequence, envelope.Type, ex.Message);
                        continue;
                    }

                    if (used + size > buffer.Length)
                    {
                        await SendAllAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
                        used = 0;
                    }

                    BusFrame.TryWrite(buffer.AsSpan(used), envelope, out int written);
                    used += written;
                    frames++;
                }

                if (used > 0)
                {
                    await SendAllAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
                }

                Interlocked.Add(ref _framesSent, frames);
                Interlocked.Add(ref _counters.FramesSent, frames);
                if (frames == _options.MaxFramesPerRound)
                {
                    // A full round: let the other clients' loops run before the next one.
                    await Task.Yield();
                }
            }

            return "the bus closed";
        }
        catch (OperationCanceledException)
        {
            return "stopped";
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or ChannelClosedException)
        {
            return $"write failed: {ex.Message}";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    private async Task<string> ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        NetworkStream? stream = null;
        try
        {
            // Throws IOException when the server stopped this connection before the loop began.
            stream = new NetworkStream(_socket, ownsSocket: false);
            var frames = new BusFrameStreamReader(stream);
            while (true)
            {
                var result = await frames.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (result.Status == BusFrameReadStatus.EndOfStream)
                {
                    return "closed by the client";
                }

                if (result.Status == BusFrameReadStatus.Refused)
                {
                    Interlocked.Increment(ref _counters.MalformedFrames);
                    BusSocketLog.Malformed(_logger, Id, Origin, frames.FramesRead, result.Refusal);
                    return $"malformed frame ({result.Refusal})";
                }

                Interlocked.Increment(ref _framesReceived);
                Interlocked.Increment(ref _counters.FramesReceived);
                var message = result.Envelope.Message;
                if (!_options.Publishable.Includes(message.Type))
                {
                    Interlocked.Increment(ref _counters.RefusedTypes);
                    if (!_typeRefusalLogged)
                    {
                        _typeRefusalLogged = true;
                        BusSocketLog.TypeRefused(_logger, Id, Origin, message.Type, _options.Publishable);
                    }
                    else
                    {
                        BusSocketLog.TypeRefusedAgain(_logger, Id, Origin, message.Type);
                    }

                    continue;
                }

                _bus.Publish(message, Origin);
                Interlocked.Increment(ref _counters.MessagesPublished);
            }
        }
        catch (OperationCanceledException)
        {
            return "stopped";
        }
        catch (ObjectDisposedException)
        {
            return "closed";
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return $"read failed: {ex.Message}";
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static int? PeerProcessId(Socket socket)
    {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }, native byte order (Linux).
        Span<byte> credentials = stackalloc byte[12];
        try
        {
            int length = socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
            int pid = length >= 4 ? BitConverter.ToInt32(credentials) : 0;
            return pid > 0 ? pid : null;
        }
        catch (Exception ex) when (ex is SocketException or PlatformNotSupportedException)
        {
            return null;
        }
    }
}
