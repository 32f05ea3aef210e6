using Shisa.DataPlane.Bus;

namespace Shisa.Appliance.Extensions;

/// <summary>One connected client of the bus socket at one instant.</summary>
/// <param name="Id">The server's number for the connection (1, 2, 3 ...).</param>
/// <param name="ProcessId">The client's process id (SO_PEERCRED), null when unknown.</param>
/// <param name="Origin">The origin its messages are published with: "socket:&lt;pid&gt;".</param>
/// <param name="FramesSent">Frames written to it.</param>
/// <param name="FramesReceived">Well-formed frames read from it, published or refused.</param>
/// <param name="Dropped">Notifications dropped from its queue unsent because it read too slowly (state is coalesced, never dropped).</param>
/// <param name="Pending">Messages waiting in its queue.</param>
public sealed record BusSocketClientStatus(int Id, int? ProcessId, string Origin, long FramesSent, long FramesReceived, long Dropped, int Pending);

/// <summary>The bus socket's counters since it started, and its clients, at one instant.</summary>
/// <param name="Path">The socket's path.</param>
/// <param name="ClientsAccepted">Connections accepted.</param>
/// <param name="ClientsRefused">Connections closed at once because <see cref="BusSocketOptions.MaxClients"/> were connected.</param>
/// <param name="MalformedFrames">Frames refused by the decoder; each disconnected its client.</param>
/// <param name="RefusedTypes">Well-formed frames of a type clients may not publish.</param>
/// <param name="FramesReceived">Well-formed frames read from clients.</param>
/// <param name="MessagesPublished">Messages from clients published on the bus.</param>
/// <param name="FramesSent">Frames written to clients.</param>
/// <param name="Dropped">Notifications dropped (oldest first) from slow clients' queues, disconnected clients included.</param>
/// <param name="Unencodable">Bus messages no frame layout can carry (e.g. an interface name over 255 octets), not sent.</param>
/// <param name="Clients">The clients connected now.</param>
public sealed record BusSocketSnapshot(
    string Path,
    long ClientsAccepted,
    long ClientsRefused,
    long MalformedFrames,
    long RefusedTypes,
    long FramesReceived,
    long MessagesPublished,
    long FramesSent,
    long Dropped,
    long Unencodable,
    EquatableArray<BusSocketClientStatus> Clients)
{
    /// <summary>The counters as metric-style names ("bus_socket.clients_connected" ...), for the status page's counters.</summary>
    public IEnumerable<KeyValuePair<string, long>> Counters =>
    [
        new("bus_socket.clients_connected", Clients.Count),
        new("bus_socket.clients_accepted", ClientsAccepted),
        new("bus_socket.clients_refused", ClientsRefused),
        new("bus_socket.malformed_frames", MalformedFrames),
        new("bus_socket.refused_types", RefusedTypes),
        new("bus_socket.frames_received", FramesReceived),
        new("bus_socket.messages_published", MessagesPublished),
        new("bus_socket.frames_sent", FramesSent),
        new("bus_socket.dropped", Dropped),
        new("bus_socket.unencodable", Unencodable),
    ];
}
