using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Shisa.Appliance.Control;

/// <summary>One result of a command: its line for people and its fields for scripts (<c>--json</c>).</summary>
public sealed record ControlResult(string Text, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    public ControlResult(string text)
        : this(text, [])
    {
    }
}

/// <summary>A response: its status, results (when Ok) or the one line saying why not.</summary>
public sealed record ControlResponse(ControlStatus Status, IReadOnlyList<ControlResult> Results, string? Error)
{
    public static ControlResponse Ok(IReadOnlyList<ControlResult> results) => new(ControlStatus.Ok, results, null);

    public static ControlResponse Refused(string error) => new(ControlStatus.Refused, [], error);

    public static ControlResponse Failed(string error) => new(ControlStatus.Failed, [], error);
}

/// <summary>
/// The payloads of docs/control.md, version 1: a request is <c>{"args":["word",...]}</c> (the words after
/// <c>shisa ctl</c>); a response is <c>{"results":[{"text":"...","field":"value",...}],"error":"..."}</c>.
/// Written with <see cref="Utf8JsonWriter"/> and read with <see cref="JsonDocument"/>: no reflection, NativeAOT-safe.
/// </summary>
public static class ControlMessages
{
    /// <summary>At most this many words in a request, each at most <see cref="MaxWordLength"/> characters.</summary>
    public const int MaxWords = 16;

    public const int MaxWordLength = 256;

    public static byte[] EncodeRequest(IReadOnlyList<string> args)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("args");
            foreach (string arg in args)
            {
                writer.WriteStringValue(arg);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The words of a request payload; null (and why) when it is not one.</summary>
    public static IReadOnlyList<string>? DecodeRequest(ReadOnlySpan<byte> payload, out string? error)
    {
        error = null;

        // The JSON reader checks structure, not the UTF-8 inside strings: that fails later, in GetString (found by fuzzing).
        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            error = "the request is not UTF-8";
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 4 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Array)
            {
                error = "the request is not an object with an \"args\" array";
                return null;
            }

            if (args.GetArrayLength() > MaxWords)
            {
                error = $"more than {MaxWords} words";
                return null;
            }

            var words = new List<string>();
            foreach (var word in args.EnumerateArray())
            {
                if (word.ValueKind != JsonValueKind.String || word.GetString() is not { Length: <= MaxWordLength } text)
                {
                    error = $"\"args\" must hold strings of at most {MaxWordLength} characters";
                    return null;
                }

                words.Add(text);
            }

            return words;
        }
        catch (JsonException e)
        {
            error = $"not JSON: {e.Message}";
            return null;
        }
    }

    public static byte[] EncodeResponse(ControlResponse response)
    {
        using var buffer = new MemoryStream();

        // Read by a terminal or a script, never embedded in HTML: '+' of a time stays '+'.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteResponse(writer, response);
        }

        return buffer.ToArray();
    }

    /// <summary>The response as one JSON object (what <c>shisa ctl --json</c> prints).</summary>
    public static string ToJson(ControlResponse response) => Encoding.UTF8.GetString(EncodeResponse(response));

    /// <summary>A response payload with the status of its header; null when the payload is not a response.</summary>
    public static ControlResponse? DecodeResponse(ControlStatus status, ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 8 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var results = new List<ControlResult>();
            if (root.TryGetProperty("results", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object)
                    {
                        return null;
                    }

                    string text = "";
                    var fields = new List<KeyValuePair<string, string>>();
                    foreach (var property in item.EnumerateObject())
                    {
                        string value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                        if (property.NameEquals("text"))
                        {
                            text = value;
                        }
                        else
                        {
                            fields.Add(new(property.Name, value));
                        }
                    }

                    results.Add(new ControlResult(text, fields));
                }
            }

            return new ControlResponse(status, results, error);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void WriteResponse(Utf8JsonWriter writer, ControlResponse response)
    {
        writer.WriteStartObject();
        writer.WriteString("status", response.Status switch
        {
            ControlStatus.Ok => "ok",
            ControlStatus.Refused => "refused",
            _ => "failed",
        });
        if (response.Error is { } error)
        {
            writer.WriteString("error", error);
        }

        writer.WriteStartArray("results");
        foreach (var result in response.Results)
        {
            writer.WriteStartObject();
            writer.WriteString("text", result.Text);
            foreach (var (name, value) in result.Fields)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
