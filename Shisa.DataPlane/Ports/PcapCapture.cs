using SharpPcap;
using SharpPcap.LibPcap;

namespace Shisa.DataPlane.Ports;

/// <summary>A captured frame handed to a <see cref="PcapCapture"/> handler; the span is valid only during the call.</summary>
public delegate void PcapFrameHandler(ReadOnlySpan<byte> frame, DateTime timestampUtc);

/// <summary>How a <see cref="PcapCapture"/> opens its device.</summary>
public sealed record PcapCaptureOptions
{
    /// <summary>
    /// Only frames coming in: SharpPcap cannot set the capture direction on Linux, and without it the capture
    /// also sees what the process sends (DESIGN 5). On Ethernet this adds <c>not ether src OUR-MAC</c> to the
    /// filter, elsewhere libpcap's <c>inbound</c>. (Measured: with <c>inbound</c> libpcap loses the first frame
    /// after the filter is set, because it filters the ring's current block in user space, where the direction
    /// test cannot be evaluated.)
    /// </summary>
    public bool InboundOnly { get; init; } = true;

    public int SnapLength { get; init; } = 65535;

    /// <summary>How long one read waits before the loop checks for a stop.</summary>
    public int ReadTimeoutMilliseconds { get; init; } = 100;

    public bool Promiscuous { get; init; }

    /// <summary>Every captured frame is also written here (diagnostics).</summary>
    public PcapFileWriter? Tee { get; init; }
}

/// <summary>
/// SharpPcap capture for signalling (not the forwarding path): a BPF filter, <c>Immediate = true</c> (the default
/// 1000 ms read timeout gave a 2.5 s RTT, DESIGN 5), and a dedicated thread that calls GetNextPacket in a loop
/// rather than StartCapture (which holds a thread-pool thread for good). The device opens in the constructor,
/// in the calling thread's network namespace.
/// </summary>
public sealed class PcapCapture : IDisposable
{
    private readonly LibPcapLiveDevice _device;
    private readonly PcapCaptureOptions _options;
    private Thread? _thread;
    private volatile bool _stopping;
    private long _captured;
    private long _handlerErrors;

    public PcapCapture(string deviceName, string? filter, PcapCaptureOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceName);
        _options = options ?? new PcapCaptureOptions();
        var devices = LibPcapLiveDeviceList.New();
        _device = devices.FirstOrDefault(d => d.Name == deviceName)
            ?? throw new ArgumentException($"No capture device '{deviceName}' in this network namespace.", nameof(deviceName));

        _device.Open(new DeviceConfiguration
        {
            Mode = _options.Promiscuous ? DeviceModes.Promiscuous : DeviceModes.None,
            Immediate = true,
            ReadTimeout = _options.ReadTimeoutMilliseconds,
            Snaplen = _options.SnapLength,
        });

        Filter = Compose(filter, _options.InboundOnly ? InboundQualifier(_device) : null);
        try
        {
            if (Filter.Length > 0)
            {
                _device.Filter = Filter;
            }
        }
        catch
        {
            _device.Close();
            throw;
        }

        Name = deviceName;
    }

    public string Name { get; }

    /// <summary>The filter in force (with <c>inbound</c> when asked for).</summary>
    public string Filter { get; }

    public long Captured => Volatile.Read(ref _captured);

    /// <summary>Exceptions thrown by the handler (caught, counted, the capture goes on).</summary>
    public long HandlerErrors => Volatile.Read(ref _handlerErrors);

    /// <summary>The names of the capture devices libpcap finds in the calling thread's network namespace.</summary>
    public static IReadOnlyList<string> ListDevices()
    {
        var devices = LibPcapLiveDeviceList.New();
        return devices.Select(d => d.Name).ToArray();
    }

    /// <summary>Starts the capture thread; <paramref name="handler"/> runs on it for every frame.</summary>
    public void Start(PcapFrameHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_thread is not null)
        {
            throw new InvalidOperationException("The capture is already started.");
        }

        _thread = new Thread(() => Loop(handler)) { IsBackground = true, Name = $"pcap {Name}" };
        _thread.Start();
    }

    /// <summary>Stops the capture thread (within one read timeout) and waits for it.</summary>
    public void Stop()
    {
        _stopping = true;
        _thread?.Join();
    }

    public void Dispose()
    {
        Stop();
        _device.Close();
        _device.Dispose();
    }

    private static string InboundQualifier(LibPcapLiveDevice device)
    {
        byte[]? mac = device.LinkType == PacketDotNet.LinkLayers.Ethernet ? device.MacAddress?.GetAddressBytes() : null;
        return mac is { Length: 6 } && mac.Any(b => b != 0)
            ? $"not ether src {string.Join(':', mac.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)))}"
            : "inbound";
    }

    private static string Compose(string? filter, string? qualifier)
    {
        filter = filter?.Trim() ?? string.Empty;
        if (qualifier is null)
        {
            return filter;
        }

        return filter.Length == 0 ? qualifier : $"{qualifier} and ({filter})";
    }

    private void Loop(PcapFrameHandler handler)
    {
        while (!_stopping)
        {
            var status = _device.GetNextPacket(out PacketCapture capture);
            if (status != GetPacketStatus.PacketRead)
            {
                if (status == GetPacketStatus.Error)
                {
                    Thread.Sleep(10); // the device went away; do not spin while the owner notices
                }

                continue;
            }

            Interlocked.Increment(ref _captured);
            var data = capture.Data;
            var timestamp = capture.Header.Timeval.Date;
            _options.Tee?.Write(data, timestamp);
            try
            {
                handler(data, timestamp);
            }
#pragma warning disable CA1031 // a faulty handler must not end the capture thread
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _handlerErrors);
            }
        }
    }
}
