using System.Buffers.Binary;

namespace Shisa.DataPlane.State;

/// <summary>
/// The first octets of a binding journal file; records (<see cref="JournalRecord"/>) follow it to the end.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Magic "SHISAJNL" (8 octets)               |  0
/// +                                                               +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          Version (2)                          |  8
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        Reserved (0)                           |  12
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Version 2 added the optional UDP endpoint after a record's bus frame (<see cref="JournalRecord"/>); a version 1
/// file is read the same way (its records have none) and the compaction at open rewrites it as version 2. An older
/// build refuses a version 2 file by its header rather than cutting records it cannot read.
/// </summary>
internal static class JournalFileHeader
{
    public const int Size = 16;
    public const uint Version = 2;

    /// <summary>The oldest version this build reads.</summary>
    public const uint OldestReadable = 1;

    private const int VersionOffset = 8;

    private static ReadOnlySpan<byte> Magic => "SHISAJNL"u8;

    public static void Write(Span<byte> destination)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[VersionOffset..], Version);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(VersionOffset + 4)..], 0);
    }

    /// <summary>Null when <paramref name="source"/> starts with a header this version reads; otherwise what is wrong with it.</summary>
    public static string? Check(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            return $"the file header is cut short ({source.Length} of {Size} octets)";
        }

        if (!source[..Magic.Length].SequenceEqual(Magic))
        {
            return "the file does not start with a journal header";
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(source[VersionOffset..]);
        if (version is < OldestReadable or > Version)
        {
            return $"journal version {version}, this version reads {OldestReadable} to {Version}";
        }

        uint reserved = BinaryPrimitives.ReadUInt32BigEndian(source[(VersionOffset + 4)..]);
        return reserved == 0 ? null : $"the file header's reserved field is {reserved:x8}, not 0";
    }
}
