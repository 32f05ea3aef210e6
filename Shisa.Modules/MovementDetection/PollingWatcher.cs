using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Shisa.Modules.MovementDetection;

/// <summary>
/// The fallback when netlink is not there: reads the interfaces with System.Net.NetworkInformation every second
/// (a TimeProvider timer). It cannot see DAD flags, so every address it reports counts as past DAD.
/// </summary>
public sealed class PollingWatcher(TimeProvider timeProvider, ILogger logger, TimeSpan? interval = null) : INetworkWatcher
{
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private string? _last;

    public string Kind => "poll";

    public void Start(Action<NetworkSnapshot> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        var period = interval ?? TimeSpan.FromSeconds(1);
        _timer = timeProvider.CreateTimer(_ => Poll(changed), null, TimeSpan.Zero, period);
    }

    public void Dispose() => _timer?.Dispose();

    private void Poll(Action<NetworkSnapshot> changed)
    {
        lock (_gate)
        {
            try
            {
                var snapshot = Read();
                string key = string.Join(';', snapshot.Links.Select(l => $"{l.Index}{l.Name}{l.Up}"))
                    + "|" + string.Join(';', snapshot.Addresses.Select(a => $"{a.InterfaceIndex}{a.Address}/{a.PrefixLength}"));
                if (key != _last)
                {
                    _last = key;
                    changed(snapshot);
                }
            }
            catch (NetworkInformationException e)
            {
                MovementDetectorLog.WatcherFailed(logger, e);
            }
        }
    }

    private static NetworkSnapshot Read()
    {
        var links = new List<LinkState>();
        var addresses = new List<InterfaceAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var properties = nic.GetIPProperties();
            int index = nic.Supports(NetworkInterfaceComponent.IPv6) ? properties.GetIPv6Properties().Index : 0;
            links.Add(new LinkState(index, nic.Name, nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown));
            foreach (var unicast in properties.UnicastAddresses)
            {
                var address = unicast.Address;
                if (address.AddressFamily != AddressFamily.InterNetworkV6)
                {
                    continue;
                }

                var scope = address.IsIPv6LinkLocal ? AddressScope.Link : IPAddress.IsLoopback(address) ? AddressScope.Host : AddressScope.Universe;
                addresses.Add(new InterfaceAddress(index, address, unicast.PrefixLength, AddressFlags.None, scope));
            }
        }

        return new NetworkSnapshot(links, addresses);
    }
}
