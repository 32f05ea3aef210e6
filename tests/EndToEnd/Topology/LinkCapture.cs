using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;

namespace Shisa.EndToEnd.Tests.Topology;

/// <summary>
/// An IPv6 packet seen on a link, whole (from its IPv6 header on), with the walk to its upper layer; for
/// IPv6-in-IPv6 (RFC 2473), the inner packet's next header and destination.
/// </summary>
internal sealed class SeenPacket
{
    public SeenPacket(byte[] packet)
    {
        Bytes = packet;
        Source = new IPAddress(packet.AsSpan(8, 16));
        Destination = new IPAddress(packet.AsSpan(24, 16));
        byte next = packet[6];
        int offset = 40;
        HeaderChain = [next];
        while (next is 0 or 43 or 60 && offset + 8 <= packet.Length)
        {
            int end = Math.Min(packet.Length, offset + ((packet[offset + 1] + 1) * 8));
            for (int o = offset + 2; next == 60 && o < end; o += packet[o] == 0 ? 1 : packet[Math.Min(o + 1, end - 1)] + 2)
            {
                HasHomeAddressOption |= packet[o] == 0xC9;
            }

            byte following = packet[offset];
            offset += (packet[offset + 1] + 1) * 8;
            next = following;
            HeaderChain.Add(next);
        }

        UpperLayer = next;
        UpperLayerOffset = offset;
    }

    public byte[] Bytes { get; }

    public IPAddress Source { get; }

    public IPAddress Destination { get; }

    /// <summary>The IPv6 header's next header: the first extension header's type when there is one (60 for a Home
    /// Address option, 43 for a type 2 routing header), 41 for a tunnelled packet.</summary>
    public byte NextHeader => HeaderChain[0];

    /// <summary>A tunnelled packet's inner next header, or 0.</summary>
    public byte InnerNextHeader => NextHeader == 41 && Bytes.Length >= 80 ? Bytes[46] : (byte)0;

    /// <summary>A tunnelled packet's inner destination, or null.</summary>
    public IPAddress? InnerDestination => NextHeader == 41 && Bytes.Length >= 80 ? new IPAddress(Bytes.AsSpan(64, 16)) : null;

    /// <summary>Next header values from the IPv6 header's on.</summary>
    public List<byte> HeaderChain { get; }

    public byte UpperLayer { get; }

    public int UpperLayerOffset { get; }

    public bool HasHomeAddressOption { get; }

    public ReadOnlySpan<byte> Upper => Bytes.AsSpan(Math.Min(UpperLayerOffset, Bytes.Length));

    /// <summary>The Mobility Header type (MH byte 2), or -1.</summary>
    public int MobilityType => UpperLayer == 135 && Upper.Length >= 6 ? Upper[2] : -1;

    /// <summary>A Binding Acknowledgement's status, or -1.</summary>
    public int AckStatus => MobilityType == 6 && Upper.Length >= 12 ? Upper[6] : -1;

    /// <summary>A Binding Acknowledgement's sequence number, or -1.</summary>
    public int AckSequence => MobilityType == 6 && Upper.Length >= 12 ? BinaryPrimitives.ReadUInt16BigEndian(Upper[8..]) : -1;

    /// <summary>A Binding Update's lifetime in 4 s units, or -1.</summary>
    public int UpdateLifetimeUnits => MobilityType == 5 && Upper.Length >= 12 ? BinaryPrimitives.ReadUInt16BigEndian(Upper[10..]) : -1;

    /// <summary>The ICMPv6 type, or -1.</summary>
    public int IcmpType => UpperLayer == 58 && Upper.Length >= 4 ? Upper[0] : -1;

    public override string ToString() =>
        $"{Source} -> {Destination} [{string.Join(",", HeaderChain)}]" + (MobilityType >= 0 ? $" MH {MobilityType}" : string.Empty)
        + (AckStatus >= 0 ? $" status {AckStatus} seq {AckSequence}" : string.Empty) + (IcmpType >= 0 ? $" ICMPv6 {IcmpType}" : string.Empty);
}

/// <summary>Captures every IPv6 frame of one interface in a namespace on a thread of its own, whole.</summary>
internal sealed class LinkCapture : IDisposable
{
    private readonly AfPacketPort _port;
    private readonly Thread _thread;
    private readonly List<SeenPacket> _packets = [];
    private volatile bool _stopping;

    private LinkCapture(AfPacketPort port)
    {
        _port = port;
        _thread = new Thread(Run) { IsBackground = true, Name = "capture " + port.Name };
        _thread.Start();
    }

    public static LinkCapture Start(string ns, string device) =>
        new(NetworkNamespace.Invoke(ns, () => AfPacketPort.Open(device, new AfPacketPortOptions { IgnoreOutgoing = false })));

    /// <summary>What was captured so far.</summary>
    public List<SeenPacket> Packets
    {
        get
        {
            lock (_packets)
            {
                return [.. _packets];
            }
        }
    }

    /// <summary>Polls until a packet matching <paramref name="match"/> was seen; null on timeout.</summary>
    public async Task<SeenPacket?> WaitForAsync(Func<SeenPacket, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Packets.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(20);
        }

        return Packets.FirstOrDefault(match);
    }

    /// <summary>Waits for the last answers still on their way, stops, and returns everything captured.</summary>
    public List<SeenPacket> Stop()
    {
        Thread.Sleep(200);
        Dispose();
        return Packets;
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _thread.Join();
        _port.Dispose();
    }

    private void Run()
    {
        var batch = new PacketBatch();
        while (!_stopping)
        {
            int count = _port.Receive(batch, 100);

            for (int i = 0; i < count; i++)
            {
                var frame = batch[i];
                if (frame.Length < 54 || frame[12] != 0x86 || frame[13] != 0xDD)
                {
                    continue;
                }

                var packet = new SeenPacket(frame[14..].ToArray());
                lock (_packets)
                {
                    _packets.Add(packet);
                }
            }
        }
    }
}
