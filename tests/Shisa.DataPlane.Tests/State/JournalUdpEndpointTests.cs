using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Dsmip;
using Shisa.DataPlane.State;
using static Shisa.DataPlane.Tests.State.JournalSamples;

namespace Shisa.DataPlane.Tests.State;

/// <summary>
/// Journal version 2: a binding cache entry with an IPv4-mapped care-of address (RFC 5555) keeps its UDP endpoint
/// across a restart; a version 1 journal still loads; a damaged endpoint is a counted damage, never an exception.
/// </summary>
public class JournalUdpEndpointTests
{
    private static readonly Ipv4Endpoint Nat = Ipv4Endpoint.From(IPAddress.Parse("203.0.113.4"), 40000);
    private static readonly Ipv4Endpoint Rebound = Ipv4Endpoint.From(IPAddress.Parse("203.0.113.4"), 50123);

    private static BindingCacheEntry Mapped(int index, ushort sequence = 7) =>
        Cache(index, sequence: sequence) with { CareOfAddress = IPAddress.Parse($"198.51.100.{index + 1}").MapToIPv6() };

    [Test]
    public void A_udp_endpoint_comes_back_with_its_binding_and_a_binding_without_one_comes_back_without()
    {
        using var directory = new ScratchDirectory();
        var time = Time();
        using (var journal = BindingJournal.Open(directory.Path, time, NullLogger.Instance))
        {
            journal.Append(new BindingCacheAdd(Mapped(0)), time.GetUtcNow(), Nat);
            journal.Append(new BindingCacheAdd(Mapped(1)), time.GetUtcNow()); // endpoint not known (yet)
            journal.Append(new BindingCacheAdd(Cache(2)), time.GetUtcNow(), Nat); // IPv6 care-of: the endpoint is ignored
            journal.Flush();
        }

        using var reopened = BindingJournal.Open(directory.Path, time, NullLogger.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(reopened.Restored.BindingCache, Is.EquivalentTo(new[] { Mapped(0), Mapped(1), Cache(2) }));
            Assert.That(reopened.Restored.UdpEndpoints, Is.EquivalentTo(new Dictionary<IPAddress, Ipv4Endpoint> { [Mapped(0).HomeAddress] = Nat }));
            Assert.That(reopened.Restored.Damage, Is.Null);
        });
    }

    [Test]
    public void The_latest_endpoint_wins_survives_compaction_and_a_removed_binding_takes_its_endpoint_away()
    {
        using var directory = new ScratchDirectory();
        var time = Time();
        using (var journal = BindingJournal.Open(directory.Path, time, NullLogger.Instance))
        {
            journal.Append(new BindingCacheAdd(Mapped(0)), time.GetUtcNow(), Nat);
            journal.Append(new BindingCacheAdd(Mapped(0, sequence: 8)), time.GetUtcNow(), Rebound);
            journal.Append(new BindingCacheAdd(Mapped(1)), time.GetUtcNow(), Nat);
            journal.Append(new BindingCacheRemove(Mapped(1)), time.GetUtcNow());
            journal.Flush();
        }

        using (var compacted = BindingJournal.Open(directory.Path, time, NullLogger.Instance))
        {
            Assert.That(compacted.RecordCount, Is.EqualTo(1), "compacted at open");
        }

        using var reopened = BindingJournal.Open(directory.Path, time, NullLogger.Instance);
        Assert.That(reopened.Restored.UdpEndpoints, Is.EquivalentTo(new Dictionary<IPAddress, Ipv4Endpoint> { [Mapped(0).HomeAddress] = Rebound }));
    }

    [Test]
    public void A_version_1_journal_loads_and_is_rewritten_as_version_2()
    {
        using var directory = new ScratchDirectory();
        var time = Time();
        var file = new List<byte>(Header(version: 1));
        foreach (var entry in new[] { Mapped(0), Cache(1) })
        {
            file.AddRange(Record(new JournalRecord(new BindingCacheAdd(entry), time.GetUtcNow().ToUnixTimeMilliseconds() + 60_000)));
        }

        File.WriteAllBytes(directory.File, [.. file]);
        using var journal = BindingJournal.Open(directory.Path, time, NullLogger.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(journal.Restored.BindingCache, Is.EquivalentTo(new[] { Mapped(0), Cache(1) }));
            Assert.That(journal.Restored.UdpEndpoints, Is.Empty, "version 1 kept no endpoint: the next Binding Update brings it");
            Assert.That(journal.Restored.Damage, Is.Null);
            Assert.That(BinaryPrimitives.ReadUInt32BigEndian(File.ReadAllBytes(directory.File).AsSpan(8)), Is.EqualTo(2u));
        });
    }

    [Test]
    public void A_journal_of_a_newer_version_is_refused_in_one_line()
    {
        using var directory = new ScratchDirectory();
        File.WriteAllBytes(directory.File, [.. Header(version: 3), .. Record(new JournalRecord(new BindingCacheAdd(Cache(0)), 1))]);
        using var journal = BindingJournal.Open(directory.Path, Time(), NullLogger.Instance);
        Assert.That(journal.Restored.Damage, Does.Contain("journal version 3, this version reads 1 to 2"));
        Assert.That(journal.Restored.Count, Is.Zero);
    }

    [Test]
    public void An_endpoint_that_is_cut_short_or_follows_an_ipv6_care_of_binding_is_a_bad_payload()
    {
        long expiry = Start.ToUnixTimeMilliseconds() + 60_000;
        byte[] good = Record(new JournalRecord(new BindingCacheAdd(Mapped(0)), expiry, Nat));
        Assert.That(JournalRecord.TryRead(good, out var read, out _, out _), Is.True);
        Assert.That(read.UdpEndpoint, Is.EqualTo(Nat));

        byte[] cut = Resealed(good[..^2]);
        byte[] onIpv6 = Resealed([.. Record(new JournalRecord(new BindingCacheAdd(Cache(0)), expiry)), .. good[^JournalRecord.UdpEndpointSize..]]);
        Assert.Multiple(() =>
        {
            Assert.That(JournalRecord.TryRead(cut, out _, out _, out var cutError), Is.False);
            Assert.That(cutError, Is.EqualTo(JournalRecordError.BadPayload));
            Assert.That(JournalRecord.TryRead(onIpv6, out _, out _, out var ipv6Error), Is.False);
            Assert.That(ipv6Error, Is.EqualTo(JournalRecordError.BadPayload));
        });

        using var directory = new ScratchDirectory();
        File.WriteAllBytes(directory.File, [.. Header(version: 2), .. good, .. cut]);
        using var journal = BindingJournal.Open(directory.Path, Time(), NullLogger.Instance);
        Assert.That(journal.Restored.Damage, Does.Contain("record 2").And.Contain("holds no binding state message"));
        Assert.That(journal.Restored.UdpEndpoints.Values, Is.EqualTo(new[] { Nat }), "the good prefix keeps its endpoint");
    }

    [Test]
    public void An_endpoint_on_any_other_record_cannot_be_written()
    {
        var record = new JournalRecord(new BindingCacheAdd(Cache(0)), 1, Nat);
        Assert.Throws<ArgumentException>(() => record.GetByteCount());
    }

    private static byte[] Header(uint version)
    {
        var header = new byte[16];
        "SHISAJNL"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), version);
        return header;
    }

    private static byte[] Record(JournalRecord record)
    {
        var bytes = new byte[record.GetByteCount()];
        Assert.That(record.TryWrite(bytes, out _), Is.True);
        return bytes;
    }

    /// <summary>The record with its length and CRC made to match its (changed) payload: damage the CRC cannot catch.</summary>
    private static byte[] Resealed(byte[] record)
    {
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(JournalRecord.LengthOffset), (uint)(record.Length - JournalRecord.HeaderSize));
        BinaryPrimitives.WriteUInt32BigEndian(record, Crc32.HashToUInt32(record.AsSpan(JournalRecord.LengthOffset)));
        return record;
    }
}
