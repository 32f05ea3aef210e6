namespace Shisa.DataPlane.Bus.Encoding;

/// <summary>What <see cref="BusFrameStreamReader.ReadAsync"/> found.</summary>
public enum BusFrameReadStatus : byte
{
    /// <summary>A whole, valid frame: <see cref="BusFrameReadResult.Envelope"/>.</summary>
    Frame,

    /// <summary>The stream ended between two frames.</summary>
    EndOfStream,

    /// <summary>A frame was refused (<see cref="BusFrameReadResult.Refusal"/>; <see cref="BusFrameError.Truncated"/> when the stream ended inside one). The stream cannot be resynchronised: stop reading it.</summary>
    Refused,
}

/// <summary>One result of <see cref="BusFrameStreamReader.ReadAsync"/>.</summary>
public readonly record struct BusFrameReadResult(BusFrameReadStatus Status, BusEnvelope Envelope, BusFrameRefusal Refusal);

/// <summary>
/// Reads bus frames one after the other from a byte stream (the bus socket), through one buffer of
/// <see cref="BusFrame.MaximumLength"/> octets reused for every frame: a frame is refused as soon as the octets
/// present show it wrong (a bad version or type in the header does not wait for the rest of the frame).
/// </summary>
/// <remarks>Not thread-safe: one reader per stream, one read at a time.</remarks>
public sealed class BusFrameStreamReader
{
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[BusFrame.MaximumLength + 1];
    private int _start;
    private int _end;
    private bool _failed;

    public BusFrameStreamReader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
    }

    /// <summary>Frames read so far.</summary>
    public long FramesRead { get; private set; }

    /// <summary>
    /// The next frame, the end of the stream, or a refusal; after <see cref="BusFrameReadStatus.Refused"/> or
    /// <see cref="BusFrameReadStatus.EndOfStream"/> every further call returns the same. I/O errors of the stream propagate.
    /// </summary>
    public async ValueTask<BusFrameReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_failed)
        {
            return new BusFrameReadResult(BusFrameReadStatus.Refused, default, new BusFrameRefusal(BusFrameError.Truncated, 0));
        }

        while (true)
        {
            if (_end > _start)
            {
                var available = _buffer.AsSpan(_start, _end - _start);
                if (BusFrame.TryRead(available, out var envelope, out int consumed, out var refusal))
                {
                    _start += consumed;
                    FramesRead++;
                    return new BusFrameReadResult(BusFrameReadStatus.Frame, envelope, default);
                }

                if (refusal.Error != BusFrameError.Truncated)
                {
                    _failed = true;
                    return new BusFrameReadResult(BusFrameReadStatus.Refused, default, refusal);
                }
            }

            if (_start == _end)
            {
                _start = _end = 0;
            }
            else if (_start > 0)
            {
                // Keep the partial frame at the front: a whole frame always fits the buffer.
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end == _start)
                {
                    return new BusFrameReadResult(BusFrameReadStatus.EndOfStream, default, default);
                }

                _failed = true;
                return new BusFrameReadResult(BusFrameReadStatus.Refused, default, new BusFrameRefusal(BusFrameError.Truncated, _end - _start));
            }

            _end += read;
        }
    }
}
