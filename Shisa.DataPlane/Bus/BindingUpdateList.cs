using System.Net;

namespace Shisa.DataPlane.Bus;

/// <summary>
/// Where a binding update list entry's registration stands (SHISA's MIP6_BUL_REG_FSM_STATE_*, folded to what
/// the data plane and the status page need).
/// </summary>
public enum BindingUpdateListState : byte
{
    Idle = 0,

    /// <summary>Looking for a home agent (DHAAD).</summary>
    Discovering = 1,

    /// <summary>Return routability in progress (HoTI/CoTI sent).</summary>
    ReturnRoutability = 2,

    /// <summary>Binding Update sent, waiting for the Binding Acknowledgement.</summary>
    WaitingAck = 3,

    /// <summary>Registered: traffic goes through the binding.</summary>
    Bound = 4,

    /// <summary>Deregistering Binding Update sent, waiting for its acknowledgement.</summary>
    Deregistering = 5,
}

/// <summary>What identifies a binding update list entry: the peer, the home address and the binding id.</summary>
public readonly record struct BindingUpdateListKey(IPAddress Peer, IPAddress HomeAddress, ushort BindingId);

/// <summary>
/// A binding update list entry as a mobile node or router tells it to the data plane (mipsock mipm_bul_info:
/// flags, state, then home address, care-of address, peer).
/// </summary>
/// <param name="Peer">The home agent or correspondent the binding is with.</param>
/// <param name="HomeAddress">The home address being bound.</param>
/// <param name="CareOfAddress">The care-of address being registered.</param>
/// <param name="Flags">The Binding Update's flags (H for a home registration, R for a mobile router ...).</param>
/// <param name="Lifetime">The lifetime granted (or asked for, before the acknowledgement).</param>
/// <param name="Sequence">The last Binding Update's sequence number.</param>
/// <param name="State">Where the registration stands.</param>
/// <param name="MobileNetworkPrefixes">A mobile router's prefixes to route through the tunnel; empty otherwise.</param>
/// <param name="BindingId">The binding id of RFC 5648; 0 when none.</param>
public sealed record BindingUpdateListEntry(
    IPAddress Peer,
    IPAddress HomeAddress,
    IPAddress CareOfAddress,
    BindingUpdateFlags Flags,
    TimeSpan Lifetime,
    ushort Sequence,
    BindingUpdateListState State,
    EquatableArray<Prefix> MobileNetworkPrefixes = default,
    ushort BindingId = 0)
{
    public BindingUpdateListKey Key => new(Peer, HomeAddress, BindingId);

    public bool IsHomeRegistration => (Flags & BindingUpdateFlags.HomeRegistration) != 0;
}

/// <summary>MIPM_BUL_ADD (6): add, or replace, the binding update list entry with the same key.</summary>
public sealed record BindingUpdateListAdd(BindingUpdateListEntry Entry) : MobilityMessage
{
    public override MessageType Type => MessageType.BindingUpdateListAdd;
}

/// <summary>MIPM_BUL_REMOVE (8): remove the entry with <see cref="BindingUpdateListEntry.Key"/> of <see cref="Entry"/>.</summary>
public sealed record BindingUpdateListRemove(BindingUpdateListEntry Entry) : MobilityMessage
{
    public override MessageType Type => MessageType.BindingUpdateListRemove;
}

/// <summary>MIPM_BUL_FLUSH (9): remove every binding update list entry.</summary>
public sealed record BindingUpdateListFlush : MobilityMessage
{
    public override MessageType Type => MessageType.BindingUpdateListFlush;
}
