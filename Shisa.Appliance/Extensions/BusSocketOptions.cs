using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Extensions;

/// <summary>How the <see cref="BusSocketServer"/> serves the bus (docs/bus-socket.md, "The socket").</summary>
public sealed record BusSocketOptions
{
    /// <summary>The socket's path unless the profile names one (<c>[bus] socket</c>).</summary>
    public const string DefaultPath = "/run/shisa/bus.sock";

    /// <summary>The message types a client may publish by default: what a movement detector or a DAD helper produces.</summary>
    public const MessageKinds DefaultPublishable = MessageKinds.MovementInfo | MessageKinds.HomeHint | MessageKinds.Dad;

    public static BusSocketOptions Default { get; } = new();

    /// <summary>The socket file's mode: owner and group may connect, nobody else.</summary>
    public UnixFileMode Mode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>Clients connected at once; those past it are closed as they connect, and counted.</summary>
    public int MaxClients { get; init; } = 16;

    /// <summary>Each client's queue of messages not yet written to it; when full the oldest notification is dropped and counted (state coalesces, or resyncs).</summary>
    public int ClientQueueCapacity { get; init; } = 1024;

    /// <summary>Frames written to one client in one round before the others get their turn.</summary>
    public int MaxFramesPerRound { get; init; } = 64;

    /// <summary>The message types a client may publish; frames of other types are refused and counted.</summary>
    public MessageKinds Publishable { get; init; } = DefaultPublishable;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxClients, 1, nameof(MaxClients));
        ArgumentOutOfRangeException.ThrowIfLessThan(ClientQueueCapacity, 1, nameof(ClientQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFramesPerRound, 1, nameof(MaxFramesPerRound));
        if ((Publishable & ~MessageKinds.All) != 0)
        {
            throw new ArgumentException($"'{Publishable}' names a message type the bus does not know", nameof(Publishable));
        }
    }
}
