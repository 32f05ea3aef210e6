using System.Net;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Shisa.DataPlane.Neighbors;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.Modules.MovementDetection;

/// <summary>
/// <see cref="INeighborDiscoveryLink"/> over the data plane's <see cref="NeighborDiscoverySocket"/>, read on a thread
/// of its own (STYLE 9). Validates what it hears as RFC 4861 6.1.2 (RA) and 7.1.2 (NA) ask before the detector
/// sees it; anything else is counted and dropped.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NeighborDiscoveryLink : INeighborDiscoveryLink
{
    private const int ReceiveBuffer = 1500;
    private const int PollMilliseconds = 250;
    private const int NeighborAdvertisementLength = 24;
    private const byte SolicitedFlag = 0x40;

    private readonly NeighborDiscoverySocket _socket;
    private readonly string _interfaceName;
    private readonly ILogger _logger;
    private Thread? _thread;
    private volatile bool _stopping;
    private long _dropped;

    public NeighborDiscoveryLink(string interfaceName, ILogger logger)
    {
        _interfaceName = interfaceName;
        _logger = logger;
        _socket = NeighborDiscoverySocket.Open(interfaceName);
    }

    /// <summary>Received messages that failed validation.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Start(Action<IPAddress, RouterAdvertisement, DateTimeOffset?> routerAdvertisement, Action<IPAddress, bool, DateTimeOffset?> neighborAdvertisement)
    {
        ArgumentNullException.ThrowIfNull(routerAdvertisement);
        ArgumentNullException.ThrowIfNull(neighborAdvertisement);
        _thread = new Thread(() => Run(routerAdvertisement, neighborAdvertisement)) { IsBackground = true, Name = $"shisa-nd-{_interfaceName}" };
        _thread.Start();
    }

    public bool TrySendRouterSolicitation() => _socket.TrySendRouterSolicitation();

    public bool TrySendNeighborSolicitation(IPAddress target) => _socket.TrySendNeighborSolicitation(target);

    public void Dispose()
    {
        _stopping = true;
        _thread?.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
    }

    private void Run(Action<IPAddress, RouterAdvertisement, DateTimeOffset?> routerAdvertisement, Action<IPAddress, bool, DateTimeOffset?> neighborAdvertisement)
    {
        var buffer = new byte[ReceiveBuffer];
        try
        {
            while (!_stopping)
            {
                int length = _socket.Receive(buffer, PollMilliseconds, out var source, out int hopLimit, out var receivedAt);
                if (length == 0 || source is null)
                {
                    continue;
                }

                var message = buffer.AsSpan(0, length);

                // RFC 4861 6.1.2 / 7.1.2: hop limit 255 (nobody off-link sent it), code 0; an RA comes from a link-local address.
                if (hopLimit != 255 || message.Length < 4 || message[1] != 0)
                {
                    Interlocked.Increment(ref _dropped);
                    continue;
                }

                if (message[0] == Icmpv6Type.RouterAdvertisement)
                {
                    if (source.IsIPv6LinkLocal && RouterAdvertisement.TryParse(message, out var advertisement))
                    {
                        routerAdvertisement(Unscoped(source), advertisement, receivedAt);
                    }
                    else
                    {
                        Interlocked.Increment(ref _dropped);
                    }
                }
                else if (message[0] == Icmpv6Type.NeighborAdvertisement)
                {
                    var target = message.Length >= NeighborAdvertisementLength ? new IPAddress(message[8..NeighborAdvertisementLength]) : null;
                    if (target is null || target.IsIPv6Multicast)
                    {
                        Interlocked.Increment(ref _dropped);
                        continue;
                    }

                    neighborAdvertisement(target, (message[4] & SolicitedFlag) != 0, receivedAt);
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            MovementDetectorLog.WatcherFailed(_logger, e);
        }
    }

    private static IPAddress Unscoped(IPAddress address) => new(address.GetAddressBytes());
}
