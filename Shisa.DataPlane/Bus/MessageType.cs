namespace Shisa.DataPlane.Bus;

/// <summary>
/// The mobility bus message types, numbered as SHISA's mobility socket (<c>sys/net/mipsock.h</c>, MIPM_*).
/// 3 (MIPM_BC_UPDATE) and 7 (MIPM_BUL_UPDATE) are left out as the later SHISA left them out: an Add for an
/// existing key replaces the entry.
/// </summary>
public enum MessageType : byte
{
    NodeTypeInfo = 1,
    BindingCacheAdd = 2,
    BindingCacheRemove = 4,
    BindingCacheFlush = 5,
    BindingUpdateListAdd = 6,
    BindingUpdateListRemove = 8,
    BindingUpdateListFlush = 9,
    MovementInfo = 10,
    HomeHint = 11,
    RrHint = 12,
    BeHint = 13,
    Dad = 14,
}

/// <summary>A set of message types, for subscriptions: bit n stands for <see cref="MessageType"/> n.</summary>
[Flags]
public enum MessageKinds : uint
{
    None = 0,
    NodeTypeInfo = 1u << MessageType.NodeTypeInfo,
    BindingCacheAdd = 1u << MessageType.BindingCacheAdd,
    BindingCacheRemove = 1u << MessageType.BindingCacheRemove,
    BindingCacheFlush = 1u << MessageType.BindingCacheFlush,
    BindingUpdateListAdd = 1u << MessageType.BindingUpdateListAdd,
    BindingUpdateListRemove = 1u << MessageType.BindingUpdateListRemove,
    BindingUpdateListFlush = 1u << MessageType.BindingUpdateListFlush,
    MovementInfo = 1u << MessageType.MovementInfo,
    HomeHint = 1u << MessageType.HomeHint,
    RrHint = 1u << MessageType.RrHint,
    BeHint = 1u << MessageType.BeHint,
    Dad = 1u << MessageType.Dad,

    /// <summary>Add, remove and flush of the binding cache.</summary>
    BindingCache = BindingCacheAdd | BindingCacheRemove | BindingCacheFlush,

    /// <summary>Add, remove and flush of the binding update list.</summary>
    BindingUpdateList = BindingUpdateListAdd | BindingUpdateListRemove | BindingUpdateListFlush,

    /// <summary>The hints the data plane raises: home, return routability, binding error.</summary>
    Hints = HomeHint | RrHint | BeHint,

    All = NodeTypeInfo | BindingCache | BindingUpdateList | MovementInfo | Hints | Dad,
}

public static class MessageTypeExtensions
{
    /// <summary>The one-type set of <paramref name="type"/>.</summary>
    public static MessageKinds ToKinds(this MessageType type) => (MessageKinds)(1u << (int)type);

    /// <summary>True when <paramref name="kinds"/> holds <paramref name="type"/>.</summary>
    public static bool Includes(this MessageKinds kinds, MessageType type) => (kinds & type.ToKinds()) != 0;

    /// <summary>The set of the given types.</summary>
    public static MessageKinds Of(params ReadOnlySpan<MessageType> types)
    {
        var kinds = MessageKinds.None;
        foreach (var type in types)
        {
            kinds |= type.ToKinds();
        }

        return kinds;
    }
}
