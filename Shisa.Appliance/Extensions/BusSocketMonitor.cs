using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Shisa.Appliance.Hosting;
using Shisa.Appliance.Web;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;

namespace Shisa.Appliance.Extensions;

/// <summary>
/// The reading side of the bus socket: follow the bus of a running instance (<c>shisa monitor --socket PATH</c>),
/// as <c>route monitor</c> follows the routing socket.
/// </summary>
public static class BusSocketMonitor
{
    /// <summary>Every message the instance serving <paramref name="path"/> publishes from now on, until it closes the socket.</summary>
    /// <exception cref="SocketException">Cannot connect (no such socket, no permission, nobody serving it).</exception>
    /// <exception cref="InvalidDataException">The server sent a frame this version refuses.</exception>
    public static async IAsyncEnumerable<BusEnvelope> FollowAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new BusFrameStreamReader(stream);
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            switch (result.Status)
            {
                case BusFrameReadStatus.Frame:
                    yield return result.Envelope;
                    break;
                case BusFrameReadStatus.EndOfStream:
                    yield break;
                default:
                    throw new InvalidDataException($"frame {reader.FramesRead + 1} refused: {result.Refusal}");
            }
        }
    }

    /// <summary>One line per message, as <c>shisa monitor</c> prints it: time, sequence, type, summary, origin.</summary>
    public static string Format(BusEnvelope envelope) =>
        $"{envelope.Timestamp.ToLocalTime():HH:mm:ss.fff} #{envelope.Sequence,-6} {envelope.Type,-24} {Summaries.Of(envelope.Message)}" +
        (envelope.Origin is { } origin ? $" [{origin}]" : "");

    /// <summary>
    /// Prints the bus of the instance serving <paramref name="path"/> until it stops or <paramref name="cancellationToken"/>
    /// fires: one line each (<see cref="Format"/>), or with <paramref name="json"/> the JSON event of <c>/api/events</c>.
    /// Returns the exit code: 0, or 1 with a message on <paramref name="error"/>.
    /// </summary>
    public static async Task<int> RunAsync(string path, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            await foreach (var envelope in FollowAsync(path, cancellationToken).ConfigureAwait(false))
            {
                output.WriteLine(json
                    ? JsonSerializer.Serialize(new BusEvent(envelope.Sequence, envelope.Timestamp, envelope.Type.ToString(), Summaries.Of(envelope.Message)), StatusJsonContext.Default.BusEvent)
                    : Format(envelope));
                output.Flush();
            }

            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidDataException)
        {
            error.WriteLine($"shisa monitor: cannot follow the bus socket {path}: {ex.Message}");
            return 1;
        }
    }
}
