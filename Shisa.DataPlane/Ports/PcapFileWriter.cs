using SharpPcap;
using SharpPcap.LibPcap;

namespace Shisa.DataPlane.Ports;

/// <summary>Writes frames into a pcap file for diagnostics (open it with tcpdump -r or Wireshark). Thread-safe.</summary>
public sealed class PcapFileWriter : IDisposable
{
    private readonly CaptureFileWriterDevice _writer;
    private readonly Lock _lock = new();
    private bool _disposed;

    public PcapFileWriter(string path, PortFrameKind frameKind = PortFrameKind.Ethernet)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        _writer = new CaptureFileWriterDevice(path, FileMode.Create);
        _writer.Open(new DeviceConfiguration
        {
            LinkLayerType = frameKind == PortFrameKind.Ethernet ? PacketDotNet.LinkLayers.Ethernet : PacketDotNet.LinkLayers.Raw,
        });
    }

    public string Path { get; }

    public long Written { get; private set; }

    /// <summary>Writes one frame with the given time (UTC).</summary>
    public void Write(ReadOnlySpan<byte> frame, DateTime timestampUtc)
    {
        long ticks = (timestampUtc.ToUniversalTime() - DateTime.UnixEpoch).Ticks;
        var header = new PcapHeader(
            (uint)(ticks / TimeSpan.TicksPerSecond),
            (uint)(ticks % TimeSpan.TicksPerSecond / 10),
            (uint)frame.Length,
            (uint)frame.Length);
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _writer.Write(frame, ref header);
            Written++;
        }
    }

    /// <summary>Writes every frame of a batch with one time stamp.</summary>
    public void Write(PacketBatch batch, DateTime timestampUtc)
    {
        ArgumentNullException.ThrowIfNull(batch);
        for (int i = 0; i < batch.Count; i++)
        {
            Write(batch[i], timestampUtc);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _writer.Close();
            _writer.Dispose();
        }
    }
}
