using System.Buffers.Binary;
using System.Net;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Wire;

namespace Shisa.DataPlane.Tests.Ports;

/// <summary>Unit tests (no root, no namespaces) of the in-memory ports, the fault injector and the batch.</summary>
[TestFixture]
public class MemoryPortTests
{
    [Test]
    public void A_pair_carries_frames_one_way_and_not_back_to_the_sender()
    {
        var (a, b) = MemoryHub.CreatePair();
        using (a)
        using (b)
        {
            var batch = Frames(3, 60);
            Assert.That(a.Send(batch), Is.EqualTo(3));

            var received = new PacketBatch();
            Assert.That(b.Receive(received, 0), Is.EqualTo(3));
            for (int i = 0; i < 3; i++)
            {
                Assert.That(received[i].ToArray(), Is.EqualTo(batch[i].ToArray()));
            }

            Assert.That(a.Receive(received, 0), Is.Zero);
            Assert.That(a.LinkAddress, Is.Not.EqualTo(b.LinkAddress));
            Assert.That(b.Counters.Snapshot().Received, Is.EqualTo(3));
        }
    }

    [Test]
    public void A_hub_delivers_to_every_other_port()
    {
        var hub = new MemoryHub();
        using var a = hub.CreatePort("a");
        using var b = hub.CreatePort("b");
        using var c = hub.CreatePort("c");
        a.Send(Frames(2, 80));
        Assert.That(b.Pending, Is.EqualTo(2));
        Assert.That(c.Pending, Is.EqualTo(2));
        Assert.That(a.Pending, Is.Zero);
    }

    [Test]
    public void A_full_queue_drops_and_counts_instead_of_blocking()
    {
        var (a, b) = MemoryHub.CreatePair(queueCapacity: 4);
        a.Send(Frames(6, 60));
        Assert.That(b.Pending, Is.EqualTo(4));
        Assert.That(b.Counters.Dropped, Is.EqualTo(2));
    }

    [Test]
    public void Frames_over_the_MTU_are_counted_as_oversize()
    {
        var (a, b) = MemoryHub.CreatePair(mtu: 1280);
        var batch = new PacketBatch(2, 2048);
        batch.TryAdd(new byte[1280 + 14]);
        batch.TryAdd(new byte[1280 + 15]);
        Assert.That(a.Send(batch), Is.EqualTo(1));
        Assert.That(a.Counters.Oversize, Is.EqualTo(1));
        Assert.That(b.Pending, Is.EqualTo(1));
    }

    [Test]
    public void Receive_waits_for_a_frame_and_dispose_wakes_it()
    {
        var (a, b) = MemoryHub.CreatePair();
        var waiting = Task.Run(() => b.Receive(new PacketBatch(), -1));
        a.Send(Frames(1, 60));
        Assert.That(waiting.Wait(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(waiting.Result, Is.EqualTo(1));

        var blocked = Task.Run(() => b.Receive(new PacketBatch(), -1));
        Assert.That(blocked.Wait(50), Is.False);
        b.Dispose();
        Assert.That(blocked.Wait(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(blocked.Result, Is.Zero);
    }

    [Test]
    public void A_slot_shorter_than_the_frame_truncates_and_says_so()
    {
        var (a, b) = MemoryHub.CreatePair();
        var batch = new PacketBatch(1, 256);
        batch.TryAdd(new byte[200]);
        a.Send(batch);
        var small = new PacketBatch(1, 64);
        b.Receive(small, 0);
        Assert.That(small.Info(0).Flags, Is.EqualTo(FrameFlags.Truncated));
        Assert.That(small.Info(0).Length, Is.EqualTo(64));
        Assert.That(small.Info(0).OriginalLength, Is.EqualTo(200));
    }

    [Test]
    public void The_same_seed_drops_the_same_frames()
    {
        static long[] Run(int seed)
        {
            var (a, b) = MemoryHub.CreatePair(queueCapacity: 1000);
            var faulty = new FaultInjectingPort(a, new FaultInjectionOptions { DropProbability = 0.5, Seed = seed, Direction = FaultDirection.Send });
            for (int round = 0; round < 10; round++)
            {
                faulty.Send(Frames(64, 60, firstNumber: round * 64));
            }

            var received = new PacketBatch(1000, 64);
            b.Receive(received, 0);
            return [.. Enumerable.Range(0, received.Count).Select(i => (long)BinaryPrimitives.ReadInt32BigEndian(received[i]))];
        }

        var first = Run(42);
        Assert.That(Run(42), Is.EqualTo(first));
        Assert.That(Run(43), Is.Not.EqualTo(first));
        Assert.That(first.Length, Is.InRange(260, 380), "about half of 640");
    }

    [Test]
    public void Duplication_and_corruption_on_receive()
    {
        var (a, b) = MemoryHub.CreatePair();
        using var faulty = new FaultInjectingPort(b, new FaultInjectionOptions
        {
            DuplicateProbability = 1,
            CorruptProbability = 1,
            ProtectedPrefix = 14,
            Seed = 7,
            Direction = FaultDirection.Receive,
        });
        var sent = Frames(4, 60);
        a.Send(sent);
        var batch = new PacketBatch(16, 128);
        Assert.That(faulty.Receive(batch, 0), Is.EqualTo(8));
        for (int i = 0; i < 8; i++)
        {
            var original = sent[i / 2];
            var frame = batch[i];
            Assert.That(frame[..14].ToArray(), Is.EqualTo(original[..14].ToArray()), "the protected prefix is untouched");
            int differingBits = 0;
            for (int k = 0; k < frame.Length; k++)
            {
                differingBits += System.Numerics.BitOperations.PopCount((uint)(frame[k] ^ original[k]));
            }

            Assert.That(differingBits, Is.EqualTo(1), "exactly one bit flipped, and the copy is the corrupted frame");
        }

        Assert.That(faulty.Duplicated, Is.EqualTo(4));
        Assert.That(faulty.Corrupted, Is.EqualTo(4));
    }

    [Test]
    public void Fault_injection_on_send_leaves_the_callers_batch_alone()
    {
        var (a, b) = MemoryHub.CreatePair();
        using var faulty = new FaultInjectingPort(a, new FaultInjectionOptions { DropProbability = 1, Direction = FaultDirection.Send });
        var batch = Frames(3, 60);
        Assert.That(faulty.Send(batch), Is.Zero);
        Assert.That(batch.Count, Is.EqualTo(3));
        Assert.That(b.Pending, Is.Zero);
        Assert.That(faulty.Dropped, Is.EqualTo(3));
        Assert.That(a.Counters.Dropped, Is.EqualTo(3));
    }

    [Test]
    public void Batch_remove_and_duplicate_keep_the_order()
    {
        var batch = Frames(4, 16);
        batch.RemoveAt(1);
        Assert.That(Numbers(batch), Is.EqualTo(new[] { 0, 2, 3 }));
        Assert.That(batch.TryDuplicate(0), Is.True);
        Assert.That(Numbers(batch), Is.EqualTo(new[] { 0, 0, 2, 3 }));
        batch.Clear();
        Assert.That(batch.Count, Is.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = batch[0].Length);
    }

    [Test]
    public void Checksum_completion_turns_a_partial_checksum_into_the_full_one()
    {
        var source = IPAddress.Parse("2001:db8:1::100").GetAddressBytes();
        var homeAddress = IPAddress.Parse("2001:db8:1::100").GetAddressBytes();
        var careOf = IPAddress.Parse("2001:db8:a1::5").GetAddressBytes();

        // UDP behind a type 2 routing header: the checksum covers the home address (the final destination).
        var packet = new byte[40 + 24 + 8 + 12];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        packet[6] = 43;
        packet[7] = 64;
        source.CopyTo(packet, 8);
        careOf.CopyTo(packet, 24);
        packet[40] = 17;   // next header
        packet[41] = 2;    // length: 24 octets
        packet[42] = 2;    // type 2
        packet[43] = 1;    // segments left
        homeAddress.CopyTo(packet, 48);
        var udp = packet.AsSpan(64);
        BinaryPrimitives.WriteUInt16BigEndian(udp, 5000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 6000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        "hello world!"u8.CopyTo(udp[8..]);
        ushort full = InternetChecksum.Compute(source, homeAddress, 17, udp);

        // What an offloading sender leaves: the folded pseudo-header sum, not complemented.
        uint pseudo = InternetChecksum.PseudoHeader(source, homeAddress, udp.Length, 17);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], (ushort)~InternetChecksum.Finish(pseudo));

        Assert.That(Ipv6ChecksumCompletion.TryComplete(packet), Is.True);
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(udp[6..]), Is.EqualTo(full));
        Assert.That(Ipv6ChecksumCompletion.TryComplete(packet.AsSpan(0, 30)), Is.False, "too short");
    }

    [Test]
    public void The_next_header_filter_program_has_the_expected_shape()
    {
        var program = ClassicBpfProgram.Ipv6NextHeaders(135, 41);
        var code = program.Instructions.ToArray();
        Assert.That(code, Has.Length.EqualTo(7));
        Assert.That(code[1].K, Is.EqualTo(0x86DDu));
        Assert.That(code[3].K, Is.EqualTo(135u));
        Assert.That(3 + 1 + code[3].JumpTrue, Is.EqualTo(6), "a match jumps to accept");
        Assert.That(4 + 1 + code[4].JumpTrue, Is.EqualTo(6));
        Assert.That(2 + code[1].JumpFalse, Is.EqualTo(5), "not IPv6 jumps to drop");
        Assert.That(code[5].K, Is.Zero);
        Assert.That(code[6].K, Is.Not.Zero);
    }

    private static PacketBatch Frames(int count, int length, int firstNumber = 0)
    {
        var batch = new PacketBatch(Math.Max(count, 1), Math.Max(length, 64));
        for (int i = 0; i < count; i++)
        {
            var slot = batch.GetNextSlot();
            slot[..length].Clear();
            BinaryPrimitives.WriteInt32BigEndian(slot, firstNumber + i);
            for (int k = 4; k < length; k++)
            {
                slot[k] = (byte)(k * 7);
            }

            batch.Commit(length);
        }

        return batch;
    }

    private static int[] Numbers(PacketBatch batch)
        => [.. Enumerable.Range(0, batch.Count).Select(i => BinaryPrimitives.ReadInt32BigEndian(batch[i]))];
}
