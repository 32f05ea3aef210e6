using System.Net;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;

namespace Shisa.EndToEnd.Tests.DataPlane;

/// <summary>
/// An IPv6 packet seen on a link: its outer addresses, next header (the first extension header's type when there is
/// one, e.g. 60 for a Home Address option, 43 for a type 2 routing header) and (for ICMPv6) type; for IPv6-in-IPv6,
/// the inner packet's next header and destination.
/// </summary>
internal sealed record CapturedPacket(IPAddress Source, IPAddress Destination, byte NextHeader, byte IcmpType, byte InnerNextHeader = 0, IPAddress? InnerDestination = null);

/// <summary>Captures both directions of one interface in a namespace on a thread of its own, until stopped.</summary>
internal sealed class CoreCapture : IDisposable
{
    private readonly AfPacketPort _port;
    private readonly Thread _thread;
    private readonly List<CapturedPacket> _packets = [];
    private volatile bool _stopping;

    private CoreCapture(AfPacketPort port)
    {
        _port = port;
        _thread = new Thread(Run) { IsBackground = true, Name = "capture " + port.Name };
        _thread.Start();
    }

    public static CoreCapture Start(string ns, string device) =>
        new(NetworkNamespace.Invoke(ns, () => AfPacketPort.Open(device, new AfPacketPortOptions { IgnoreOutgoing = false })));

    public List<CapturedPacket> Stop()
    {
        Thread.Sleep(200); // the last answers still on their way
        _stopping = true;
        _port.Dispose();
        _thread.Join();
        lock (_packets)
        {
            return [.. _packets];
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _port.Dispose();
        _thread.Join();
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

                bool tunnelled = frame[20] == 41 && frame.Length >= 94;
                var packet = new CapturedPacket(
                    new IPAddress(frame.Slice(22, 16)),
                    new IPAddress(frame.Slice(38, 16)),
                    frame[20],
                    frame.Length > 54 ? frame[54] : (byte)0,
                    tunnelled ? frame[60] : (byte)0,
                    tunnelled ? new IPAddress(frame.Slice(78, 16)) : null);
                lock (_packets)
                {
                    _packets.Add(packet);
                }
            }
        }
    }
}
