using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.State;

namespace Shisa.Fuzz;

/// <summary>
/// The binding journal read at start (<see cref="BindingJournal.Open"/>): the input is the file's content. Whatever
/// it holds, opening never throws for its content, and the compacted file it leaves opens again to the same
/// bindings with no damage reported. The directory lives in /dev/shm, so the fsyncs cost nothing.
/// </summary>
internal sealed class JournalTarget
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = ScratchDirectory();
    private readonly FakeTimeProvider _time = new(Now);

    private static string ScratchDirectory()
    {
        if (!Directory.Exists("/dev/shm"))
        {
            return Directory.CreateTempSubdirectory("shisa-fuzz-journal-").FullName;
        }

        string path = Path.Combine("/dev/shm", $"shisa-fuzz-journal-{Environment.ProcessId}");
        Directory.CreateDirectory(path);
        return path;
    }

    public void Run(ReadOnlySpan<byte> input)
    {
        string path = Path.Combine(_directory, BindingJournal.FileName);
        File.WriteAllBytes(path, input.ToArray());
        RestoredState first;
        using (var journal = BindingJournal.Open(_directory, _time, NullLogger.Instance))
        {
            first = journal.Restored;
        }

        using var again = BindingJournal.Open(_directory, _time, NullLogger.Instance);
        if (again.Restored.Damage is { } damage)
        {
            throw new InvariantException($"the compacted journal is damaged: {damage}");
        }

        if (!first.BindingCache.SequenceEqual(again.Restored.BindingCache) || !first.BindingUpdateList.SequenceEqual(again.Restored.BindingUpdateList))
        {
            throw new InvariantException($"the compacted journal restores {again.Restored.Count} bindings, the original {first.Count}");
        }
    }

    /// <summary>Writes a sample journal (adds, a removal, a flush, an update list entry) as the seed of this target.</summary>
    public static void WriteSeed(string directory)
    {
        Directory.CreateDirectory(directory);
        string scratch = Directory.CreateTempSubdirectory("shisa-journal-seed-").FullName;
        var time = new FakeTimeProvider(Now);
        using (var journal = BindingJournal.Open(scratch, time, NullLogger.Instance))
        {
            var ha = IPAddress.Parse("2001:db8:1::1");
            var flags = BindingUpdateFlags.HomeRegistration | BindingUpdateFlags.Acknowledge;
            for (int i = 0; i < 4; i++)
            {
                var entry = new BindingCacheEntry(IPAddress.Parse($"2001:db8:1::{100 + i}"), IPAddress.Parse($"2001:db8:a1::{i + 1}"), ha, flags,
                    TimeSpan.FromSeconds(420), (ushort)(i + 1), new([new Prefix(IPAddress.Parse($"2001:db8:1:{i + 1}00::"), 56)]));
                journal.Append(new BindingCacheAdd(entry), Now);
                if (i == 2)
                {
                    journal.Append(new BindingCacheRemove(entry), Now);
                }
            }

            journal.Append(new BindingUpdateListAdd(new BindingUpdateListEntry(ha, IPAddress.Parse("2001:db8:1::100"), IPAddress.Parse("2001:db8:a1::1"),
                flags, TimeSpan.FromSeconds(60), 7, BindingUpdateListState.Bound)), Now);
            journal.Append(new BindingUpdateListFlush(), Now);
            journal.Flush();
        }

        File.Copy(Path.Combine(scratch, BindingJournal.FileName), Path.Combine(directory, "sample.journal"), overwrite: true);
        Directory.Delete(scratch, recursive: true);
    }
}
