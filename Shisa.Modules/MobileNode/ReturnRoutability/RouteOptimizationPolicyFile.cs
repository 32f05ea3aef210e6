using System.Net;
using System.Net.Sockets;

namespace Shisa.Modules.MobileNode.ReturnRoutability;

/// <summary>
/// The correspondents an operator denied route optimization with (<c>shisa ctl ro deny</c>), kept across restarts
/// in the state directory as <see cref="FileName"/>: one IPv6 address per line. Written to a temporary file and
/// renamed, so a crash leaves the old list or the new one. Lines that are not an IPv6 unicast address are skipped
/// (and reported by <see cref="Load"/>), so a damaged file never stops the mobile node.
/// </summary>
public static class RouteOptimizationPolicyFile
{
    public const string FileName = "route-optimization-deny";

    /// <summary>At most this many addresses are kept; more are refused by the module.</summary>
    public const int MaxEntries = 1024;

    /// <summary>The denied correspondents in <paramref name="directory"/>; empty when there is no file. <paramref name="skipped"/> counts unreadable lines.</summary>
    public static IReadOnlyList<IPAddress> Load(string directory, out int skipped)
    {
        skipped = 0;
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return [];
        }

        var peers = new List<IPAddress>();
        foreach (string line in File.ReadLines(path).Take(MaxEntries * 2))
        {
            string text = line.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6 && !peers.Contains(address)
                && peers.Count < MaxEntries)
            {
                peers.Add(address);
            }
            else
            {
                skipped++;
            }
        }

        return peers;
    }

    /// <summary>Replaces the list in <paramref name="directory"/> with <paramref name="peers"/>.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public static void Save(string directory, IEnumerable<IPAddress> peers)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new StreamWriter(stream))
        {
            foreach (var peer in peers.OrderBy(p => p.ToString(), StringComparer.Ordinal))
            {
                writer.WriteLine(peer.ToString());
            }

            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
