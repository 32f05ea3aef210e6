using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Shisa.DataPlane.Kernel.Netlink;

/// <summary>
/// Writes netlink messages and their attributes into a caller's buffer. Nothing throws on a full buffer: the
/// writer remembers it and <see cref="TryGetWritten"/> answers false, so a caller writes a whole request and
/// checks once. Lengths (nlmsg_len, a nested attribute's rta_len) are patched when a message or nest ends.
/// </summary>
public ref struct NetlinkWriter
{
    private readonly Span<byte> _buffer;
    private int _position;
    private bool _overflowed;

    public NetlinkWriter(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Octets written so far.</summary>
    public readonly int Position => _position;

    /// <summary>Whether everything fitted; <paramref name="bytesWritten"/> is the length of what was written.</summary>
    public readonly bool TryGetWritten(out int bytesWritten)
    {
        bytesWritten = _overflowed ? 0 : _position;
        return !_overflowed;
    }

    /// <summary>Starts a message (nlmsghdr with a zero length, patched by <see cref="EndMessage"/>); returns its offset.</summary>
    public int BeginMessage(ushort type, ushort flags, uint sequence)
    {
        int start = _position;
        var header = Reserve(NetlinkMessage.HeaderLength);
        if (!header.IsEmpty)
        {
            WriteHost32(header, 0);
            WriteHost16(header[4..], type);
            WriteHost16(header[6..], flags);
            WriteHost32(header[8..], sequence);
            WriteHost32(header[12..], 0); // nlmsg_pid: the kernel is port 0
        }

        return start;
    }

    public void EndMessage(int start)
    {
        if (!_overflowed)
        {
            WriteHost32(_buffer[start..], (uint)(_position - start));
        }
    }

    /// <summary>Raw octets (a family header), padded to 4.</summary>
    public void WriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        var span = Reserve(NetlinkMessage.Align(bytes.Length));
        if (!span.IsEmpty)
        {
            bytes.CopyTo(span);
        }
    }

    /// <summary>A zeroed family header of <paramref name="length"/> octets to fill in; empty when the buffer is full.</summary>
    public Span<byte> WriteHeader(int length)
    {
        var span = Reserve(NetlinkMessage.Align(length));
        return span.IsEmpty ? span : span[..length];
    }

    public void WriteAttribute(ushort type, scoped ReadOnlySpan<byte> data)
    {
        var span = Reserve(NetlinkMessage.Align(NetlinkAttributeReader.HeaderLength + data.Length));
        if (!span.IsEmpty)
        {
            WriteHost16(span, (ushort)(NetlinkAttributeReader.HeaderLength + data.Length));
            WriteHost16(span[2..], type);
            data.CopyTo(span[NetlinkAttributeReader.HeaderLength..]);
        }
    }

    public void WriteAttributeUInt8(ushort type, byte value) => WriteAttribute(type, [value]);

    /// <summary>A u32 attribute in host byte order (rtnetlink).</summary>
    public void WriteAttributeUInt32(ushort type, uint value)
    {
        Span<byte> data = stackalloc byte[4];
        WriteHost32(data, value);
        WriteAttribute(type, data);
    }

    /// <summary>A u32 attribute in network byte order (nf_tables' NLA_BE32).</summary>
    public void WriteAttributeBigEndian32(ushort type, uint value)
    {
        Span<byte> data = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(data, value);
        WriteAttribute(type, data);
    }

    /// <summary>A NUL-terminated string attribute (NLA_STRING / NLA_NUL_STRING).</summary>
    public void WriteAttributeString(ushort type, string value)
    {
        Span<byte> data = stackalloc byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, data);
        data[^1] = 0;
        WriteAttribute(type, data);
    }

    /// <summary>An address attribute: its 16 (or 4) octets in network order.</summary>
    public void WriteAttributeAddress(ushort type, IPAddress address)
    {
        Span<byte> data = stackalloc byte[16];
        if (!address.TryWriteBytes(data, out int written))
        {
            _overflowed = true;
            return;
        }

        WriteAttribute(type, data[..written]);
    }

    /// <summary>Starts a nested attribute (NLA_F_NESTED set); returns its offset for <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        int start = _position;
        var span = Reserve(NetlinkAttributeReader.HeaderLength);
        if (!span.IsEmpty)
        {
            WriteHost16(span, 0);
            WriteHost16(span[2..], (ushort)(type | NetlinkAttributeReader.FlagNested));
        }

        return start;
    }

    public void EndNested(int start)
    {
        if (!_overflowed)
        {
            WriteHost16(_buffer[start..], (ushort)(_position - start));
        }
    }

    private Span<byte> Reserve(int length)
    {
        if (_overflowed || _buffer.Length - _position < length)
        {
            _overflowed = true;
            return default;
        }

        var span = _buffer.Slice(_position, length);
        span.Clear();
        _position += length;
        return span;
    }

    internal static void WriteHost16(Span<byte> span, ushort value)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, value);
        }
    }

    internal static void WriteHost32(Span<byte> span, uint value)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, value);
        }
    }
}
