using System.Net;

namespace Shisa.EndToEnd.Tests.Topology;

/// <summary>
/// Two namespaces joined by one veth pair, for port tests: <c>A</c> with <c>va</c> 2001:db8:ab::1/64 and
/// <c>B</c> with <c>vb</c> 2001:db8:ab::2/64 (no DAD, so usable at once). Disposing deletes both.
/// </summary>
public sealed class NamespacePair : IDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("2001:db8:ab::1");
    public static readonly IPAddress AddressB = IPAddress.Parse("2001:db8:ab::2");

    private NamespacePair(RunNames names)
    {
        Names = names;
        A = names.Namespace("a");
        B = names.Namespace("b");
    }

    public RunNames Names { get; }

    public string A { get; }

    public string B { get; }

    public string InterfaceA => "va";

    public string InterfaceB => "vb";

    public byte[] LinkAddressA => Host.LinkAddress(A, InterfaceA);

    public byte[] LinkAddressB => Host.LinkAddress(B, InterfaceB);

    public static NamespacePair Create()
    {
        var pair = new NamespacePair(RunNames.Create());
        try
        {
            foreach (string ns in (string[])[pair.A, pair.B])
            {
                Host.Run("ip", "netns", "add", ns);
                Host.Run("ip", "-n", ns, "link", "set", "lo", "up");
                Host.Sysctl(ns, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            }

            Host.Run("ip", "link", "add", pair.InterfaceA, "netns", pair.A, "type", "veth", "peer", "name", pair.InterfaceB, "netns", pair.B);
            Host.Run("ip", "-n", pair.A, "addr", "add", $"{AddressA}/64", "dev", pair.InterfaceA, "nodad");
            Host.Run("ip", "-n", pair.B, "addr", "add", $"{AddressB}/64", "dev", pair.InterfaceB, "nodad");
            Host.Run("ip", "-n", pair.A, "link", "set", pair.InterfaceA, "up");
            Host.Run("ip", "-n", pair.B, "link", "set", pair.InterfaceB, "up");
            return pair;
        }
        catch
        {
            pair.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Host.TryRun("ip", "netns", "del", A);
        Host.TryRun("ip", "netns", "del", B);
    }
}
