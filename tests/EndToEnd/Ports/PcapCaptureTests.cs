using System.Collections.Concurrent;
using System.Diagnostics;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Ports;
using Shisa.EndToEnd.Tests.Topology;

namespace Shisa.EndToEnd.Tests.Ports;

[TestFixture]
[NonParallelizable]
public class PcapCaptureTests
{
    [Test]
    public void Captures_filtered_inbound_frames_on_its_own_thread_and_writes_a_pcap_file()
    {
        Assume.That(Host.IsRoot, Is.True, "needs root (network namespaces)");
        using var pair = NamespacePair.Create();
        string file = Path.Combine(Path.GetTempPath(), $"shisa-capture-{Guid.NewGuid():N}.pcap");
        try
        {
            var devices = NetworkNamespace.Invoke(pair.B, PcapCapture.ListDevices);
            Assert.That(devices, Does.Contain(pair.InterfaceB));

            var frames = new ConcurrentQueue<byte[]>();
            using (var writer = new PcapFileWriter(file))
            using (var capture = NetworkNamespace.Invoke(pair.B, () => new PcapCapture(
                pair.InterfaceB,
                "icmp6 and (ip6[40] == 128 or ip6[40] == 129)",
                new PcapCaptureOptions { Tee = writer })))
            {
                Assert.That(capture.Filter, Does.StartWith("not ether src "));
                capture.Start((frame, _) => frames.Enqueue(frame.ToArray()));

                // B answers A's requests: the replies go out of vb but the inbound qualifier keeps them out of the capture.
                Assert.That(Host.Ping(pair.A, NamespacePair.AddressB, count: 3), Is.True);
                var clock = Stopwatch.StartNew();
                while (frames.Count < 3 && clock.Elapsed < TimeSpan.FromSeconds(3))
                {
                    Thread.Sleep(20);
                }

                Thread.Sleep(100); // anything extra (the outgoing replies) would show up by now
                capture.Stop();
                Assert.That(capture.Captured, Is.EqualTo(3));
                Assert.That(writer.Written, Is.EqualTo(3));
            }

            Assert.That(frames.Select(f => TestPackets.IcmpTypeOf(TestPackets.Ipv6Of(f))), Is.All.EqualTo(128));
            var read = Host.Run("tcpdump", "-n", "-r", file);
            Assert.That(read.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(3));
            Assert.That(read.StandardOutput, Does.Contain("echo request"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
