namespace Shisa.Appliance.Demo;

/// <summary>Knobs of the topology.</summary>
public sealed record TopologyOptions
{
    /// <summary>Where the mn's veth is plugged in at first.</summary>
    public AccessLink InitialLink { get; init; } = AccessLink.Home;

    /// <summary>Start radvd on the three access links.</summary>
    public bool StartRouterAdvertisements { get; init; } = true;

    /// <summary>RA interval bounds in seconds (RFC 6275 7.5 allows down to 0.03 / 0.07 with mobility support).</summary>
    public double MinRtrAdvInterval { get; init; } = 0.1;

    public double MaxRtrAdvInterval { get; init; } = 0.5;

    /// <summary>Router lifetime: short, so a default router left behind after a move expires quickly.</summary>
    public int AdvDefaultLifetime { get; init; } = 3;

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
