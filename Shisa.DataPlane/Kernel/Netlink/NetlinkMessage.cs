using System.Buffers.Binary;

namespace Shisa.DataPlane.Kernel.Netlink;

/// <summary>
/// The netlink message header and its constants (netlink(7), linux/netlink.h). Netlink is in host byte order;
/// every message and attribute is aligned to 4 octets.
/// <code>
///  0               1               2               3
/// +---------------------------------------------------------------+
/// |                      nlmsg_len (u32)                          |  whole message, header included
/// +-------------------------------+-------------------------------+
/// |        nlmsg_type (u16)       |       nlmsg_flags (u16)       |
/// +-------------------------------+-------------------------------+
/// |                      nlmsg_seq (u32)                          |
/// +---------------------------------------------------------------+
/// |                      nlmsg_pid (u32)                          |
/// +---------------------------------------------------------------+
/// |   payload: a family header (rtmsg, ifaddrmsg, nfgenmsg...), then attributes
/// </code>
/// </summary>
public static class NetlinkMessage
{
    /// <summary>sizeof(struct nlmsghdr).</summary>
    public const int HeaderLength = 16;

    // Message types every family shares (linux/netlink.h).
    public const ushort Noop = 1;      // NLMSG_NOOP
    public const ushort Error = 2;     // NLMSG_ERROR: struct nlmsgerr, also the ACK (error 0)
    public const ushort Done = 3;      // NLMSG_DONE: the end of a dump
    public const ushort Overrun = 4;   // NLMSG_OVERRUN
    public const ushort MinType = 16;  // NLMSG_MIN_TYPE: the first family-specific type

    // nlmsg_flags (linux/netlink.h).
    public const ushort FlagRequest = 0x1;     // NLM_F_REQUEST
    public const ushort FlagMulti = 0x2;       // NLM_F_MULTI: part of a multipart reply
    public const ushort FlagAck = 0x4;         // NLM_F_ACK: answer with an NLMSG_ERROR, error 0 on success
    public const ushort FlagDumpInterrupted = 0x10; // NLM_F_DUMP_INTR: the dump changed under us
    public const ushort FlagDump = 0x300;      // NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
    public const ushort FlagReplace = 0x100;   // NLM_F_REPLACE (NEW requests)
    public const ushort FlagExclusive = 0x200; // NLM_F_EXCL
    public const ushort FlagCreate = 0x400;    // NLM_F_CREATE
    public const ushort FlagAppend = 0x800;    // NLM_F_APPEND

    // Acknowledgement flags (in an NLMSG_ERROR's own header) and the extended-ACK attributes after it.
    public const ushort AckFlagCapped = 0x100;   // NLM_F_CAPPED: the echoed request is its header only
    public const ushort AckFlagTlvs = 0x200;     // NLM_F_ACK_TLVS: attributes follow
    public const ushort ErrorAttributeMessage = 1; // NLMSGERR_ATTR_MSG: a NUL-terminated explanation

    /// <summary>A length rounded up to the netlink alignment (NLMSG_ALIGN, NLA_ALIGN: 4).</summary>
    public static int Align(int length) => (length + 3) & ~3;

    /// <summary>Sets <paramref name="flags"/> in the nlmsghdr at the start of <paramref name="message"/> (nlmsg_flags, host order).</summary>
    public static void AddFlags(Span<byte> message, ushort flags)
    {
        var field = message.Slice(6, 2);
        System.Runtime.InteropServices.MemoryMarshal.Write(field, (ushort)(System.Runtime.InteropServices.MemoryMarshal.Read<ushort>(field) | flags));
    }
}

/// <summary>
/// A checked view of one netlink message at the start of a buffer: after <see cref="TryRead"/> succeeds, its
/// length has been checked against the buffer and no accessor can fail.
/// </summary>
public readonly ref struct NetlinkMessageView
{
    private readonly ReadOnlySpan<byte> _message;

    private NetlinkMessageView(ReadOnlySpan<byte> message) => _message = message;

    public int Length => _message.Length;

    /// <summary>The whole message, header included.</summary>
    public ReadOnlySpan<byte> Bytes => _message;

    public ushort Type => HostUInt16(_message[4..]);

    public ushort Flags => HostUInt16(_message[6..]);

    public uint Sequence => HostUInt32(_message[8..]);

    public uint PortId => HostUInt32(_message[12..]);

    /// <summary>What follows the header: the family header, then attributes.</summary>
    public ReadOnlySpan<byte> Payload => _message[NetlinkMessage.HeaderLength..];

    /// <summary>
    /// Reads the message at the start of <paramref name="buffer"/>; <paramref name="bytesConsumed"/> is its aligned
    /// length (the offset of the next message, at most the buffer's length). False when the header is truncated or
    /// its length is impossible.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> buffer, out NetlinkMessageView message, out int bytesConsumed)
    {
        message = default;
        bytesConsumed = 0;
        if (buffer.Length < NetlinkMessage.HeaderLength)
        {
            return false;
        }

        uint length = HostUInt32(buffer);
        if (length < NetlinkMessage.HeaderLength || length > (uint)buffer.Length)
        {
            return false;
        }

        message = new NetlinkMessageView(buffer[..(int)length]);
        bytesConsumed = Math.Min(NetlinkMessage.Align((int)length), buffer.Length);
        return true;
    }

    /// <summary>
    /// The errno of an NLMSG_ERROR (positive; 0 for an ACK) and the kernel's extended-ACK explanation, if any.
    /// <code>struct nlmsgerr: s32 error | struct nlmsghdr msg (the request's header, or all of it) | attributes</code>
    /// </summary>
    public bool TryReadError(out int errno, out string? explanation)
    {
        errno = 0;
        explanation = null;
        var payload = Payload;
        if (Type != NetlinkMessage.Error || payload.Length < 4)
        {
            return false;
        }

        errno = -(int)HostUInt32(payload);
        if ((Flags & NetlinkMessage.AckFlagTlvs) == 0 || payload.Length < 4 + NetlinkMessage.HeaderLength)
        {
            return true;
        }

        int echoed = NetlinkMessage.HeaderLength;
        if ((Flags & NetlinkMessage.AckFlagCapped) == 0)
        {
            echoed = NetlinkMessage.Align((int)Math.Min(HostUInt32(payload[4..]), (uint)(payload.Length - 4)));
        }

        if (4 + echoed > payload.Length)
        {
            return true;
        }

        var attributes = new NetlinkAttributeReader(payload[(4 + echoed)..]);
        while (attributes.TryReadNext(out ushort type, out var data))
        {
            if (type == NetlinkMessage.ErrorAttributeMessage)
            {
                explanation = NetlinkAttributeReader.ReadString(data);
            }
        }

        return true;
    }

    internal static ushort HostUInt16(ReadOnlySpan<byte> bytes) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : BinaryPrimitives.ReadUInt16BigEndian(bytes);

    internal static uint HostUInt32(ReadOnlySpan<byte> bytes) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
}

/// <summary>
/// Walks the attributes (struct rtattr / struct nlattr, the same layout) of a payload. A truncated or
/// impossible attribute ends the walk.
/// <code>
/// +-------------------------------+-------------------------------+
/// |        rta_len (u16)          |        rta_type (u16)         |   rta_len includes these 4 octets
/// +-------------------------------+-------------------------------+
/// |   data, padded to 4
/// </code>
/// </summary>
public ref struct NetlinkAttributeReader
{
    /// <summary>sizeof(struct rtattr), sizeof(struct nlattr).</summary>
    public const int HeaderLength = 4;

    /// <summary>NLA_F_NESTED | NLA_F_NET_BYTEORDER: flags in the type's top bits, not part of the type.</summary>
    public const ushort TypeFlagsMask = 0xC000;

    /// <summary>NLA_F_NESTED: the attribute holds attributes.</summary>
    public const ushort FlagNested = 0x8000;

    private ReadOnlySpan<byte> _remaining;

    public NetlinkAttributeReader(ReadOnlySpan<byte> attributes) => _remaining = attributes;

    /// <summary>The next attribute's type (without the nested and byte-order flags) and data.</summary>
    public bool TryReadNext(out ushort type, out ReadOnlySpan<byte> data)
    {
        type = 0;
        data = default;
        if (_remaining.Length < HeaderLength)
        {
            return false;
        }

        ushort length = NetlinkMessageView.HostUInt16(_remaining);
        if (length < HeaderLength || length > _remaining.Length)
        {
            _remaining = default;
            return false;
        }

        type = (ushort)(NetlinkMessageView.HostUInt16(_remaining[2..]) & ~TypeFlagsMask);
        data = _remaining[HeaderLength..length];
        int next = NetlinkMessage.Align(length);
        _remaining = next >= _remaining.Length ? default : _remaining[next..];
        return true;
    }

    /// <summary>A NUL-terminated string attribute (the NUL and what follows it are dropped).</summary>
    public static string ReadString(ReadOnlySpan<byte> data)
    {
        int end = data.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end >= 0 ? data[..end] : data);
    }

    /// <summary>A u32 attribute in host byte order; false when the data is shorter.</summary>
    public static bool TryReadUInt32(ReadOnlySpan<byte> data, out uint value)
    {
        value = data.Length >= 4 ? NetlinkMessageView.HostUInt32(data) : 0;
        return data.Length >= 4;
    }
}
