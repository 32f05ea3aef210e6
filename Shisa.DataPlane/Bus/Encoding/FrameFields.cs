using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;

namespace Shisa.DataPlane.Bus.Encoding;

/// <summary>
/// The field encodings every bus frame layout is made of (docs/bus-socket.md, "Fields"): integers big-endian,
/// addresses and prefixes behind a family octet, strings behind a length octet. Sizes are checked here once, on
/// the write side (an unencodable value is an <see cref="ArgumentException"/>), so the writer cannot fail after
/// <see cref="BusFrame.GetByteCount(MobilityMessage, string?)"/> succeeded.
/// </summary>
internal static class FrameFields
{
    /// <summary>Family octet: no address (an optional field left empty).</summary>
    public const byte FamilyNone = 0;

    /// <summary>Family octet: 4 octets of IPv4 address follow.</summary>
    public const byte FamilyIPv4 = 4;

    /// <summary>Family octet: 16 octets of IPv6 address follow.</summary>
    public const byte FamilyIPv6 = 6;

    public const int IPv4Length = 4;
    public const int IPv6Length = 16;
    public const int MaxStringLength = byte.MaxValue;
    public const int MaxListCount = byte.MaxValue;

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static int AddressSize(IPAddress? address, string field) => address?.AddressFamily switch
    {
        null => 1,
        AddressFamily.InterNetwork => 1 + IPv4Length,
        AddressFamily.InterNetworkV6 => 1 + IPv6Length,
        var other => throw new ArgumentException($"{field}: address family {other} cannot be encoded", field),
    };

    public static int RequiredAddressSize(IPAddress? address, string field) =>
        address is null ? throw new ArgumentException($"{field}: an address is required", field) : AddressSize(address, field);

    public static int PrefixSize(Prefix prefix, string field) =>
        prefix.Network is null ? throw new ArgumentException($"{field}: an empty prefix cannot be encoded", field) : 1 + AddressSize(prefix.Network, field);

    public static int PrefixListSize(EquatableArray<Prefix> prefixes, string field)
    {
        if (prefixes.Count > MaxListCount)
        {
            throw new ArgumentException($"{field}: {prefixes.Count} prefixes, at most {MaxListCount} can be encoded", field);
        }

        int size = 1;
        foreach (var prefix in prefixes)
        {
            size += PrefixSize(prefix, field);
        }

        return size;
    }

    public static int StringSize(string? text, string field)
    {
        int count = text is null ? 0 : s_utf8.GetByteCount(text);
        return count <= MaxStringLength
            ? 1 + count
            : throw new ArgumentException($"{field}: {count} octets of UTF-8, at most {MaxStringLength} can be encoded", field);
    }

    public static void CheckInterfaceIndex(int index, string field)
    {
        if (index < 0)
        {
            throw new ArgumentException($"{field}: a negative interface index ({index}) cannot be encoded", field);
        }
    }

    public static void CheckLifetime(TimeSpan lifetime, string field)
    {
        if (lifetime < TimeSpan.Zero || lifetime.TotalSeconds >= (double)uint.MaxValue + 1)
        {
            throw new ArgumentException($"{field}: lifetime {lifetime} is outside 0 .. 2^32-1 seconds", field);
        }
    }

    public static void CheckDefined<TEnum>(TEnum value, string field)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ArgumentException($"{field}: {value} is not a defined {typeof(TEnum).Name}", field);
        }
    }

    internal static UTF8Encoding Utf8 => s_utf8;
}

/// <summary>
/// Reads a frame's fields in order over octets whose length (the header's Length) was checked once. A field
/// running past the end is <see cref="BusFrameError.BadLength"/>; a value the layout forbids is
/// <see cref="BusFrameError.BadField"/>; either way <see cref="Refusal"/> names the field's offset.
/// </summary>
internal ref struct FrameFieldReader
{
    private readonly ReadOnlySpan<byte> _frame;

    public FrameFieldReader(ReadOnlySpan<byte> frame, int offset)
    {
        _frame = frame;
        Offset = offset;
    }

    public int Offset { get; private set; }

    public BusFrameRefusal Refusal { get; private set; }

    public int Remaining => _frame.Length - Offset;

    public bool Fail(BusFrameError error, int offset)
    {
        Refusal = new BusFrameRefusal(error, offset);
        return false;
    }

    public bool U8(out byte value)
    {
        if (Remaining < 1)
        {
            value = 0;
            return Fail(BusFrameError.BadLength, Offset);
        }

        value = _frame[Offset];
        Offset += 1;
        return true;
    }

    public bool U16(out ushort value)
    {
        if (Remaining < 2)
        {
            value = 0;
            return Fail(BusFrameError.BadLength, Offset);
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_frame[Offset..]);
        Offset += 2;
        return true;
    }

    public bool U32(out uint value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return Fail(BusFrameError.BadLength, Offset);
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_frame[Offset..]);
        Offset += 4;
        return true;
    }

    public bool I64(out long value)
    {
        if (Remaining < 8)
        {
            value = 0;
            return Fail(BusFrameError.BadLength, Offset);
        }

        value = BinaryPrimitives.ReadInt64BigEndian(_frame[Offset..]);
        Offset += 8;
        return true;
    }

    /// <summary>One octet, 0 or 1.</summary>
    public bool Bool(out bool value)
    {
        int at = Offset;
        value = false;
        if (!U8(out byte octet))
        {
            return false;
        }

        if (octet > 1)
        {
            return Fail(BusFrameError.BadField, at);
        }

        value = octet == 1;
        return true;
    }

    /// <summary>A u32 interface index, at most <see cref="int.MaxValue"/>.</summary>
    public bool InterfaceIndex(out int value)
    {
        int at = Offset;
        value = 0;
        if (!U32(out uint raw))
        {
            return false;
        }

        if (raw > int.MaxValue)
        {
            return Fail(BusFrameError.BadField, at);
        }

        value = (int)raw;
        return true;
    }

    /// <summary>A u32 lifetime in seconds.</summary>
    public bool Lifetime(out TimeSpan value)
    {
        value = default;
        if (!U32(out uint seconds))
        {
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>A u8 holding a value of <typeparamref name="TEnum"/> that is defined.</summary>
    public bool Enum8<TEnum>(out TEnum value)
        where TEnum : struct, Enum
    {
        int at = Offset;
        value = default;
        if (!U8(out byte raw))
        {
            return false;
        }

        value = (TEnum)Enum.ToObject(typeof(TEnum), raw);
        return Enum.IsDefined(value) || Fail(BusFrameError.BadField, at);
    }

    /// <summary>Family octet, then 4 or 16 octets; family 0 (no address) only when <paramref name="optional"/>.</summary>
    public bool Address(out IPAddress? address, bool optional)
    {
        int at = Offset;
        address = null;
        if (!U8(out byte family))
        {
            return false;
        }

        int length = family switch
        {
            FrameFields.FamilyIPv6 => FrameFields.IPv6Length,
            FrameFields.FamilyIPv4 => FrameFields.IPv4Length,
            FrameFields.FamilyNone when optional => 0,
            _ => -1,
        };
        if (length < 0)
        {
            return Fail(BusFrameError.BadField, at);
        }

        if (length == 0)
        {
            return true;
        }

        if (Remaining < length)
        {
            return Fail(BusFrameError.BadLength, Offset);
        }

        address = new IPAddress(_frame.Slice(Offset, length));
        Offset += length;
        return true;
    }

    public bool RequiredAddress(out IPAddress address)
    {
        bool ok = Address(out var read, optional: false);
        address = read!;
        return ok;
    }

    /// <summary>Prefix length octet, then an address (family 4 or 6); the length fits the family and host bits are clear.</summary>
    public bool Prefix(out Prefix prefix)
    {
        int at = Offset;
        prefix = default;
        if (!U8(out byte length) || !RequiredAddress(out var network))
        {
            return false;
        }

        int max = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (length > max)
        {
            return Fail(BusFrameError.BadField, at);
        }

        prefix = new Prefix(network, length);
        // Canonical form only: a prefix with host bits set would not write back to the same octets.
        return prefix.Network.Equals(network) || Fail(BusFrameError.BadField, at + 1);
    }

    /// <summary>Count octet, then that many prefixes.</summary>
    public bool PrefixList(out EquatableArray<Prefix> prefixes)
    {
        prefixes = default;
        if (!U8(out byte count))
        {
            return false;
        }

        if (count == 0)
        {
            return true;
        }

        var list = new Prefix[count];
        for (int i = 0; i < count; i++)
        {
            if (!Prefix(out list[i]))
            {
                return false;
            }
        }

        prefixes = EquatableArray.Create<Prefix>(list);
        return true;
    }

    /// <summary>Length octet, then that many octets of valid UTF-8.</summary>
    public bool String(out string value)
    {
        value = "";
        if (!U8(out byte length))
        {
            return false;
        }

        if (Remaining < length)
        {
            return Fail(BusFrameError.BadLength, Offset);
        }

        var bytes = _frame.Slice(Offset, length);
        if (!Utf8.IsValid(bytes))
        {
            return Fail(BusFrameError.BadField, Offset - 1);
        }

        value = length == 0 ? "" : FrameFields.Utf8.GetString(bytes);
        Offset += length;
        return true;
    }
}

/// <summary>Writes a frame's fields in order into octets sized by <see cref="BusFrame.GetByteCount(MobilityMessage, string?)"/>.</summary>
internal ref struct FrameFieldWriter
{
    private readonly Span<byte> _frame;

    public FrameFieldWriter(Span<byte> frame, int offset)
    {
        _frame = frame;
        Offset = offset;
    }

    public int Offset { get; private set; }

    public void U8(byte value) => _frame[Offset++] = value;

    public void U16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_frame[Offset..], value);
        Offset += 2;
    }

    public void U32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_frame[Offset..], value);
        Offset += 4;
    }

    public void I64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_frame[Offset..], value);
        Offset += 8;
    }

    public void Bool(bool value) => U8(value ? (byte)1 : (byte)0);

    public void Lifetime(TimeSpan lifetime) => U32((uint)Math.Floor(lifetime.TotalSeconds));

    public void Address(IPAddress? address)
    {
        switch (address?.AddressFamily)
        {
            case null:
                U8(FrameFields.FamilyNone);
                break;
            case AddressFamily.InterNetwork:
                U8(FrameFields.FamilyIPv4);
                address.TryWriteBytes(_frame.Slice(Offset, FrameFields.IPv4Length), out _);
                Offset += FrameFields.IPv4Length;
                break;
            default:
                U8(FrameFields.FamilyIPv6);
                address.TryWriteBytes(_frame.Slice(Offset, FrameFields.IPv6Length), out _);
                Offset += FrameFields.IPv6Length;
                break;
        }
    }

    public void Prefix(Prefix prefix)
    {
        U8((byte)prefix.Length);
        Address(prefix.Network);
    }

    public void PrefixList(EquatableArray<Prefix> prefixes)
    {
        U8((byte)prefixes.Count);
        foreach (var prefix in prefixes)
        {
            Prefix(prefix);
        }
    }

    public void String(string? value)
    {
        int count = value is null ? 0 : FrameFields.Utf8.GetBytes(value, _frame[(Offset + 1)..]);
        U8((byte)count);
        Offset += count;
    }
}
