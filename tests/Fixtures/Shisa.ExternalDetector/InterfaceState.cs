using System.Globalization;
using System.Net;

namespace Shisa.ExternalDetector;

/// <summary>One IPv6 address of the watched interface, as a line of /proc/net/if_inet6 gives it.</summary>
/// <param name="Scope">The kernel's IPV6_ADDR_* scope bits: 0x00 global, 0x10 loopback, 0x20 link, 0x40 site.</param>
/// <param name="Flags">The kernel's IFA_F_* flags, low octet.</param>
internal sealed record WatchedAddress(IPAddress Address, int PrefixLength, int Scope, int Flags)
{
    private const int GlobalScope = 0x00;
    private const int Optimistic = 0x04;
    private const int DadFailed = 0x08;
    private const int Deprecated = 0x20;
    private const int Tentative = 0x40;

    /// <summary>
    /// Could be a care-of address: global scope, not multicast, DAD not failed, and past DAD or optimistic
    /// (RFC 4429: an optimistic address may be used at once). The built-in detector's InterfaceAddress.IsUsable.
    /// </summary>
    public bool IsUsable =>
        Scope == GlobalScope && !Address.IsIPv6LinkLocal && !Address.IsIPv6Multicast && !IPAddress.IsLoopback(Address)
        && (Flags & DadFailed) == 0 && ((Flags & Tentative) == 0 || (Flags & Optimistic) != 0);

    /// <summary>Past DAD: preferred over an optimistic address.</summary>
    public bool IsConfirmed => (Flags & (Tentative | Optimistic)) == 0;

    public bool IsDeprecated => (Flags & Deprecated) != 0;
}

/// <summary>
/// The watched interface at one instant: its index, whether it has carrier, how often it lost carrier since it
/// was created (so a loss shorter than one poll is not missed), and its IPv6 addresses.
/// </summary>
internal sealed record InterfaceState(string Name, int Index, bool Up, long CarrierDowns, IReadOnlyList<WatchedAddress> Addresses)
{
    /// <summary>
    /// Reads <c>SYS/NAME/{ifindex,carrier,carrier_down_count}</c> and the lines of <paramref name="procFile"/> (the
    /// format of /proc/net/if_inet6: address, index, prefix length, scope, flags in hex, then the name) for
    /// <paramref name="name"/>. A missing interface is down with no address; an administratively down one cannot
    /// report its carrier (EINVAL) and counts as down.
    /// </summary>
    public static InterfaceState Read(string name, string procFile, string sysDirectory)
    {
        string dir = Path.Combine(sysDirectory, name);
        int index = (int)(ReadNumber(Path.Combine(dir, "ifindex")) ?? 0);
        bool up = ReadNumber(Path.Combine(dir, "carrier")) == 1;
        long downs = ReadNumber(Path.Combine(dir, "carrier_down_count")) ?? 0;
        var addresses = new List<WatchedAddress>();
        foreach (string line in ReadLines(procFile))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 6 || f[5] != name || f[0].Length != 32
                || !int.TryParse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int length)
                || !int.TryParse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int scope)
                || !int.TryParse(f[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int flags))
            {
                continue;
            }

            addresses.Add(new WatchedAddress(new IPAddress(Convert.FromHexString(f[0])), length, scope, flags));
            if (index == 0 && int.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int i))
            {
                index = i;
            }
        }

        return new InterfaceState(name, index, up, downs, addresses);
    }

    private static long? ReadNumber(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : null;
        }
        catch (IOException)
        {
            return null; // no such interface, or carrier of an interface that is down (EINVAL)
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return [];
        }
    }
}
