using System.Net;

namespace Shisa.DataPlane.Bus;

/// <summary>What identifies a binding cache entry: the node holding it, the home address and the binding id.</summary>
public readonly record struct BindingCacheKey(IPAddress Peer, IPAddress HomeAddress, ushort BindingId);

/// <summary>
/// A binding cache entry as the signalling side tells it to the data plane (mipsock mipm_bc_info: lifetime,
/// flags, then home address, care-of address, and the correspondent's address).
/// </summary>
/// <param name="HomeAddress">The mobile node's home address.</param>
/// <param name="CareOfAddress">Where traffic for <paramref name="HomeAddress"/> goes now.</param>
/// <param name="Peer">This node's address the binding was made with: the home agent's or the correspondent's.</param>
/// <param name="Flags">The accepted Binding Update's flags (H, R, A ...).</param>
/// <param name="Lifetime">The granted lifetime.</param>
/// <param name="Sequence">The accepted Binding Update's sequence number.</param>
/// <param name="MobileNetworkPrefixes">The mobile router's prefixes (RFC 3963), empty for a mobile host.</param>
/// <param name="BindingId">The binding id of RFC 5648 (multiple care-of addresses); 0 when none.</param>
public sealed record BindingCacheEntry(
    IPAddress HomeAddress,
    IPAddress CareOfAddress,
    IPAddress Peer,
    BindingUpdateFlags Flags,
    TimeSpan Lifetime,
    ushort Sequence,
    EquatableArray<Prefix> MobileNetworkPrefixes,
    ushort BindingId = 0)
{
    public BindingCacheKey Key => new(Peer, HomeAddress, BindingId);

    /// <summary>A home registration: the data plane tunnels to the care-of address and defends the home address.</summary>
    public bool IsHomeRegistration => (Flags & BindingUpdateFlags.HomeRegistration) != 0;

    public bool IsMobileRouter => (Flags & BindingUpdateFlags.MobileRouter) != 0;
}
