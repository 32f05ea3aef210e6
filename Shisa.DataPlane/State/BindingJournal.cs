using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Dsmip;
using Shisa.DataPlane.Ports;

namespace Shisa.DataPlane.State;

/// <summary>
/// The binding journal (DESIGN 5, "state that outlives the process"): an append-only file in the state directory,
/// <see cref="JournalFileHeader"/> then one <see cref="JournalRecord"/> per state message the forwarding-state
/// writer applied. <see cref="Append"/> buffers; <see cref="Flush"/> writes and fsyncs what is pending (nothing to
/// do when nothing is). <see cref="Open"/> replays an existing file into the live set, keeps the good prefix of a
/// damaged one (reported in one line, never an exception for bad content), and compacts: the file is rewritten
/// with one record per live entry (temporary file, fsync, rename, fsync of the directory), which also cuts a damaged
/// tail off before anything is appended. It compacts again whenever the file holds more than
/// 2 × live + <see cref="CompactionSlack"/> records. Not for concurrent writers: one writer thread appends and
/// flushes (calls are serialized with a lock all the same).
/// </summary>
public sealed class BindingJournal : IStateJournal, IDisposable
{
    public const string FileName = "bindings.journal";

    /// <summary>Records beyond twice the live ones the file may hold before it is compacted.</summary>
    public const int CompactionSlack = 1024;

    private const string TemporarySuffix = ".tmp";

    private readonly Lock _gate = new();
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LiveBindingSet _live;
    private byte[] _pending = new byte[4096];
    private int _pendingLength;
    private FileStream? _file;
    private long _recordsInFile;
    private long _compactions;

    private BindingJournal(string directory, TimeProvider time, ILogger logger, LiveBindingSet live, RestoredState restored)
    {
        _directory = directory;
        _time = time;
        _logger = logger;
        _live = live;
        Restored = restored;
    }

    /// <summary>The journal file's path.</summary>
    public string Path => System.IO.Path.Combine(_directory, FileName);

    /// <summary>What the journal held at <see cref="Open"/>, with remaining lifetimes.</summary>
    public RestoredState Restored { get; }

    /// <summary>Live entries (binding cache and binding update list) as the appended records leave them.</summary>
    public int LiveCount
    {
        get
        {
            lock (_gate)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>Records in the file plus those pending, since the last compaction.</summary>
    public long RecordCount
    {
        get
        {
            lock (_gate)
            {
                return _recordsInFile;
            }
        }
    }

    /// <summary>Compactions since <see cref="Open"/>, the one at open included.</summary>
    public long Compactions
    {
        get
        {
            lock (_gate)
            {
                return _compactions;
            }
        }
    }

    /// <summary>
    /// Opens (or creates) <see cref="FileName"/> in <paramref name="directory"/>, which must exist: replays it,
    /// drops entries whose lifetime has run out, compacts it, and keeps it open for appending.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read, written or renamed (not: its content is bad).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission on the directory or the file.</exception>
    public static BindingJournal Open(string directory, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        string path = System.IO.Path.Combine(directory, FileName);
        var live = new LiveBindingSet();
        string? damage = null;
        long records = 0;
        if (File.Exists(path))
        {
            byte[] content = File.ReadAllBytes(path);
            (records, damage) = Replay(content, live);
            if (damage is not null)
            {
                damage = $"{path}: {damage}";
            }
        }

        var now = time.GetUtcNow();
        live.DropExpired(now.ToUnixTimeMilliseconds());
        var restored = live.Restore(now, damage);
        var journal = new BindingJournal(directory, time, logger, live, restored);
        journal.Compact();
        if (damage is not null)
        {
            JournalLog.Damaged(logger, damage);
        }

        JournalLog.Opened(logger, path, records, restored.BindingCache.Count, restored.BindingUpdateList.Count);
        return journal;
    }

    /// <summary>
    /// Applies the records of <paramref name="content"/> (a whole journal file) to <paramref name="live"/> up to the
    /// first one that is cut short or damaged. Returns how many were applied, and one line describing the damage
    /// (null when the file was whole). Never throws on bad content.
    /// </summary>
    internal static (long Records, string? Damage) Replay(ReadOnlySpan<byte> content, LiveBindingSet live)
    {
        if (content.Length == 0)
        {
            return (0, null);
        }

        if (JournalFileHeader.Check(content) is { } badHeader)
        {
            return (0, $"{badHeader}; {content.Length} octets ignored, starting with no bindings");
        }

        int offset = JournalFileHeader.Size;
        long records = 0;
        while (offset < content.Length)
        {
            if (!JournalRecord.TryRead(content[offset..], out var record, out int consumed, out var error))
            {
                string what = error switch
                {
                    JournalRecordError.Truncated => "is cut short",
                    JournalRecordError.BadLength => "has an impossible length",
                    JournalRecordError.BadChecksum => "fails its CRC",
                    _ => "holds no binding state message",
                };
                return (records, $"record {records + 1} at offset {offset} {what}; kept the {records} record(s) before it, dropped the last {content.Length - offset} octets");
            }

            live.Apply(record);
            records++;
            offset += consumed;
        }

        return (records, null);
    }

    /// <summary>Buffers a state message (others are ignored); an added entry expires at <paramref name="at"/> + its lifetime.</summary>
    /// <exception cref="ArgumentException">An entry the record layout cannot carry (a lifetime beyond 2^32 s, a prefix list over 255).</exception>
    public void Append(MobilityMessage message, DateTimeOffset at, Ipv4Endpoint? udpEndpoint = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!JournalRecord.IsStateMessage(message))
        {
            return;
        }

        long expiry = message switch
        {
            BindingCacheAdd add => Expiry(at, add.Entry.Lifetime),
            BindingUpdateListAdd add => Expiry(at, add.Entry.Lifetime),
            _ => 0,
        };
        var record = new JournalRecord(message, expiry, JournalRecord.MayCarryUdpEndpoint(message) ? udpEndpoint : null);
        int length = record.GetByteCount();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_file is null, this);
            EnsurePending(length);
            record.TryWrite(_pending.AsSpan(_pendingLength), out int written);
            _pendingLength += written;
            _live.Apply(record);
            _recordsInFile++;
        }
    }

    /// <summary>
    /// Writes what is pending and fsyncs it; returns at once when nothing is. Compacts instead when the file has
    /// grown past 2 × live + <see cref="CompactionSlack"/> records.
    /// </summary>
    /// <exception cref="IOException">The write or fsync failed; the pending records stay pending.</exception>
    public void Flush()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_file is null, this);
            if (_pendingLength == 0)
            {
                return;
            }

            if (_recordsInFile > (2L * _live.Count) + CompactionSlack)
            {
                Compact();
                return;
            }

            WritePending(_file);
        }
    }

    /// <summary>Flushes what is pending (best effort) and closes the file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_file is null)
            {
                return;
            }

            try
            {
                if (_pendingLength > 0)
                {
                    WritePending(_file);
                }
            }
            catch (IOException ex)
            {
                JournalLog.FlushAtCloseFailed(_logger, Path, ex.Message);
            }

            _file.Dispose();
            _file = null;
        }
    }

    /// <summary>
    /// Rewrites the file as one record per live, unexpired entry (pending records included): a temporary file,
    /// fsync'ed, renamed over the journal, then the directory fsync'ed so the rename itself is durable.
    /// </summary>
    private void Compact()
    {
        _live.DropExpired(_time.GetUtcNow().ToUnixTimeMilliseconds());
        string path = Path;
        string temporary = path + TemporarySuffix;
        long written = 0;
        using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
        {
            Span<byte> header = stackalloc byte[JournalFileHeader.Size];
            JournalFileHeader.Write(header);
            output.Write(header);
            byte[] buffer = new byte[512];
            foreach (var record in _live.Records())
            {
                int length = record.GetByteCount();
                if (buffer.Length < length)
                {
                    buffer = new byte[length];
                }

                record.TryWrite(buffer, out int count);
                output.Write(buffer, 0, count);
                written++;
            }

            output.Flush(flushToDisk: true);
        }

        _file?.Dispose();
        _file = null;
        try
        {
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            // Renamed or not, the journal stays open for appending: the new file, or the old one as it was.
            _file = OpenForAppend(path);
        }

        SyncDirectory(_directory);
        _pendingLength = 0;
        _recordsInFile = written;
        _compactions++;
        JournalLog.Compacted(_logger, path, written);
    }

    /// <summary>
    /// Appends the pending records and fsyncs them. A write that fails part way is cut back off the file, so a retry
    /// never leaves a torn record in front of good ones (the replay stops at the first bad record).
    /// </summary>
    private void WritePending(FileStream file)
    {
        long durable = file.Length;
        try
        {
            file.Write(_pending, 0, _pendingLength);
            file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            try
            {
                file.SetLength(durable);
                file.Seek(durable, SeekOrigin.Begin);
            }
            catch (IOException)
            {
                // The file cannot even be cut back: the next open's replay stops at the torn record and reports it.
            }

            throw;
        }

        _pendingLength = 0;
    }

    private static FileStream OpenForAppend(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read, bufferSize: 0);
        file.Seek(0, SeekOrigin.End);
        return file;
    }

    private void EnsurePending(int more)
    {
        if (_pending.Length - _pendingLength >= more)
        {
            return;
        }

        Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + more));
    }

    private static long Expiry(DateTimeOffset at, TimeSpan lifetime) =>
        at.ToUnixTimeMilliseconds() + (long)Math.Ceiling(lifetime.TotalMilliseconds);

    private static unsafe void SyncDirectory(string directory)
    {
        int fd = Libc.open(directory, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            throw Libc.Fail($"open({directory})");
        }

        try
        {
            if (Libc.fsync(fd) < 0)
            {
                throw Libc.Fail($"fsync({directory})");
            }
        }
        finally
        {
            Libc.close(fd);
        }
    }
}

// Event ids 5030-5049 belong to the state journal; keep them stable, operators filter on them.
internal static partial class JournalLog
{
    [LoggerMessage(EventId = 5030, Level = LogLevel.Information,
        Message = "Binding journal {Path}: {Records} record(s) replayed, restoring {CacheEntries} binding cache and {ListEntries} binding update list entr(ies)")]
    public static partial void Opened(ILogger logger, string path, long records, int cacheEntries, int listEntries);

    [LoggerMessage(EventId = 5031, Level = LogLevel.Warning, Message = "Binding journal damaged, tail cut off: {Damage}")]
    public static partial void Damaged(ILogger logger, string damage);

    [LoggerMessage(EventId = 5032, Level = LogLevel.Debug, Message = "Binding journal {Path} compacted to {Records} record(s)")]
    public static partial void Compacted(ILogger logger, string path, long records);

    [LoggerMessage(EventId = 5033, Level = LogLevel.Warning, Message = "Binding journal {Path}: writing the last records at close failed: {Reason}")]
    public static partial void FlushAtCloseFailed(ILogger logger, string path, string reason);
}
