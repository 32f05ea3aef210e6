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
    private readonly LinkedList<Entry> _recent = new();
    private Func<DateTimeOffset?>? _firstPacket;
    private readonly List<IDetectionSource> _detectors = [];
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

    /// <summary>A movement detector whose detections give each handover its breakdown.</summary>
    public void Add(IDetectionSource detector)
    {
        lock (_gate)
        {
            _detectors.Add(detector);
        }
    }

    /// <summary>
    /// Where the first tunnelled packet after the latest registration is read (the data plane's
    /// <c>FirstDecapsulatedAt</c>, armed at each Bound home registration).
    /// </summary>
    public void AddFirstPacket(Func<DateTimeOffset?> firstPacket)
    {
        lock (_gate)
        {
            _firstPacket = firstPacket;
        }
    }

    /// <summary>Copies out the handovers each source reported since the last call.</summary>
    public void Collect()
    {
        lock (_gate)
        {
            TakeFirstPacket();
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

    // The probe holds one time, for the latest registration: the newest handover takes it once it came after its BA.
    private void TakeFirstPacket()
    {
        if (_firstPacket?.Invoke() is { } first && _recent.First?.Value is { FirstPacketAt: null } newest && first >= newest.Handover.BoundAt)
        {
            newest.FirstPacketAt = first;
        }
    }

    private void Observe(Handover handover)
    {
        _recent.AddFirst(new Entry(handover, DetectionOf(handover)));
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
            TakeFirstPacket();
            return [.. _recent.OrderByDescending(r => r.Handover.BoundAt).Select(r => new HandoverStatus(
                r.Handover.MovedAt,
                r.Handover.From?.ToString(),
                r.Handover.To.ToString(),
                r.Handover.InterfaceName,
                Ms(r.Handover.Duration))
            {
                Breakdown = r.Detection is { } d ? Breakdown(r.Handover, d, r.FirstPacketAt) : null,
            })];
        }
    }

    /// <summary>The detector's report of the handover's new address, the latest one not after the mobile node took it up.</summary>
    private Detection? DetectionOf(Handover handover)
    {
        Detection? found = null;
        foreach (var detector in _detectors)
        {
            foreach (var d in detector.GetDetections())
            {
                if (d.Address.Equals(handover.To) && d.ReportedAt <= handover.MovedAt + ReportSlack && (found is null || d.ReportedAt > found.ReportedAt))
                {
                    found = d;
                }
            }
        }

        return found;
    }

    // The mobile node takes the report from the bus a moment after the detector published it; never seconds after.
    private static readonly TimeSpan ReportSlack = TimeSpan.FromSeconds(1);

    private static HandoverBreakdown Breakdown(Handover h, Detection d, DateTimeOffset? firstPacket)
    {
        long? Since(DateTimeOffset? at) => at is { } t ? Ms(t - d.StartedAt) : null;
        var inside = (d.StartedBy == "link-up" && d.SolicitedAt is { } solicited ? solicited - d.StartedAt : TimeSpan.Zero)
            + (h.MovedAt > d.ReportedAt ? h.MovedAt - d.ReportedAt : TimeSpan.Zero);
        return new HandoverBreakdown(d.StartedBy, Since(d.SolicitedAt), Since(d.AnsweredAt), d.AnsweredBy,
            Ms(d.ReportedAt - d.StartedAt), Ms(h.MovedAt - d.StartedAt), Ms(h.BoundAt - d.StartedAt), Ms(inside),
            firstPacket is { } first ? Ms(first - d.StartedAt) : null);
    }

    private static long Ms(TimeSpan span) => (long)Math.Round(Math.Max(0, span.TotalMilliseconds));

    private sealed class Entry(Handover handover, Detection? detection)
    {
        public Handover Handover { get; } = handover;

        public Detection? Detection { get; } = detection;

        public DateTimeOffset? FirstPacketAt { get; set; }
    }

    public DurationHistogram Histogram()
    {
        lock (_gate)
        {
            return new DurationHistogram(Buckets, [.. _bucketCounts], _sum, _count);
        }
    }
}
