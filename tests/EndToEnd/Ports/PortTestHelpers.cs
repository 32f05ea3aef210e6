using System.Diagnostics;
using Shisa.DataPlane.Ports;

namespace Shisa.EndToEnd.Tests.Ports;

/// <summary>A received frame copied out of a batch, for assertions.</summary>
internal readonly record struct Received(byte[] Frame, FrameInfo Info);

internal static class PortTestHelpers
{
    /// <summary>Receives until <paramref name="wanted"/> frames matched or the time is up; returns the matching ones.</summary>
    public static List<Received> ReceiveMatching(IPacketPort port, Func<Received, bool> match, int wanted, TimeSpan timeout)
    {
        var batch = new PacketBatch();
        List<Received> found = [];
        var clock = Stopwatch.StartNew();
        while (found.Count < wanted && clock.Elapsed < timeout)
        {
            int count = port.Receive(batch, 50);
            for (int i = 0; i < count; i++)
            {
                var frame = new Received(batch[i].ToArray(), batch.Info(i));
                if (match(frame))
                {
                    found.Add(frame);
                }
            }
        }

        return found;
    }

    /// <summary>Receives everything that arrives within <paramref name="window"/>.</summary>
    public static List<Received> ReceiveAll(IPacketPort port, TimeSpan window) => ReceiveMatching(port, _ => true, int.MaxValue, window);
}
