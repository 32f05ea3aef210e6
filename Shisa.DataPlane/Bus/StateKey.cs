using System.Net;

namespace Shisa.DataPlane.Bus;

/// <summary>The tables whose messages carry state and coalesce in a subscriber's queue (DESIGN 3).</summary>
internal enum StateTable : byte
{
    /// <summary>A pure notification: never coalesced, dropped first when a subscriber is full.</summary>
    None = 0,

    /// <summary>NodeTypeInfo, per node type value; re-sent from the bus's table on a resync.</summary>
    NodeType = 1,

    /// <summary>BindingCacheAdd/Remove per entry key, BindingCacheFlush for all; re-sent on a resync.</summary>
    BindingCache = 2,

    /// <summary>BindingUpdateListAdd/Remove per entry key, BindingUpdateListFlush for all; re-sent on a resync.</summary>
    BindingUpdateList = 3,

    /// <summary>DAD requests (Do, Stop, LinkLocal) per address and interface; carried over a resync as they are.</summary>
    Dad = 4,

    /// <summary>MovementInfo new/removed care-of address and returned-home per interface and address; carried over a resync.</summary>
    Movement = 5,
}

/// <summary>
/// What a message coalesces by in a subscriber's queue: an unread message with an equal key is superseded by the
/// newer one. A flush has its table's <see cref="FlushId"/> and supersedes every unread message of its table.
/// </summary>
internal readonly record struct StateKey(StateTable Table, IPAddress? Peer, IPAddress? Address, int Id, string? InterfaceName)
{
    public const int TableCount = 6;

    /// <summary>The <see cref="Id"/> of a table's flush.</summary>
    public const int FlushId = -1;

    public static readonly StateKey Notification = default;

    public bool IsState => Table != StateTable.None;

    public bool IsFlush => Id == FlushId;

    /// <summary>True for the tables a resync re-sends from the bus's own table (they have a flush, or are idempotent).</summary>
    public bool IsSnapshotted => Table is StateTable.NodeType or StateTable.BindingCache or StateTable.BindingUpdateList;

    public static StateKey Flush(StateTable table) => new(table, null, null, FlushId, null);

    public static StateKey For(MobilityMessage message) => message switch
    {
        NodeTypeInfo n => new(StateTable.NodeType, null, null, (int)n.NodeType, null),
        BindingCacheAdd a => new(StateTable.BindingCache, a.Entry.Peer, a.Entry.HomeAddress, a.Entry.BindingId, null),
        BindingCacheRemove r => new(StateTable.BindingCache, r.Entry.Peer, r.Entry.HomeAddress, r.Entry.BindingId, null),
        BindingCacheFlush => Flush(StateTable.BindingCache),
        BindingUpdateListAdd a => new(StateTable.BindingUpdateList, a.Entry.Peer, a.Entry.HomeAddress, a.Entry.BindingId, null),
        BindingUpdateListRemove r => new(StateTable.BindingUpdateList, r.Entry.Peer, r.Entry.HomeAddress, r.Entry.BindingId, null),
        BindingUpdateListFlush => Flush(StateTable.BindingUpdateList),
        Dad { IsResult: false } d => new(StateTable.Dad, null, d.Address, d.InterfaceIndex, d.InterfaceName),
        MovementInfo { Command: MovementCommand.NewCareOfAddress or MovementCommand.CareOfAddressRemoved or MovementCommand.ReturnedHome, CareOfAddress: { } address } m =>
            new(StateTable.Movement, m.HomeAddress, address, m.InterfaceIndex, m.InterfaceName),
        _ => Notification,
    };
}
