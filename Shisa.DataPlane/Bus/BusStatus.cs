namespace Shisa.DataPlane.Bus;

/// <summary>A subscriber's counters at one instant, for the status page and metrics.</summary>
/// <param name="Name">The subscriber's name.</param>
/// <param name="Kinds">The message types it receives.</param>
/// <param name="Capacity">Its channel's bound.</param>
/// <param name="Delivered">Messages put in its channel.</param>
/// <param name="Dropped">Messages dropped unread (drop-oldest) because it was full.</param>
/// <param name="Pending">Messages waiting to be read.</param>
public readonly record struct SubscriberStatus(string Name, MessageKinds Kinds, int Capacity, long Delivered, long Dropped, int Pending);

/// <summary>The bus at one instant: the last sequence number, counts per message type, subscribers, recent messages.</summary>
public sealed record BusSnapshot(
    long LastSequence,
    EquatableArray<KeyValuePair<MessageType, long>> PublishedByType,
    EquatableArray<SubscriberStatus> Subscribers,
    EquatableArray<BusEnvelope> Recent);
