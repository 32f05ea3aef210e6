using System.Diagnostics;
using Shisa.DataPlane.State;

namespace Shisa.DataPlane.Tests.State;

/// <summary>
/// <see cref="InstanceLock"/>: one holder per state directory, a refused acquirer told the holder's pid. flock locks
/// belong to the open file description, so a second acquisition in this process is a second acquirer too.
/// </summary>
public class InstanceLockTests
{
    [Test]
    public void The_first_acquirer_holds_the_lock_and_writes_its_pid()
    {
        // Read with a plain open: File.ReadAllText takes a shared flock, which the holder's exclusive one refuses.
        using var directory = new ScratchDirectory();
        using var held = InstanceLock.Acquire(directory.Path);
        Assert.That(InstanceLock.ReadHolderPid(directory.Path), Is.EqualTo(Environment.ProcessId));
    }

    [Test]
    public void A_second_acquirer_is_refused_with_the_holders_pid_until_the_holder_disposes()
    {
        using var directory = new ScratchDirectory();
        var held = InstanceLock.Acquire(directory.Path);
        var refused = Assert.Throws<InstanceLockedException>(() => InstanceLock.Acquire(directory.Path));
        Assert.Multiple(() =>
        {
            Assert.That(refused!.HolderPid, Is.EqualTo(Environment.ProcessId));
            Assert.That(refused.Message, Is.EqualTo($"another instance (pid {Environment.ProcessId}) is running with state directory {directory.Path}"));
        });

        held.Dispose();
        using var next = InstanceLock.Acquire(directory.Path);
        Assert.That(next.Path, Is.EqualTo(Path.Combine(directory.Path, "lock")));
    }

    [Test]
    [CancelAfter(20_000)]
    public void A_lock_held_by_another_process_is_refused_and_released_when_that_process_dies()
    {
        using var directory = new ScratchDirectory();
        string lockFile = Path.Combine(directory.Path, "lock");

        // flock(1) takes LOCK_EX on the file and runs the shell as its child, which writes flock's pid (its parent's)
        // into the file, says so, and waits in cat until its stdin closes.
        var start = new ProcessStartInfo("flock", ["-n", lockFile, "/bin/sh", "-c", $"echo $PPID > '{lockFile}'; echo ready; exec cat"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var child = Process.Start(start)!;
        try
        {
            Assert.That(child.StandardOutput.ReadLine(), Is.EqualTo("ready"));
            var refused = Assert.Throws<InstanceLockedException>(() => InstanceLock.Acquire(directory.Path));
            Assert.That(refused?.HolderPid, Is.EqualTo(child.Id));
        }
        finally
        {
            child.StandardInput.Close();
            child.WaitForExit();
        }

        using var after = InstanceLock.Acquire(directory.Path);
        Assert.That(InstanceLock.ReadHolderPid(directory.Path), Is.EqualTo(Environment.ProcessId));
    }

    [Test]
    public void A_missing_directory_is_an_io_error_naming_the_lock_file()
    {
        var ex = Assert.Throws<IOException>(() => InstanceLock.Acquire("/nonexistent-shisa-state"))
            ?? throw new AssertionException("unreachable");
        Assert.That(ex.Message, Does.Contain("/nonexistent-shisa-state/lock"));
    }
}
