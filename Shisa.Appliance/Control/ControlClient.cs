using System.Net.Sockets;

namespace Shisa.Appliance.Control;

/// <summary>
/// <c>shisa ctl [--socket PATH] [--json] WORDS...</c>: sends one request over the control socket and prints the
/// response, one line per result (or the response's JSON object with <c>--json</c>). Exit codes: 0 done; 2 bad usage
/// or a target that is not there (checked here first where the words alone tell, so a typo needs no service), with
/// one line on stderr and nothing changed; 1 the service cannot be reached (or failed).
/// </summary>
internal static class ControlClient
{
    public const int ExitOk = 0;
    public const int ExitUnreachable = 1;
    public const int ExitBadUsage = 2;

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string socketPath, IReadOnlyList<string> words, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (ControlCommand.Parse(words, out string? usage) is null)
        {
            error.WriteLine($"shisa ctl: {usage}");
            return ExitBadUsage;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);
        ControlResponse? response;
        try
        {
            response = await ExchangeAsync(socketPath, words, timeout.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            string why = e.SocketErrorCode switch
            {
                SocketError.AccessDenied => "permission denied (root and the [control] group only)",
                SocketError.ConnectionRefused => "connection refused (the service is not running)",
                SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported when !File.Exists(socketPath) =>
                    "no such socket (is the service running, with a [control] section in its profile?)",
                _ => e.Message,
            };
            error.WriteLine($"shisa ctl: cannot reach the service on {socketPath}: {why}");
            return ExitUnreachable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"shisa ctl: the service on {socketPath} did not answer: {e.Message}");
            return ExitUnreachable;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error.WriteLine($"shisa ctl: no answer from {socketPath} within {s_timeout.TotalSeconds} s");
            return ExitUnreachable;
        }

        if (response is null)
        {
            error.WriteLine($"shisa ctl: the service on {socketPath} answered something that is not a version {ControlFrameHeader.Version} response");
            return ExitUnreachable;
        }

        if (json)
        {
            output.WriteLine(ControlMessages.ToJson(response));
        }
        else
        {
            foreach (var result in response.Results)
            {
                output.WriteLine(result.Text);
            }
        }

        switch (response.Status)
        {
            case ControlStatus.Ok:
                return ExitOk;
            case ControlStatus.Refused:
                error.WriteLine($"shisa ctl: {response.Error}");
                return ExitBadUsage;
            default:
                error.WriteLine($"shisa ctl: the service failed: {response.Error}");
                return ExitUnreachable;
        }
    }

    /// <summary>One request, one response; null when the answer is not a response.</summary>
    public static async Task<ControlResponse?> ExchangeAsync(string socketPath, IReadOnlyList<string> words, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(ControlFrameHeader.Frame(ControlFrameKind.Request, ControlStatus.Ok, ControlMessages.EncodeRequest(words)), cancellationToken).ConfigureAwait(false);

        var header = new byte[ControlFrameHeader.Size];
        if (await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < header.Length)
        {
            throw new IOException("the connection closed before the response");
        }

        if (ControlFrameHeader.TryRead(header, ControlFrameKind.Response, out var parsed) != ControlFrameError.None)
        {
            return null;
        }

        var payload = new byte[parsed.PayloadLength];
        if (await stream.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < payload.Length)
        {
            throw new IOException("the connection closed inside the response");
        }

        return ControlMessages.DecodeResponse(parsed.Status, payload);
    }
}
