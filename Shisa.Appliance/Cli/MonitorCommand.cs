using System.Text.Json;

namespace Shisa.Appliance.Cli;

using Shisa.Appliance.Web;

/// <summary><c>shisa monitor [--url URL]</c>: bus messages live, one line each, like <c>route monitor</c>.</summary>
internal static class MonitorCommand
{
    public static async Task<int> RunAsync(Uri baseUrl, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            using var response = await http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                var data = line["data: ".Length..];
                if (json)
                {
                    output.WriteLine(data);
                }
                else if (JsonSerializer.Deserialize(data, StatusJsonContext.Default.BusEvent) is { } e)
                {
                    output.WriteLine($"{e.Time:HH:mm:ss.fff} #{e.Sequence,-6} {e.Type,-24} {e.Summary}");
                }

                output.Flush();
            }

            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException)
        {
            error.WriteLine($"shisa monitor: cannot follow {baseUrl}api/events: {ex.Message}");
            return 1;
        }
    }
}
