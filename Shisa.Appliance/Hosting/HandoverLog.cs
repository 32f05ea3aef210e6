using Shisa.Appliance.Web;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Hosting;

/// <summary>
/// The handovers the moving modules (<see cref="IHandoverSource"/>) report, for the status page's timeline and the
/// duration histogram of /metrics. A source keeps only its recent ones, so <see cref="Collect"/> (on every capture
/// and every binding update list change) copies the new ones out: the histogram only grows, the timeline is bounded.
/// </summary>
internal sealed class HandoverLog(int capacity = HandoverLog.DefaultCapacity)
{
    public const int DefaultCapacity = 64;

    /// <summary>Upper bounds in seconds, from a quick re-registration to a slow one across a lossy link.</summary>
    public static readonly IReadOnlyList<double> Buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Lock _gate = new();
    private readonly List<(IHandoverSource Source, Handover? Last)> _sources = [];
    private readonly LinkedList<Handover> _recent = new();
    private readonly long[] _bucketCounts = new long[Buckets.Count];
    private double _sum;
    private long _count;

    public void Add(IHandoverSource source)
    {
        lock (_gate)
        {
            _sources.Add((source, null));
        }
    }

    /// <summary>Copies out the handovers each source reported since the last call.</summary>
    public void Collect()
    {
        lock (_gate)
        {
            for (int s = 0; s < _sources.Count; s++)
            {
                var (source, last) = _sources[s];
                var handovers = source.GetHandovers();
                int first = 0;
                if (last is not null)
                {
                    // After the last one seen; when it rolled out of the source's window, everything is new.
                    for (int i = handovers.Count - 1; i >= 0; i--)
                    {
                        if (handovers[i].Equals(last))
                        {
                            first = i + 1;
                            break;
                        }
                    }
                }

                for (int i = first; i < handovers.Count; i++)
                {
                    Observe(handovers[i]);
                }

                if (handovers.Count > 0)
                {
                    _sources[s] = (source, handovers[^1]);
                }
            }
        }
    }

    private void Observe(Handover handover)
    {
        _recent.AddFirst(handover);
        while (_recent.Count > capacity)
        {
            _recent.RemoveLast();
        }

        double seconds = Math.Max(0, handover.Duration.TotalSeconds);
        for (int b = 0; b < Buckets.Count; b++)
        {
            if (seconds <= Buckets[b])
            {
                _bucketCounts[b]++;
            }
        }

        _sum += seconds;
        _count++;
    }

    /// <summary>The timeline, the latest registration first.</summary>
    public List<HandoverStatus> Recent()
    {
        lock (_gate)
        {
            return [.. _recent.OrderByDescending(h => h.BoundAt).Select(h => new HandoverStatus(
                h.MovedAt,
                h.From?.ToString(),
                h.To.ToString(),
                h.InterfaceName,
                (long)Math.Round(Math.Max(0, h.Duration.TotalMilliseconds))))];
        }
    }

    public DurationHistogram Histogram()
    {
        lock (_gate)
        {
            return new DurationHistogram(Buckets, [.. _bucketCounts], _sum, _count);
        }
    }
}
