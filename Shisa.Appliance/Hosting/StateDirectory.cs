using Shisa.DataPlane.State;

namespace Shisa.Appliance.Hosting;

/// <summary>
/// The run's state directory (DESIGN 5): created when missing, then locked for this instance. Every failure is one
/// line on the error writer, never a stack trace.
/// </summary>
internal static class StateDirectory
{
    /// <summary>The held lock of <paramref name="directory"/>; null, with the reason written, when it cannot be had.</summary>
    public static InstanceLock? Take(string directory, TextWriter error)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"shisa: cannot create the state directory {directory}: {ex.Message}");
            return null;
        }

        try
        {
            return InstanceLock.Acquire(directory);
        }
        catch (InstanceLockedException ex)
        {
            error.WriteLine($"shisa: {ex.Message}");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"shisa: cannot lock the state directory {directory}: {ex.Message}");
            return null;
        }
    }
}
