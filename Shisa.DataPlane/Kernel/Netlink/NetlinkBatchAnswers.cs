namespace Shisa.DataPlane.Kernel.Netlink;

/// <summary>
/// The answers to an nfnetlink batch (nfnetlink_rcv_batch): once the whole batch is processed, the kernel answers
/// every message that asked for an ACK (error 0, or its errno; the batch is committed only if all are 0), or it
/// answers only the BATCH_BEGIN when it refuses the batch as such (no such subsystem, no permission, no memory).
/// The first error is the one to report: later ones are often its consequences.
/// </summary>
internal sealed class NetlinkBatchAnswers
{
    private readonly uint _beginSequence;
    private readonly uint _firstAcked;
    private readonly bool[] _answered;
    private int _pending;

    public NetlinkBatchAnswers(uint beginSequence, uint firstAcked, uint lastAcked)
    {
        _beginSequence = beginSequence;
        _firstAcked = firstAcked;
        _answered = new bool[lastAcked - firstAcked + 1];
        _pending = _answered.Length;
    }

    /// <summary>The first error's errno (0: every message was acknowledged, the batch committed).</summary>
    public int Errno { get; private set; }

    /// <summary>The sequence number of the message the first error answers (the BATCH_BEGIN's: the batch as such).</summary>
    public uint FailedSequence { get; private set; }

    /// <summary>The kernel's extended-ACK explanation of the first error, if it gave one.</summary>
    public string? Explanation { get; private set; }

    /// <summary>Takes the messages of one receive; true once the batch is answered. Answers to other requests are skipped.</summary>
    public bool Take(ReadOnlySpan<byte> buffer)
    {
        while (_pending > 0 && NetlinkMessageView.TryRead(buffer, out var message, out int consumed))
        {
            buffer = buffer[consumed..];
            if (!message.TryReadError(out int errno, out string? explanation))
            {
                continue;
            }

            if (message.Sequence == _beginSequence)
            {
                if (errno != 0 && Errno == 0)
                {
                    Record(errno, message.Sequence, explanation);
                }

                _pending = 0; // refused as a whole: nothing else comes
                break;
            }

            uint index = message.Sequence - _firstAcked;
            if (index >= (uint)_answered.Length || _answered[index])
            {
                continue;
            }

            _answered[index] = true;
            _pending--;
            if (errno != 0 && Errno == 0)
            {
                Record(errno, message.Sequence, explanation);
            }
        }

        return _pending == 0;
    }

    private void Record(int errno, uint sequence, string? explanation)
    {
        Errno = errno;
        FailedSequence = sequence;
        Explanation = explanation;
    }
}
