using System.Runtime.InteropServices;
using System.Text;

namespace Shisa.Appliance.Extensions;

/// <summary>What is at a path, as far as a Unix socket server cares.</summary>
internal enum PathKind
{
    Missing,
    Socket,
    Other,

    /// <summary>The path exists but its type could not be read (no statx in this libc).</summary>
    Unknown,
}

/// <summary>
/// The file type and inode of a path through Linux statx(2), whose <c>struct statx</c> has one layout on every
/// architecture (unlike <c>struct stat</c>): <c>stx_mode</c> at offset 28, <c>stx_ino</c> at 32.
/// </summary>
internal static partial class UnixSocketFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x0001;
    private const uint StatxIno = 0x0100;
    private const int StatxSize = 256;
    private const int ModeOffset = 28;
    private const int InodeOffset = 32;
    private const int FileTypeMask = 0xF000;
    private const int SocketType = 0xC000;
    private const int ENOENT = 2;

    /// <summary>The kind of the file at <paramref name="path"/> (symbolic links are not followed) and its inode.</summary>
    public static PathKind Inspect(string path, out ulong inode)
    {
        inode = 0;
        var buffer = new byte[StatxSize];
        int result;
        try
        {
            result = statx(AtFdCwd, NullTerminated(path), AtSymlinkNoFollow, StatxType | StatxIno, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            return File.Exists(path) || Directory.Exists(path) ? PathKind.Unknown : PathKind.Missing;
        }

        if (result != 0)
        {
            return Marshal.GetLastPInvokeError() == ENOENT ? PathKind.Missing : PathKind.Unknown;
        }

        inode = BitConverter.ToUInt64(buffer, InodeOffset);
        ushort mode = BitConverter.ToUInt16(buffer, ModeOffset);
        return (mode & FileTypeMask) == SocketType ? PathKind.Socket : PathKind.Other;
    }

    /// <summary>A path or name as libc takes it: UTF-8, NUL-terminated.</summary>
    internal static byte[] NullTerminated(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

#pragma warning disable SYSLIB1054 // blittable arguments only: no marshalling for a source generator to do
    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, byte[] path, int flags, uint mask, byte[] buffer);
#pragma warning restore SYSLIB1054
}
