namespace Shisa.Appliance.Demo;

/// <summary>Knobs of the topology.</summary>
public sealed record TopologyOptions
{
    /// <summary>Where the mn's veth is plugged in at first.</summary>
    public AccessLink InitialLink { get; init; } = AccessLink.Home;

    /// <summary>Start radvd on the three access links.</summary>
    public bool StartRouterAdvertisements { get; init; } = true;

    /// <summary>
    /// RA interval bounds in seconds: every 1-3 s, a network that is not tuned for mobility (radvd's defaults are
    /// 200-600 s; RFC 6275 7.5 would allow down to 0.03 / 0.07), so handover figures do not lean on frequent RAs.
    /// </summary>
    public double MinRtrAdvInterval { get; init; } = 1;

    public double MaxRtrAdvInterval { get; init; } = 3;

    /// <summary>
    /// RFC 4861 MIN_DELAY_BETWEEN_RAS, radvd's default, as a real network leaves it. It only rate-limits multicast
    /// RAs: radvd answers an RS with a unicast RA (AdvRASolicitedUnicast, on by default, RFC 7772) after its random
    /// 0-0.5 s delay (RFC 4861 6.2.6 MAX_RA_DELAY_TIME), which is the solicited-RA delay a first visit waits for.
    /// </summary>
    public double MinDelayBetweenRAs { get; init; } = 3;

    /// <summary>Router lifetime: 3 x MaxRtrAdvInterval (RFC 4861 6.2.1's default), so a router left behind expires in seconds.</summary>
    public int AdvDefaultLifetime { get; init; } = 9;

    public int AdvValidLifetime { get; init; } = 120;

    public int AdvPreferredLifetime { get; init; } = 30;

    /// <summary>
    /// Turn on forwarding in <c>mn</c> (a mobile router). Off by default: the kernel uses optimistic DAD
    /// (RFC 4429) only on hosts, so a forwarding mn waits a whole DAD second for each care-of address.
    /// </summary>
    public bool MobileNodeForwards { get; init; }

    /// <summary>
    /// On a move, mn0 forgets what it learnt on the old link (its SLAAC addresses and RA routes), as a host's
    /// network manager does when it joins a new network. Without it the kernel keeps them until their lifetimes
    /// run out (carrier loss alone removes nothing), and a detector that keeps a still-valid care-of address stays
    /// with the old link's one.
    /// </summary>
    public bool ForgetLinkOnMove { get; init; }
}
