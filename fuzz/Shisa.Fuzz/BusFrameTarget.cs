using Shisa.DataPlane.Bus.Encoding;

namespace Shisa.Fuzz;

/// <summary>
/// The bus socket's frames (docs/bus-socket.md): <see cref="BusFrame.TryRead(ReadOnlySpan{byte}, out Shisa.DataPlane.Bus.BusEnvelope, out int, out BusFrameRefusal)"/>
/// on the bytes, and <see cref="BusFrameStreamReader"/> on them as a connection's stream, as BusSocketConnection reads it.
/// A frame that reads must write back and read again.
/// </summary>
internal static class BusFrameTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var rest = input;
        while (BusFrame.TryRead(rest, out var envelope, out int consumed, out _))
        {
            if (consumed <= 0 || consumed > rest.Length)
            {
                throw new InvariantException($"consumed {consumed} of {rest.Length}");
            }

            var written = BusFrame.ToArray(envelope);
            if (!BusFrame.TryRead(written, out var again, out int consumedAgain, out var refusal) || consumedAgain != written.Length)
            {
                throw new InvariantException($"{envelope.Message} does not read back ({refusal})");
            }

            if (!Equals(again.Message, envelope.Message))
            {
                throw new InvariantException($"{envelope.Message} reads back as {again.Message}");
            }

            rest = rest[consumed..];
        }

        using var stream = new MemoryStream(input.ToArray(), writable: false);
        var reader = new BusFrameStreamReader(stream);
        for (int frames = 0; frames < 64; frames++)
        {
            var result = reader.ReadAsync().AsTask().GetAwaiter().GetResult();
            if (result.Status != BusFrameReadStatus.Frame)
            {
                break;
            }
        }
    }
}
