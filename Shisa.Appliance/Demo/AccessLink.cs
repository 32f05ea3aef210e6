namespace Shisa.Appliance.Demo;

/// <summary>The three access links of DESIGN 9.</summary>
public enum AccessLink
{
    /// <summary>The home link, a bridge in <c>ha</c>: 2001:db8:1::/64, RAs with the H flag and a Home Agent Information option.</summary>
    Home,

    /// <summary>Foreign link 1, a bridge in <c>ar1</c>: 2001:db8:a1::/64.</summary>
    Foreign1,

    /// <summary>Foreign link 2, a bridge in <c>ar2</c>: 2001:db8:a2::/64.</summary>
    Foreign2,
}
