using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Common;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Mobility;

/// <summary>
/// Floods the home agent with well-formed Binding Updates (valid checksums, H and A set) for home addresses on its
/// prefix that it does not serve, from random care-of addresses in random /64s: what forged registrations look
/// like. Frames go out of core's veth towards ha through AF_PACKET <c>sendmmsg</c> (batches of 64), at a given rate
/// or as fast as one thread can, so nothing but the home agent's own kernel and appliance handles them.
/// </summary>
internal sealed class BindingUpdateFlooder : IDisposable
{
    private const int Batches = 64;
    private readonly AfPacketPort _port;
    private readonly PacketBatch[] _batches;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = new();
    private long _sent;

    private readonly double _rate;

    private BindingUpdateFlooder(AfPacketPort port, PacketBatch[] batches, double rate)
    {
        _port = port;
        _batches = batches;
        _rate = rate;
        _thread = new Thread(Run) { IsBackground = true, Name = "bu flooder" };
    }

    public long Sent => Interlocked.Read(ref _sent);

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Binding Updates per second sent so far.</summary>
    public double Rate => Sent / Math.Max(Elapsed.TotalSeconds, 1e-3);

    /// <summary>Opens core's side of the core-ha veth, builds 64 x 64 distinct BU frames and sends them over and over.</summary>
    /// <param name="rate">BUs per second; 0: as fast as the thread can.</param>
    public static BindingUpdateFlooder Start(MobilityTopology topology, double rate, int seed = 16)
    {
        byte[] destinationMac = Host.LinkAddress(topology.Ha, "ha-up");
        byte[] sourceMac = Host.LinkAddress(topology.Core, "core-ha");
        var rng = new Random(seed);
        var batches = new PacketBatch[Batches];
        var buffer = new byte[MobilityPackets.MaxPacketLength];
        var careOf = new byte[16];
        var home = MobilityTopology.HomeAgentAddress.GetAddressBytes();
        for (int b = 0; b < Batches; b++)
        {
            batches[b] = new PacketBatch(PacketBatch.DefaultCapacity, 256);
            for (int i = 0; i < PacketBatch.DefaultCapacity; i++)
            {
                // Care-of address: 2001:db8:<random /64>::<random>; home address: 2001:db8:1::<random>, never ::100.
                rng.NextBytes(careOf);
                careOf[0] = 0x20;
                careOf[1] = 0x01;
                careOf[2] = 0x0d;
                careOf[3] = 0xb8;
                careOf[4] |= 0x80;
                BinaryPrimitives.WriteUInt64BigEndian(home.AsSpan(8), (ulong)rng.NextInt64(0x1000, long.MaxValue));
                var update = new BindingUpdate((ushort)rng.Next(65536), BindingUpdateFlags.A | BindingUpdateFlags.H, 60);
                var envelope = new Ipv6Envelope(new IPAddress(careOf), MobilityTopology.HomeAgentAddress, 64, HomeAddress: new IPAddress(home));
                if (!MobilityPackets.TryWrite(update, envelope, buffer, out int written))
                {
                    throw new InvalidOperationException("a flood BU did not fit");
                }

                var slot = batches[b].GetNextSlot();
                destinationMac.CopyTo(slot);
                sourceMac.CopyTo(slot[6..]);
                BinaryPrimitives.WriteUInt16BigEndian(slot[12..], AfPacketPortOptions.Ipv6Protocol);
                buffer.AsSpan(0, written).CopyTo(slot[14..]);
                batches[b].Commit(14 + written);
            }
        }

        // Bound to an EtherType nothing uses: the socket sends any frame but queues none it would never read.
        var port = NetworkNamespace.Invoke(topology.Core, () => AfPacketPort.Open("core-ha", new AfPacketPortOptions { Protocol = 0x88B5, SendBufferSize = 4 << 20 }));
        var flooder = new BindingUpdateFlooder(port, batches, rate);
        flooder._clock.Start();
        flooder._thread.Start();
        return flooder;
    }

    private void Run()
    {
        int next = 0;
        long offered = 0;
        while (!_stop.IsCancellationRequested)
        {
            if (_rate > 0)
            {
                // Paced: ahead of the schedule by more than 2 ms, sleep (bursts of a few hundred frames).
                double ahead = offered / _rate - _clock.Elapsed.TotalSeconds;
                if (ahead > 0.002)
                {
                    Thread.Sleep(TimeSpan.FromSeconds(ahead));
                    continue;
                }
            }

            int sent = _port.Send(_batches[next]);
            offered += _batches[next].Count;
            Interlocked.Add(ref _sent, sent);
            next = (next + 1) % Batches;
        }
    }

    public void Stop()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            _thread.Join();
            _clock.Stop();
        }
    }

    public void Dispose()
    {
        Stop();
        _port.Dispose();
        _stop.Dispose();
    }
}
