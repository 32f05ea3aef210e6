using System.Globalization;
using System.Runtime.InteropServices;

namespace Shisa.Appliance.Extensions;

/// <summary>Group lookup (getgrnam(3), through NSS) and the group owner of a file (chown(2)).</summary>
internal static partial class UnixGroup
{
    /// <summary>The id of <paramref name="group"/> (a name, or a number taken as it is); null when no such group exists.</summary>
    public static uint? Resolve(string group)
    {
        if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out uint gid))
        {
            return gid;
        }

        // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }: gr_gid after two pointers.
        IntPtr entry = getgrnam(UnixSocketFile.NullTerminated(group));
        return entry == IntPtr.Zero ? null : (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size);
    }

    /// <summary>Makes <paramref name="gid"/> the group of <paramref name="path"/> (the owner is unchanged).</summary>
    /// <exception cref="IOException">chown failed (e.g. EPERM: the process is not root and not in the group).</exception>
    public static void SetGroup(string path, uint gid)
    {
        if (chown(UnixSocketFile.NullTerminated(path), uint.MaxValue, gid) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot give {path} to group {gid}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

#pragma warning disable SYSLIB1054 // blittable arguments only: no marshalling for a source generator to do
    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr getgrnam(byte[] name);

    [DllImport("libc", SetLastError = true)]
    private static extern int chown(byte[] path, uint owner, uint group);
#pragma warning restore SYSLIB1054
}
