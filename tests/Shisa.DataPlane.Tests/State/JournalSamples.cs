using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.State;

namespace Shisa.DataPlane.Tests.State;

/// <summary>Entries, a scratch state directory and a model of what a journal should restore, for the journal tests.</summary>
internal static class JournalSamples
{
    public static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    public static readonly IPAddress HomeAgent = IPAddress.Parse("2001:db8:1::1");

    public static FakeTimeProvider Time() => new(Start);

    public static BindingCacheEntry Cache(int index, int lifetimeSeconds = 60, ushort sequence = 7, ushort bindingId = 0) => new(
        IPAddress.Parse($"2001:db8:1::{index + 0x100:x}"),
        IPAddress.Parse($"2001:db8:a1::{index + 1:x}"),
        HomeAgent,
        BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge | (index % 2 == 0 ? BindingUpdateFlags.MobileRouter : BindingUpdateFlags.None),
        TimeSpan.FromSeconds(lifetimeSeconds),
        sequence,
        index % 2 == 0 ? [Prefix.Parse($"2001:db8:1:{index + 0x100:x}::/64")] : [],
        bindingId);

    public static BindingUpdateListEntry List(int index, int lifetimeSeconds = 60, ushort sequence = 9) => new(
        HomeAgent,
        IPAddress.Parse($"2001:db8:1::{index + 0x100:x}"),
        IPAddress.Parse($"2001:db8:a2::{index + 1:x}"),
        BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge,
        TimeSpan.FromSeconds(lifetimeSeconds),
        sequence,
        BindingUpdateListState.Bound,
        [Prefix.Parse("2001:db8:1:100::/56")]);

    /// <summary>A variety of state messages: adds, a replacing add, removes and a flush of each table.</summary>
    public static IReadOnlyList<MobilityMessage> Messages() =>
    [
        new BindingCacheAdd(Cache(0)),
        new BindingCacheAdd(Cache(1, lifetimeSeconds: 30)),
        new BindingUpdateListAdd(List(0)),
        new BindingCacheAdd(Cache(2, bindingId: 3)),
        new BindingCacheRemove(Cache(1)),
        new BindingUpdateListAdd(List(1, lifetimeSeconds: 120)),
        new BindingCacheAdd(Cache(0, lifetimeSeconds: 90, sequence: 8)),
        new BindingUpdateListRemove(List(0)),
        new BindingCacheFlush(),
        new BindingCacheAdd(Cache(3)),
        new BindingUpdateListFlush(),
        new BindingUpdateListAdd(List(2, sequence: 11)),
        new BindingCacheAdd(Cache(4, sequence: 65535)),
    ];

    /// <summary>The journal file holding <see cref="Messages"/> appended at <see cref="Start"/>, and where each record ends.</summary>
    public static (byte[] File, IReadOnlyList<int> RecordEnds) SampleFile()
    {
        using var directory = new ScratchDirectory();
        var time = Time();
        using (var journal = BindingJournal.Open(directory.Path, time, NullLogger.Instance))
        {
            foreach (var message in Messages())
            {
                journal.Append(message, time.GetUtcNow());
            }

            journal.Flush();
        }

        byte[] file = File.ReadAllBytes(Path.Combine(directory.Path, BindingJournal.FileName));
        var ends = new List<int>();
        int offset = 16;
        while (offset < file.Length)
        {
            Assert.That(JournalRecord.TryRead(file.AsSpan(offset), out _, out int consumed, out _), Is.True);
            offset += consumed;
            ends.Add(offset);
        }

        return (file, ends);
    }

    /// <summary>What the first <paramref name="count"/> messages leave alive, by key, with their full lifetimes.</summary>
    public static (Dictionary<BindingCacheKey, BindingCacheEntry> Cache, Dictionary<BindingUpdateListKey, BindingUpdateListEntry> List) Model(
        IEnumerable<MobilityMessage> messages)
    {
        var cache = new Dictionary<BindingCacheKey, BindingCacheEntry>();
        var list = new Dictionary<BindingUpdateListKey, BindingUpdateListEntry>();
        foreach (var message in messages)
        {
            switch (message)
            {
                case BindingCacheAdd m: cache[m.Entry.Key] = m.Entry; break;
                case BindingCacheRemove m: cache.Remove(m.Entry.Key); break;
                case BindingCacheFlush: cache.Clear(); break;
                case BindingUpdateListAdd m: list[m.Entry.Key] = m.Entry; break;
                case BindingUpdateListRemove m: list.Remove(m.Entry.Key); break;
                case BindingUpdateListFlush: list.Clear(); break;
            }
        }

        return (cache, list);
    }
}

/// <summary>A fresh directory under the temporary directory, deleted with everything in it on dispose.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "shisa-journal-" + Guid.NewGuid().ToString("N"));

    public string File => System.IO.Path.Combine(Path, BindingJournal.FileName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
