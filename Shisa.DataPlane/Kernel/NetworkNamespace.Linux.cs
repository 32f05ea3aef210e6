using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Shisa.DataPlane.Kernel;

/// <summary>
/// Runs code in a named network namespace (<c>/var/run/netns/NAME</c>, as <c>ip netns</c> makes them) on a
/// short-lived thread of its own that enters the namespace with setns(2). Sockets, packet sockets and TUN
/// devices created there stay in that namespace after the thread ends, so one process can open ports in
/// several namespaces (tests, <c>shisa demo</c>). The calling thread's namespace never changes.
/// </summary>
public static partial class NetworkNamespace
{
    private const int CLONE_NEWNET = 0x40000000;
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    /// <summary>The path of a named namespace.</summary>
    public static string PathOf(string name) => System.IO.Path.Combine("/var/run/netns", name);

    /// <summary>Runs <paramref name="action"/> inside namespace <paramref name="name"/> (null: the current one) and returns its result.</summary>
    public static T Invoke<T>(string? name, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (name is null)
        {
            return action();
        }

        int fd = open(PathOf(name), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot open network namespace '{name}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
        }

        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (setns(fd, CLONE_NEWNET) < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    throw new IOException($"setns into '{name}' failed: {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
                }

                result = action();
            }
#pragma warning disable CA1031 // carried over to the caller's thread
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(exception);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {name}",
        };

        try
        {
            thread.Start();
            thread.Join();
        }
        finally
        {
            _ = close(fd);
        }

        failure?.Throw();
        return result;
    }

    /// <summary>Runs <paramref name="action"/> inside namespace <paramref name="name"/> (null: the current one).</summary>
    public static void Invoke(string? name, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Invoke<bool>(name, () =>
        {
            action();
            return true;
        });
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nsType);
}
