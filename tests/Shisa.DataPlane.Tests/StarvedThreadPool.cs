namespace Shisa.DataPlane.Tests;

/// <summary>
/// Blocks every thread-pool thread there is (and, with extra queued items, any the pool adds meanwhile) until
/// disposed: what signalling sends waiting on pool threads do to a 2-core board. Code that must not depend on the
/// pool is run under it.
/// </summary>
internal sealed class StarvedThreadPool : IDisposable
{
    private const int ExtraItems = 256;
    private readonly ManualResetEventSlim _release = new();

    private StarvedThreadPool()
    {
    }

    public static StarvedThreadPool Start()
    {
        var starved = new StarvedThreadPool();
        ThreadPool.GetMinThreads(out int workers, out _);
        int started = 0;
        for (int i = 0; i < workers + ExtraItems; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => { Interlocked.Increment(ref started); starved._release.Wait(); }, null);
        }

        if (!SpinWait.SpinUntil(() => Volatile.Read(ref started) >= workers, TimeSpan.FromSeconds(10)))
        {
            starved.Dispose();
            throw new InvalidOperationException("the pool threads did not all get busy");
        }

        return starved;
    }

    public void Dispose() => _release.Set();
}
