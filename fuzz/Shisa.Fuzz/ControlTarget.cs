using Shisa.Appliance.Control;

namespace Shisa.Fuzz;

/// <summary>
/// What the control socket does with a client's bytes before anything is carried out (docs/control.md): the header,
/// the JSON payload, the command words. Each step refuses with a result, never an exception; a request that parses
/// must encode back to the same words.
/// </summary>
internal static class ControlTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (ControlFrameHeader.TryRead(input, ControlFrameKind.Request, out var header) != ControlFrameError.None)
        {
            return;
        }

        var payload = input[ControlFrameHeader.Size..];
        if (payload.Length < header.PayloadLength)
        {
            return;
        }

        if (ControlMessages.DecodeRequest(payload[..header.PayloadLength], out _) is not { } words)
        {
            return;
        }

        var again = ControlMessages.DecodeRequest(ControlMessages.EncodeRequest(words), out _);
        if (again is null || !again.SequenceEqual(words))
        {
            throw new InvariantException("a decoded request does not survive encoding");
        }

        if (ControlCommand.Parse(words, out string? error) is null && string.IsNullOrEmpty(error))
        {
            throw new InvariantException("a refused command without its line");
        }
    }
}
