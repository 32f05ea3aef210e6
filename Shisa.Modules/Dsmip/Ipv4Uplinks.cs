using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Shisa.Modules.Dsmip;

/// <summary>One egress interface as the IPv4 care-of address choice sees it.</summary>
/// <param name="Name">The interface's name.</param>
/// <param name="Up">Administratively up with carrier.</param>
/// <param name="Ipv4">Its first IPv4 unicast address (not loopback, not link-local 169.254/16); null when none.</param>
/// <param name="HasIpv6CareOf">It has a global IPv6 address, which the IPv6 movement detection registers instead.</param>
public sealed record UplinkView(string Name, bool Up, IPAddress? Ipv4, bool HasIpv6CareOf);

/// <summary>The IPv4 care-of address a mobile node registers (RFC 5555 4.4.1), IPv4-mapped, and its interface.</summary>
public sealed record Ipv4CareOf(IPAddress MappedAddress, string InterfaceName)
{
    public IPAddress Ipv4Address => MappedAddress.MapToIPv4();
}

/// <summary>
/// RFC 5555 4.4.1: a mobile node with both prefers an IPv6 care-of address; an IPv4 one is registered only when no
/// egress interface has a global IPv6 address. Among the IPv4 ones, the profile's order of preference decides.
/// </summary>
public static class Ipv4CareOfChoice
{
    public static Ipv4CareOf? Choose(IReadOnlyList<UplinkView> uplinks)
    {
        ArgumentNullException.ThrowIfNull(uplinks);
        if (uplinks.Any(u => u.Up && u.HasIpv6CareOf))
        {
            return null;
        }

        return uplinks.FirstOrDefault(u => u.Up && u.Ipv4 is not null) is { } chosen
            ? new Ipv4CareOf(chosen.Ipv4!.MapToIPv6(), chosen.Name)
            : null;
    }
}

/// <summary>
/// Watches the mobile node's egress interfaces for an IPv4 care-of address (a poll every second through the
/// <see cref="TimeProvider"/>: the movement detector's netlink watcher listens to IPv6 only) and reports each change
/// of <see cref="Ipv4CareOfChoice.Choose"/>: the new choice, or null when there is none any more.
/// </summary>
public sealed class Ipv4UplinkWatcher : IDisposable
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<string> _interfaces;
    private readonly Action<Ipv4CareOf?, Ipv4CareOf?> _changed;
    private readonly Func<IReadOnlyList<string>, IReadOnlyList<UplinkView>> _read;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private Ipv4CareOf? _current;

    /// <param name="time">The poll's clock.</param>
    /// <param name="interfaces">The egress interfaces, in order of preference.</param>
    /// <param name="changed">Called with (previous, current) on every change, one call at a time.</param>
    /// <param name="read">Reads the interfaces (tests pass a fake); null: the host's, through System.Net.NetworkInformation.</param>
    public Ipv4UplinkWatcher(TimeProvider time, IReadOnlyList<string> interfaces, Action<Ipv4CareOf?, Ipv4CareOf?> changed,
        Func<IReadOnlyList<string>, IReadOnlyList<UplinkView>>? read = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _interfaces = interfaces;
        _changed = changed;
        _read = read ?? ReadHost;
        _timer = time.CreateTimer(_ => Poll(), null, TimeSpan.Zero, PollInterval);
    }

    public Ipv4CareOf? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public void Poll()
    {
        lock (_gate)
        {
            IReadOnlyList<UplinkView> views;
            try
            {
                views = _read(_interfaces);
            }
            catch (NetworkInformationException)
            {
                return; // the next poll tries again
            }

            var chosen = Ipv4CareOfChoice.Choose(views);
            if (chosen == _current)
            {
                return;
            }

            var previous = _current;
            _current = chosen;
            _changed(previous, chosen);
        }
    }

    public void Dispose() => _timer.Dispose();

    private static List<UplinkView> ReadHost(IReadOnlyList<string> names)
    {
        var byName = NetworkInterface.GetAllNetworkInterfaces().ToDictionary(n => n.Name, StringComparer.Ordinal);
        var views = new List<UplinkView>(names.Count);
        foreach (string name in names)
        {
            if (!byName.TryGetValue(name, out var nic))
            {
                continue;
            }

            IPAddress? ipv4 = null;
            bool ipv6 = false;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;
                if (address.AddressFamily == AddressFamily.InterNetwork && ipv4 is null && !IPAddress.IsLoopback(address)
                    && address.GetAddressBytes() is not [169, 254, ..])
                {
                    ipv4 = address;
                }
                else if (address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv6LinkLocal && !address.IsIPv6Multicast
                    && !IPAddress.IsLoopback(address) && !address.IsIPv4MappedToIPv6)
                {
                    ipv6 = true;
                }
            }

            views.Add(new UplinkView(name, nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown, ipv4, ipv6));
        }

        return views;
    }
}
