using System.Net;

namespace Shisa.DataPlane.Bus;

/// <summary>
/// Binding Update flags as they sit in the Binding Update's 16-bit flags field (RFC 6275 6.1.7, RFC 3963 4.1),
/// so a codec can convert without a table. SHISA's IP6_MH_BU_*.
/// </summary>
[Flags]
public enum BindingUpdateFlags : ushort
{
    None = 0,

    /// <summary>R: the mobile node is a mobile router (RFC 3963).</summary>
    MobileRouter = 0x0400,

    /// <summary>K: key management mobility capability.</summary>
    KeyManagement = 0x1000,

    /// <summary>L: link-local address compatibility.</summary>
    LinkLocal = 0x2000,

    /// <summary>H: home registration.</summary>
    HomeRegistration = 0x4000,

    /// <summary>A: acknowledge.</summary>
    Acknowledge = 0x8000,
}

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

/// <summary>MIPM_BC_ADD (2): add, or replace, the binding cache entry with the same key.</summary>
public sealed record BindingCacheAdd(BindingCacheEntry Entry) : MobilityMessage
{
    public override MessageType Type => MessageType.BindingCacheAdd;
}

/// <summary>MIPM_BC_REMOVE (4): remove the entry with <see cref="BindingCacheEntry.Key"/> of <see cref="Entry"/>.</summary>
public sealed record BindingCacheRemove(BindingCacheEntry Entry) : MobilityMessage
{
    public override MessageType Type => MessageType.BindingCacheRemove;
}

/// <summary>MIPM_BC_FLUSH (5): remove every binding cache entry.</summary>
public sealed record BindingCacheFlush : MobilityMessage
{
    public override MessageType Type => MessageType.BindingCacheFlush;
}
