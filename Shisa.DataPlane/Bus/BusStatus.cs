namespace Shisa.DataPlane.Bus;

/// <summary>A subscriber's counters at one instant, for the status page and metrics.</summary>
/// <param name="Name">The subscriber's name.</param>
/// <param name="Kinds">The message types it receives.</param>
/// <param name="Capacity">Its queue's bound.</param>
/// <param name="Delivered">Messages offered to it.</param>
/// <param name="Coalesced">Unread state messages superseded by a later one with the same key or a flush.</param>
/// <param name="DroppedNotifications">Unread notifications dropped because its queue was full.</param>
/// <param name="Resyncs">Times its queue was full of state and was rebuilt from the bus's tables.</param>
/// <param name="Pending">Messages waiting to be read.</param>
public readonly record struct SubscriberStatus(
    string Name,
    MessageKinds Kinds,
    int Capacity,
    long Delivered,
    long Coalesced,
    long DroppedNotifications,
    long Resyncs,
    int Pending);

/// <summary>The bus at one instant: the last sequence number, counts per message type, subscribers, recent messages.</summary>
public sealed record BusSnapshot(
    long LastSequence,
    EquatableArray<KeyValuePair<MessageType, long>> PublishedByType,
    EquatableArray<SubscriberStatus> Subscribers,
    EquatableArray<BusEnvelope> Recent);
