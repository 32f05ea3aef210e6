using System.Globalization;
using System.Text;
using Shisa.DataPlane.Ports;

namespace Shisa.DataPlane.State;

/// <summary>
/// One instance per state directory (DESIGN 5): an exclusive flock(2) on <c>&lt;state directory&gt;/lock</c>, taken
/// before anything touches the kernel and held until <see cref="Dispose"/> (or the process's death: the kernel drops
/// the lock with the last descriptor, so a kill -9 leaves nothing to clean up). The holder's pid is written into the
/// file for the next acquirer's message. flock locks belong to the open file description: a second open of the file,
/// in this process or another, is refused.
/// </summary>
/// <remarks>
/// A P/Invoke rather than <c>FileStream(FileShare.None)</c>: .NET's own flock there is switched off by
/// DOTNET_SYSTEM_IO_DISABLEFILELOCKING, and the refused opener could not read the holder's pid through a FileStream
/// (its shared lock is refused too).
/// </remarks>
public sealed class InstanceLock : IDisposable
{
    public const string FileName = "lock";

    private const uint FileMode = 0x1A4; // 0644

    private int _fd;

    private InstanceLock(int fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    /// <summary>The lock file's path.</summary>
    public string Path { get; }

    /// <summary>Takes the lock of <paramref name="directory"/> (which must exist) and writes this process's pid into it.</summary>
    /// <exception cref="InstanceLockedException">Another open of the lock file holds it; names the pid written there.</exception>
    /// <exception cref="IOException">The lock file cannot be opened or written.</exception>
    public static InstanceLock Acquire(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string path = System.IO.Path.Combine(directory, FileName);
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, FileMode);
        if (fd < 0)
        {
            throw Libc.Fail($"open({path})");
        }

        if (Libc.flock(fd, Libc.LOCK_EX | Libc.LOCK_NB) < 0)
        {
            int errno = Libc.Errno;
            int? holder = errno == Libc.EAGAIN ? ReadPid(fd) : null;
            Libc.close(fd);
            if (errno == Libc.EAGAIN)
            {
                throw new InstanceLockedException(directory, holder);
            }

            throw new IOException($"flock({path}) failed: {Libc.Describe(errno)} (errno {errno}).", errno);
        }

        try
        {
            WritePid(fd, path, Environment.ProcessId);
        }
        catch
        {
            Libc.close(fd);
            throw;
        }

        return new InstanceLock(fd, path);
    }

    /// <summary>
    /// The pid written in <paramref name="directory"/>'s lock file, read without taking a lock (a FileStream would be
    /// refused: it takes a shared flock); null when there is no file or no pid in it.
    /// </summary>
    public static int? ReadHolderPid(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        int fd = Libc.open(System.IO.Path.Combine(directory, FileName), Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            return ReadPid(fd);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    /// <summary>Releases the lock (the file stays; the next holder overwrites the pid).</summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            Libc.close(fd);
        }
    }

    private static unsafe void WritePid(int fd, string path, int pid)
    {
        byte[] text = Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture) + "\n");
        if (Libc.ftruncate(fd, 0) < 0)
        {
            throw Libc.Fail($"ftruncate({path})");
        }

        fixed (byte* bytes = text)
        {
            if (Libc.pwrite(fd, bytes, (nuint)text.Length, 0) != text.Length)
            {
                throw Libc.Fail($"write({path})");
            }
        }
    }

    private static unsafe int? ReadPid(int fd)
    {
        byte* buffer = stackalloc byte[32];
        nint count = Libc.pread(fd, buffer, 32, 0);
        if (count <= 0)
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(buffer, (int)count).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0 ? pid : null;
    }
}

/// <summary>The state directory's lock is held by another instance.</summary>
public sealed class InstanceLockedException(string directory, int? holderPid)
    : IOException($"another instance ({(holderPid is { } pid ? $"pid {pid}" : "pid unknown")}) is running with state directory {directory}")
{
    public string Directory { get; } = directory;

    /// <summary>The pid written in the lock file by its holder; null when the file holds none yet.</summary>
    public int? HolderPid { get; } = holderPid;
}
