using System.Globalization;
using System.Net;
using System.Text;

namespace Shisa.Appliance.Demo;

/// <summary>
/// The DESIGN 9 topology in network namespaces named uniquely per run, for <c>shisa demo</c>, the end-to-end
/// tests (as <c>MobilityTopology</c>) and the tunnel benchmark:
/// <code>
///                       cn   cn0 2001:db8:c::2/64
///                        |
///    2001:db8:f0:1::/64 core  2001:db8:f0:a1::/64, 2001:db8:f0:a2::/64
///         +--------------+---------------+
///       ha-up ::2     ar1-up ::2      ar2-up ::2
///        ha             ar1             ar2        each with an access link (a bridge)
///    2001:db8:1::1/64  2001:db8:a1::1/64  2001:db8:a2::1/64   (radvd)
///           the mn's veth (mn0, peer mnp) is plugged into exactly one access link
///                        mn   mn0 (SLAAC), mr1 2001:db8:1:100::1/64
///                        |
///                       mnn   mnn0 2001:db8:1:100::10/64, default via ::1
/// </code>
/// Everything is torn down on <see cref="Dispose"/>, also after a failed run or a failed build-up; what a killed
/// run left behind is removed by the next one (<see cref="RunNames.RemoveStale"/>).
/// </summary>
public sealed class DemoTopology : IDisposable
{
    public const string HomeBridge = "br-home";
    public const string ForeignBridge1 = "br-a1";
    public const string ForeignBridge2 = "br-a2";
    public const string MobileInterface = "mn0";
    public const string MobilePeer = "mnp";
    public const string MobileRouterInterface = "mr1";
    public const string MobileNetworkNodeInterface = "mnn0";
    public const string CorrespondentInterface = "cn0";

    public static readonly IPAddress CorrespondentAddress = IPAddress.Parse("2001:db8:c::2");
    public static readonly IPAddress HomeAgentAddress = IPAddress.Parse("2001:db8:1::1");
    public static readonly IPAddress HomeAddress = IPAddress.Parse("2001:db8:1::100");
    public static readonly IPAddress Foreign1RouterAddress = IPAddress.Parse("2001:db8:a1::1");
    public static readonly IPAddress Foreign2RouterAddress = IPAddress.Parse("2001:db8:a2::1");
    public static readonly IPAddress MobileRouterAddress = IPAddress.Parse("2001:db8:1:100::1");
    public static readonly IPAddress MobileNetworkNodeAddress = IPAddress.Parse("2001:db8:1:100::10");
    public static readonly IPNetwork HomePrefix = IPNetwork.Parse("2001:db8:1::/64");
    public static readonly IPNetwork Foreign1Prefix = IPNetwork.Parse("2001:db8:a1::/64");
    public static readonly IPNetwork Foreign2Prefix = IPNetwork.Parse("2001:db8:a2::/64");
    public static readonly IPNetwork MobileNetworkPrefix = IPNetwork.Parse("2001:db8:1:100::/56");

    private readonly List<NamespaceProcess> _processes = [];
    private readonly List<string> _namespaces = [];
    private bool _disposed;

    private DemoTopology(RunNames names, TopologyOptions options)
    {
        Names = names;
        Options = options;
        Cn = names.Namespace("cn");
        Core = names.Namespace("core");
        Ha = names.Namespace("ha");
        Ar1 = names.Namespace("ar1");
        Ar2 = names.Namespace("ar2");
        Mn = names.Namespace("mn");
        Mnn = names.Namespace("mnn");
    }

    public RunNames Names { get; }

    public TopologyOptions Options { get; }

    public string Cn { get; }

    public string Core { get; }

    public string Ha { get; }

    public string Ar1 { get; }

    public string Ar2 { get; }

    public string Mn { get; }

    public string Mnn { get; }

    /// <summary>Where the mn's veth is plugged in now.</summary>
    public AccessLink CurrentLink { get; private set; }

    /// <summary>The radvd processes, by access link.</summary>
    public IReadOnlyDictionary<AccessLink, NamespaceProcess> RouterAdvertisementDaemons { get; private set; } = new Dictionary<AccessLink, NamespaceProcess>();

    public static DemoTopology Create(TopologyOptions? options = null)
    {
        var topology = new DemoTopology(RunNames.Create(), options ?? new TopologyOptions());
        try
        {
            topology.Build();
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    /// <summary>The namespace that holds an access link's bridge.</summary>
    public string NamespaceOf(AccessLink link) => link switch
    {
        AccessLink.Home => Ha,
        AccessLink.Foreign1 => Ar1,
        AccessLink.Foreign2 => Ar2,
        _ => throw new ArgumentOutOfRangeException(nameof(link)),
    };

    public static string BridgeOf(AccessLink link) => link switch
    {
        AccessLink.Home => HomeBridge,
        AccessLink.Foreign1 => ForeignBridge1,
        AccessLink.Foreign2 => ForeignBridge2,
        _ => throw new ArgumentOutOfRangeException(nameof(link)),
    };

    public static IPNetwork PrefixOf(AccessLink link) => link switch
    {
        AccessLink.Home => HomePrefix,
        AccessLink.Foreign1 => Foreign1Prefix,
        AccessLink.Foreign2 => Foreign2Prefix,
        _ => throw new ArgumentOutOfRangeException(nameof(link)),
    };

    /// <summary>
    /// Re-plugs the mn's veth peer into another access link: the peer goes down and moves namespace (mn0 loses
    /// carrier), then joins the new bridge and comes up (mn0 regains carrier and hears the new prefix).
    /// </summary>
    public void MoveTo(AccessLink link)
    {
        if (link == CurrentLink)
        {
            return;
        }

        string from = NamespaceOf(CurrentLink);
        string to = NamespaceOf(link);
        NamespaceCommands.Run("ip", "-n", from, "link", "set", MobilePeer, "down");
        NamespaceCommands.Run("ip", "-n", from, "link", "set", MobilePeer, "netns", to);
        if (Options.ForgetLinkOnMove)
        {
            NamespaceCommands.TryRun("ip", "-n", Mn, "-6", "addr", "flush", "dev", MobileInterface, "scope", "global", "dynamic");
            NamespaceCommands.TryRun("ip", "-n", Mn, "-6", "route", "flush", "dev", MobileInterface, "proto", "ra");
        }

        Plug(link);
    }

    /// <summary>Runs a program inside one of the topology's namespaces; throws when it fails.</summary>
    public static CommandResult Exec(string ns, string program, params string[] arguments) => NamespaceCommands.Exec(ns, program, arguments);

    /// <summary>Starts a long-running program inside a namespace; it is killed at the latest on dispose.</summary>
    public NamespaceProcess Start(string ns, string program, params string[] arguments)
    {
        var process = NamespaceProcess.Start(ns, program, arguments);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>
    /// Starts <c>ping -6 -D -O -n -i INTERVAL DESTINATION</c> inside <paramref name="ns"/>; interrupt it and parse
    /// its lines with <see cref="PingTimeline.Parse"/> for a per-packet delivery timeline.
    /// </summary>
    public NamespaceProcess StartPing(string ns, IPAddress destination, double intervalSeconds = 0.01, IPAddress? source = null)
    {
        List<string> arguments = ["-6", "-D", "-O", "-n", "-i", intervalSeconds.ToString(CultureInfo.InvariantCulture), "-W", "1"];
        if (source is not null)
        {
            arguments.Add("-I");
            arguments.Add(source.ToString());
        }

        arguments.Add(destination.ToString());
        return Start(ns, "ping", [.. arguments]);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (_processes)
        {
            foreach (var process in _processes)
            {
                process.Dispose();
            }

            _processes.Clear();
        }

        foreach (string ns in _namespaces)
        {
            RunNames.DeleteNamespace(ns);
        }

        try
        {
            Directory.Delete(Names.ScratchDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private void Build()
    {
        Directory.CreateDirectory(Names.ScratchDirectory);
        string[] routers = [Core, Ha, Ar1, Ar2];
        foreach (string ns in (string[])[Cn, Core, Ha, Ar1, Ar2, Mn, Mnn])
        {
            NamespaceCommands.Run("ip", "netns", "add", ns);
            _namespaces.Add(ns);
            NamespaceCommands.Run("ip", "-n", ns, "link", "set", "lo", "up");
        }

        // Routers forward; a mobile router forwards too (mn0 then needs accept_ra=2 to keep doing SLAAC).
        foreach (string ns in (string[])[.. routers, .. (Options.MobileNodeForwards ? (string[])[Mn] : [])])
        {
            NamespaceCommands.Sysctl(ns, "net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.default.forwarding=1");
        }

        // Static router addresses need no DAD (the bridges' link-local addresses then come at once, and radvd with them).
        foreach (string ns in routers)
        {
            NamespaceCommands.Sysctl(ns, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        }

        // The mn: optimistic DAD (RFC 4429) and no delay before the first router solicitation, so a care-of
        // address is usable as soon as an RA is heard. Set on "default" before mn0 exists, so mn0 inherits it.
        NamespaceCommands.Sysctl(
            Mn,
            "net.ipv6.conf.default.accept_ra=2",
            "net.ipv6.conf.default.optimistic_dad=1",
            "net.ipv6.conf.default.use_optimistic=1",
            "net.ipv6.conf.default.router_solicitation_delay=0",
            "net.ipv6.conf.default.router_solicitation_interval=1");

        Veth(Core, "core-cn", Cn, CorrespondentInterface);
        Veth(Core, "core-ha", Ha, "ha-up");
        Veth(Core, "core-ar1", Ar1, "ar1-up");
        Veth(Core, "core-ar2", Ar2, "ar2-up");
        Veth(Mn, MobileRouterInterface, Mnn, MobileNetworkNodeInterface);

        Address(Cn, CorrespondentInterface, "2001:db8:c::2/64");
        Address(Core, "core-cn", "2001:db8:c::1/64");
        Address(Core, "core-ha", "2001:db8:f0:1::1/64");
        Address(Ha, "ha-up", "2001:db8:f0:1::2/64");
        Address(Core, "core-ar1", "2001:db8:f0:a1::1/64");
        Address(Ar1, "ar1-up", "2001:db8:f0:a1::2/64");
        Address(Core, "core-ar2", "2001:db8:f0:a2::1/64");
        Address(Ar2, "ar2-up", "2001:db8:f0:a2::2/64");
        Address(Mn, MobileRouterInterface, "2001:db8:1:100::1/64");
        Address(Mnn, MobileNetworkNodeInterface, "2001:db8:1:100::10/64");

        Bridge(Ha, HomeBridge, "2001:db8:1::1/64");
        Bridge(Ar1, ForeignBridge1, "2001:db8:a1::1/64");
        Bridge(Ar2, ForeignBridge2, "2001:db8:a2::1/64");

        NamespaceCommands.Run("ip", "-n", Core, "-6", "route", "add", "2001:db8:1::/48", "via", "2001:db8:f0:1::2");
        NamespaceCommands.Run("ip", "-n", Core, "-6", "route", "add", "2001:db8:a1::/64", "via", "2001:db8:f0:a1::2");
        NamespaceCommands.Run("ip", "-n", Core, "-6", "route", "add", "2001:db8:a2::/64", "via", "2001:db8:f0:a2::2");
        NamespaceCommands.Run("ip", "-n", Cn, "-6", "route", "add", "default", "via", "2001:db8:c::1");
        NamespaceCommands.Run("ip", "-n", Ha, "-6", "route", "add", "default", "via", "2001:db8:f0:1::1");
        NamespaceCommands.Run("ip", "-n", Ar1, "-6", "route", "add", "default", "via", "2001:db8:f0:a1::1");
        NamespaceCommands.Run("ip", "-n", Ar2, "-6", "route", "add", "default", "via", "2001:db8:f0:a2::1");
        NamespaceCommands.Run("ip", "-n", Mnn, "-6", "route", "add", "default", "via", "2001:db8:1:100::1");

        if (Options.StartRouterAdvertisements)
        {
            var daemons = new Dictionary<AccessLink, NamespaceProcess>();
            foreach (var link in (AccessLink[])[AccessLink.Home, AccessLink.Foreign1, AccessLink.Foreign2])
            {
                daemons[link] = StartRadvd(link);
            }

            RouterAdvertisementDaemons = daemons;
        }

        // The mn's link: mn0 in mn, its peer plugged into the first access link's bridge.
        NamespaceCommands.Run("ip", "link", "add", MobileInterface, "netns", Mn, "type", "veth", "peer", "name", MobilePeer, "netns", NamespaceOf(Options.InitialLink));
        NamespaceCommands.Sysctl(Mn, $"net.ipv6.conf.{MobileInterface}.accept_ra=2");
        NamespaceCommands.Run("ip", "-n", Mn, "link", "set", MobileInterface, "up");
        Plug(Options.InitialLink);
    }

    private void Plug(AccessLink link)
    {
        string ns = NamespaceOf(link);
        NamespaceCommands.Run("ip", "-n", ns, "link", "set", MobilePeer, "master", BridgeOf(link));
        NamespaceCommands.Run("ip", "-n", ns, "link", "set", MobilePeer, "up");
        CurrentLink = link;
    }

    private static void Veth(string ns1, string name1, string ns2, string name2)
    {
        NamespaceCommands.Run("ip", "link", "add", name1, "netns", ns1, "type", "veth", "peer", "name", name2, "netns", ns2);
        NamespaceCommands.Run("ip", "-n", ns1, "link", "set", name1, "up");
        NamespaceCommands.Run("ip", "-n", ns2, "link", "set", name2, "up");
    }

    private static void Address(string ns, string device, string prefix)
        => NamespaceCommands.Run("ip", "-n", ns, "addr", "add", prefix, "dev", device, "nodad");

    private static void Bridge(string ns, string name, string prefix)
    {
        // No STP (ports forward at once) and no multicast snooping (ND multicast is flooded, never filtered).
        NamespaceCommands.Run("ip", "-n", ns, "link", "add", name, "type", "bridge", "stp_state", "0", "mcast_snooping", "0");
        NamespaceCommands.Run("ip", "-n", ns, "link", "set", name, "up");
        Address(ns, name, prefix);

        // A bridge without a port that has carrier has no carrier itself, so no link-local address and no RAs
        // until the mn plugs in (then a further DAD second). A stub port keeps every access link alive.
        NamespaceCommands.Run("ip", "-n", ns, "link", "add", "stub0", "type", "veth", "peer", "name", "stub1");
        NamespaceCommands.Sysctl(ns, "net.ipv6.conf.stub0.disable_ipv6=1", "net.ipv6.conf.stub1.disable_ipv6=1");
        NamespaceCommands.Run("ip", "-n", ns, "link", "set", "stub0", "master", name);
        NamespaceCommands.Run("ip", "-n", ns, "link", "set", "stub0", "up");
        NamespaceCommands.Run("ip", "-n", ns, "link", "set", "stub1", "up");
    }

    private NamespaceProcess StartRadvd(AccessLink link)
    {
        string ns = NamespaceOf(link);
        string bridge = BridgeOf(link);
        string name = link.ToString().ToLowerInvariant();
        string config = Path.Combine(Names.ScratchDirectory, $"radvd-{name}.conf");
        File.WriteAllText(config, RadvdConfig(link, bridge));
        string pidFile = Path.Combine(Names.ScratchDirectory, $"radvd-{name}.pid");
        var process = Start(ns, "radvd", "-n", "-m", "stderr", "-C", config, "-p", pidFile);
        return process;
    }

    private string RadvdConfig(AccessLink link, string bridge)
    {
        var o = Options;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"interface {bridge} {{\n");
        text.Append("  AdvSendAdvert on;\n");
        text.Append(CultureInfo.InvariantCulture, $"  MinRtrAdvInterval {o.MinRtrAdvInterval};\n");
        text.Append(CultureInfo.InvariantCulture, $"  MaxRtrAdvInterval {o.MaxRtrAdvInterval};\n");
        text.Append(CultureInfo.InvariantCulture, $"  MinDelayBetweenRAs {o.MinDelayBetweenRAs};\n");
        text.Append("  AdvRASolicitedUnicast on;\n");
        text.Append(CultureInfo.InvariantCulture, $"  AdvDefaultLifetime {o.AdvDefaultLifetime};\n");
        text.Append("  AdvIntervalOpt on;\n"); // RFC 6275 7.3: lets a mobile node time its movement detection
        if (link == AccessLink.Home)
        {
            // RFC 6275 7.4/7.5: the H flag and a Home Agent Information option; RFC 3963: the R flag for NEMO.
            text.Append("  AdvHomeAgentFlag on;\n");
            text.Append("  AdvHomeAgentInfo on;\n");
            text.Append("  HomeAgentLifetime 1800;\n");
            text.Append("  HomeAgentPreference 10;\n");
            text.Append("  AdvMobRtrSupportFlag on;\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"  prefix {PrefixOf(link)} {{\n");
        text.Append("    AdvOnLink on;\n    AdvAutonomous on;\n");
        text.Append("    AdvRouterAddr on;\n"); // the router's (home agent's) full address, R bit (RFC 6275 7.2)
        text.Append(CultureInfo.InvariantCulture, $"    AdvValidLifetime {o.AdvValidLifetime};\n");
        text.Append(CultureInfo.InvariantCulture, $"    AdvPreferredLifetime {o.AdvPreferredLifetime};\n");
        text.Append("  };\n};\n");
        return text.ToString();
    }
}
