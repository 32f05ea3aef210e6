using System.Runtime.Versioning;
using Shisa.DataPlane.Ports;

namespace Shisa.DataPlane.Kernel.Netlink;

/// <summary>Called for each reply message that carries a request's sequence number.</summary>
internal delegate void NetlinkReplyHandler(NetlinkMessageView message);

/// <summary>
/// One AF_NETLINK socket (NETLINK_ROUTE or NETLINK_NETFILTER) used for requests and their answers: a request
/// with NLM_F_ACK is answered by NLMSG_ERROR (0: done), a dump ends with NLMSG_DONE, and every answer must carry
/// the request's sequence number (others are stale and skipped). The socket stays in the network namespace of the
/// thread that created it. Not thread-safe: <see cref="NetlinkKernel"/> serialises its calls.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class NetlinkSocket : IDisposable
{
    /// <summary>How long an answer may take before the request is given up (SO_RCVTIMEO).</summary>
    public const int AnswerTimeoutSeconds = 5;

    private const int ReceiveBufferLength = 64 * 1024;

    private readonly byte[] _receive = GC.AllocateUninitializedArray<byte>(ReceiveBufferLength);
    private int _fd;
    private uint _sequence;

    private NetlinkSocket(int fd, string name)
    {
        _fd = fd;
        Name = name;
        _sequence = (uint)Environment.TickCount; // a fresh start per socket: no answer to an earlier socket matches
    }

    /// <summary>"rtnetlink" or "nfnetlink", for messages.</summary>
    public string Name { get; }

    /// <summary>
    /// Opens and binds a netlink socket of <paramref name="protocol"/> with extended ACKs (the kernel's own
    /// explanation of an error) and capped ACKs (the request is not echoed back).
    /// </summary>
    public static NetlinkSocket Open(int protocol, string name)
    {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            int errno = Libc.Errno;
            throw errno == Libc.EPROTONOSUPPORT && protocol == Libc.NETLINK_NETFILTER
                ? new KernelFacilityMissingException("the kernel has no nfnetlink (load it: modprobe nf_tables)")
                : new KernelException($"{name} socket: {Libc.Describe(errno)}", errno);
        }

        var socket = new NetlinkSocket(fd, name);
        try
        {
            var address = new Libc.SockAddrNl { Family = Libc.AF_NETLINK };
            if (Libc.bind(fd, &address, (uint)sizeof(Libc.SockAddrNl)) < 0)
            {
                throw new KernelException($"{name} bind: {Libc.Describe(Libc.Errno)}", Libc.Errno);
            }

            var timeout = new Libc.TimeVal { Seconds = AnswerTimeoutSeconds };
            _ = Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, &timeout, (uint)sizeof(Libc.TimeVal));
            int one = 1;
            _ = Libc.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_EXT_ACK, &one, sizeof(int)); // best effort: older kernels lack it
            _ = Libc.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_CAP_ACK, &one, sizeof(int));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The next sequence number to put in a request.</summary>
    public uint NextSequence() => ++_sequence;

    /// <summary>Marks the sequence numbers up to <paramref name="last"/> used (a batch takes one per message).</summary>
    public void UsedUpTo(uint last) => _sequence = last;

    /// <summary>
    /// Sends <paramref name="request"/> (which asked for NLM_F_ACK) and reads until its NLMSG_ERROR; replies with
    /// its sequence number before that go to <paramref name="onReply"/>. Returns the errno (0: success).
    /// </summary>
    public int Request(ReadOnlySpan<byte> request, uint sequence, NetlinkReplyHandler? onReply, out string? explanation)
    {
        Send(request);
        while (true)
        {
            int length = Receive();
            var buffer = _receive.AsSpan(0, length);
            while (NetlinkMessageView.TryRead(buffer, out var message, out int consumed))
            {
                buffer = buffer[consumed..];
                if (message.Sequence != sequence)
                {
                    continue;
                }

                if (message.TryReadError(out int errno, out explanation))
                {
                    return errno;
                }

                onReply?.Invoke(message);
            }
        }
    }

    /// <summary>
    /// Sends the requests <paramref name="first"/> .. <paramref name="last"/> in one datagram, only the last asking for
    /// an ACK (NLM_F_ACK): the kernel handles the messages of a datagram in order and answers every failure with an
    /// NLMSG_ERROR whatever its flags, so the last one's answer means all were handled. Each failure goes to
    /// <paramref name="onError"/> (sequence number, errno, the kernel's explanation).
    /// </summary>
    public void RequestPipelined(ReadOnlySpan<byte> requests, uint first, uint last, Action<uint, int, string?> onError)
    {
        Send(requests);
        while (true)
        {
            int length = Receive();
            var buffer = _receive.AsSpan(0, length);
            while (NetlinkMessageView.TryRead(buffer, out var message, out int consumed))
            {
                buffer = buffer[consumed..];
                if (message.Sequence < first || message.Sequence > last || !message.TryReadError(out int errno, out string? explanation))
                {
                    continue;
                }

                if (errno != 0)
                {
                    onError(message.Sequence, errno, explanation);
                }

                if (message.Sequence == last)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Sends a dump request (NLM_F_DUMP) and hands every entry to <paramref name="onEntry"/> until NLMSG_DONE.
    /// Returns the errno of an NLMSG_ERROR that ends it instead (0: done); <paramref name="interrupted"/> tells
    /// that the kernel's table changed during the dump (NLM_F_DUMP_INTR), so the entries may be inconsistent.
    /// </summary>
    public int Dump(ReadOnlySpan<byte> request, uint sequence, NetlinkReplyHandler onEntry, out bool interrupted, out string? explanation)
    {
        Send(request);
        interrupted = false;
        explanation = null;
        while (true)
        {
            int length = Receive();
            var buffer = _receive.AsSpan(0, length);
            while (NetlinkMessageView.TryRead(buffer, out var message, out int consumed))
            {
                buffer = buffer[consumed..];
                if (message.Sequence != sequence)
                {
                    continue;
                }

                interrupted |= (message.Flags & NetlinkMessage.FlagDumpInterrupted) != 0;
                if (message.Type == NetlinkMessage.Done)
                {
                    return 0;
                }

                if (message.TryReadError(out int errno, out explanation))
                {
                    return errno;
                }

                onEntry(message);
            }
        }
    }

    /// <summary>
    /// Sends an nfnetlink batch (BATCH_BEGIN with <paramref name="beginSequence"/>, then messages with NLM_F_ACK and
    /// the sequence numbers <paramref name="firstAcked"/> to <paramref name="lastAcked"/>, then BATCH_END) and reads
    /// the answers: the kernel answers every message of the batch once the whole batch is processed, or only the
    /// BATCH_BEGIN when it refuses the batch as such (no subsystem, no permission). Returns the first error's errno
    /// (0: committed), the sequence number of the message it answers, and the kernel's explanation.
    /// </summary>
    public int Batch(ReadOnlySpan<byte> batch, uint beginSequence, uint firstAcked, uint lastAcked, out uint failedSequence, out string? explanation)
    {
        Send(batch);
        var answers = new NetlinkBatchAnswers(beginSequence, firstAcked, lastAcked);
        while (!answers.Take(_receive.AsSpan(0, Receive())))
        {
        }

        failedSequence = answers.FailedSequence;
        explanation = answers.Explanation;
        return answers.Errno;
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            _ = Libc.close(fd);
        }
    }

    private void Send(ReadOnlySpan<byte> request)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        fixed (byte* p = request)
        {
            while (true)
            {
                nint sent = Libc.send(_fd, p, (nuint)request.Length, 0);
                if (sent == request.Length)
                {
                    return;
                }

                int errno = Libc.Errno;
                if (sent < 0 && errno == Libc.EINTR)
                {
                    continue;
                }

                throw new KernelException($"{Name} send: {(sent < 0 ? Libc.Describe(errno) : "short write")}", sent < 0 ? errno : 0);
            }
        }
    }

    private int Receive()
    {
        fixed (byte* p = _receive)
        {
            while (true)
            {
                nint length = Libc.recv(_fd, p, (nuint)_receive.Length, Libc.MSG_TRUNC);
                if (length >= 0)
                {
                    if (length > _receive.Length)
                    {
                        throw new KernelException($"{Name}: an answer of {length} octets does not fit in {_receive.Length}");
                    }

                    return (int)length;
                }

                int errno = Libc.Errno;
                if (errno == Libc.EINTR)
                {
                    continue;
                }

                throw errno == Libc.EAGAIN
                    ? new KernelException($"{Name}: no answer from the kernel within {AnswerTimeoutSeconds} s", errno)
                    : new KernelException($"{Name} receive: {Libc.Describe(errno)}", errno);
            }
        }
    }
}
