using System.Net;
using System.Net.Sockets;

namespace Shisa.Modules.MovementDetection;

/// <summary>An address's flags, valued as the kernel's IFA_F_* (linux/if_addr.h).</summary>
[Flags]
public enum AddressFlags : uint
{
    None = 0,
    Secondary = 0x01,
    NoDad = 0x02,

    /// <summary>RFC 4429: usable while duplicate address detection runs.</summary>
    Optimistic = 0x04,
    DadFailed = 0x08,
    HomeAddress = 0x10,
    Deprecated = 0x20,

    /// <summary>Duplicate address detection has not finished.</summary>
    Tentative = 0x40,
    Permanent = 0x80,
}

/// <summary>Address scopes, valued as the kernel's RT_SCOPE_*.</summary>
public enum AddressScope : byte
{
    Universe = 0,
    Site = 200,
    Link = 253,
    Host = 254,
    Nowhere = 255,
}

/// <summary>An address on an interface, as netlink (RTM_NEWADDR) or the poller reports it.</summary>
public sealed record InterfaceAddress(int InterfaceIndex, IPAddress Address, int PrefixLength, AddressFlags Flags, AddressScope Scope)
{
    /// <summary>
    /// Usable as a care-of (or home) address: IPv6 of global scope, not link-local, multicast or loopback, not a
    /// failed DAD, and either past DAD or optimistic (RFC 4429 3: an optimistic address may be used at once).
    /// </summary>
    public bool IsUsable =>
        Address.AddressFamily == AddressFamily.InterNetworkV6
        && Scope == AddressScope.Universe
        && !Address.IsIPv6LinkLocal && !Address.IsIPv6Multicast && !IPAddress.IsLoopback(Address) && !Address.Equals(IPAddress.IPv6Any)
        && (Flags & AddressFlags.DadFailed) == 0
        && ((Flags & AddressFlags.Tentative) == 0 || (Flags & AddressFlags.Optimistic) != 0);

    /// <summary>Past DAD (neither tentative nor optimistic), preferred over an optimistic one.</summary>
    public bool IsConfirmed => (Flags & (AddressFlags.Tentative | AddressFlags.Optimistic)) == 0;
}

/// <summary>An interface's link: up means administratively up with carrier (IFF_UP and IFF_RUNNING).</summary>
public sealed record LinkState(int Index, string Name, bool Up);

/// <summary>Links and addresses at one instant.</summary>
public sealed record NetworkSnapshot(IReadOnlyList<LinkState> Links, IReadOnlyList<InterfaceAddress> Addresses)
{
    public static NetworkSnapshot Empty { get; } = new([], []);
}
