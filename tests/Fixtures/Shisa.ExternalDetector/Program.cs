using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;
using Shisa.ExternalDetector;

// A movement detector in a process of its own, as SHISA let an operator replace babymdd: it watches one interface
// and reports through the appliance's bus socket (docs/bus-socket.md), knowing nothing of Shisa but that encoding.
// Run it where the interface is (ip netns exec NS dotnet Shisa.ExternalDetector.dll ...), for a mobile node whose
// profile has a [bus] socket and no "movement_detector" role.
//
//   usage: Shisa.ExternalDetector SOCKET INTERFACE [--home HOA/LEN] [--proc FILE] [--sys DIR] [--poll MS]
//     SOCKET          the appliance's bus socket ([bus] socket of its profile); retried until it answers
//     INTERFACE       the egress interface to watch, e.g. mn0
//     --home HOA/LEN  the home address and home prefix length: an address inside that prefix means the home link
//                     (ReturnedHome); the home address itself is never taken for a care-of address
//     --proc FILE     the address table, default /proc/net/if_inet6
//     --sys DIR       the interfaces' sysfs (ifindex, carrier, carrier_down_count), default /sys/class/net
//     --poll MS       look at least this often, default 50; netlink link/address notifications wake it at once
//
// It publishes MovementInfo as the built-in detector does (Detector.cs): NewCareOfAddress for each new care-of
// address (the first one too), ReturnedHome, CareOfAddressRemoved, and Scan when the link was lost; after a
// reconnection it repeats the current one. It runs until SIGTERM or SIGINT (exit 0); 2 for bad arguments.
// One line per event on stdout:
//   watching INTERFACE (netlink|poll) for SOCKET     connected SOCKET as socket:PID     disconnected: WHY
//   sent COMMAND ADDRESS|- on INTERFACE index N      published #SEQ COMMAND ADDRESS|- (the bus echoed it)
//   received #SEQ TYPE ORIGIN [peer P hoa H coa C STATE] (any other bus message)     stopped

IPAddress? homeAddress = null;
int homePrefixLength = 64;
string procFile = "/proc/net/if_inet6";
string sysDirectory = "/sys/class/net";
int pollMs = 50;
List<string> positional = [];
for (int i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal))
    {
        positional.Add(args[i]);
        continue;
    }

    string option = args[i];
    string? value = i + 1 < args.Length ? args[++i] : null;
    switch (option)
    {
        case "--home" when value?.Split('/') is [var a, var l] && IPAddress.TryParse(a, out homeAddress)
            && int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out homePrefixLength) && homePrefixLength <= 128:
            break;
        case "--proc" when value is not null:
            procFile = value;
            break;
        case "--sys" when value is not null:
            sysDirectory = value;
            break;
        case "--poll" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out pollMs) && pollMs > 0:
            break;
        default:
            return Usage();
    }
}

if (positional is not [var socketPath, var interfaceName])
{
    return Usage();
}

using var stop = new CancellationTokenSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var wake = new SemaphoreSlim(0);

// Woken at once when a link or an address changes (.NET's own netlink listener on Linux), so a carrier loss shorter
// than the poll interval is not only seen through the carrier-down count; the state itself is read from /proc and /sys.
void Wake()
{
    if (wake.CurrentCount == 0)
    {
        wake.Release();
    }
}

NetworkAddressChangedEventHandler onAddress = (_, _) => Wake();
NetworkAvailabilityChangedEventHandler onAvailability = (_, _) => Wake();
NetworkChange.NetworkAddressChanged += onAddress;
NetworkChange.NetworkAvailabilityChanged += onAvailability;

string self = $"socket:{Environment.ProcessId}";
var detector = new Detector(homeAddress, homePrefixLength);
var poll = TimeSpan.FromMilliseconds(pollMs);
Console.WriteLine($"watching {interfaceName} (address and link changes, and every {pollMs} ms) for {socketPath}");
while (!stop.IsCancellationRequested)
{
    using var socket = await ConnectAsync(socketPath, stop.Token);
    if (socket is null)
    {
        break;
    }

    Console.WriteLine($"connected {socketPath} as {self}");
    await using var stream = new NetworkStream(socket, ownsSocket: false);
    using var connection = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
    var reading = ReadAsync(stream, connection);
    try
    {
        if (detector.Current is { } current)
        {
            await SendAsync(stream, current, connection.Token);
        }

        while (true)
        {
            foreach (var info in detector.Update(InterfaceState.Read(interfaceName, procFile, sysDirectory)))
            {
                await SendAsync(stream, info, connection.Token);
            }

            await wake.WaitAsync(poll, connection.Token);
        }
    }
    catch (OperationCanceledException)
    {
    }
    catch (IOException ex)
    {
        Console.WriteLine($"disconnected: {ex.Message}");
    }

    await connection.CancelAsync();
    await reading;
}

NetworkChange.NetworkAddressChanged -= onAddress;
NetworkChange.NetworkAvailabilityChanged -= onAvailability;
Console.WriteLine("stopped");
return 0;

static int Usage()
{
    Console.Error.WriteLine("usage: Shisa.ExternalDetector SOCKET INTERFACE [--home HOA/LEN] [--proc FILE] [--sys DIR] [--poll MS]");
    return 2;
}

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

static async Task<Socket?> ConnectAsync(string path, CancellationToken cancellationToken)
{
    bool told = false;
    while (!cancellationToken.IsCancellationRequested)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return socket;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            if (!told && ex is SocketException)
            {
                Console.WriteLine($"waiting for {path}: {ex.Message}");
                told = true;
            }
        }

        try
        {
            await Task.Delay(200, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    return null;
}

static async Task SendAsync(NetworkStream stream, MovementInfo info, CancellationToken cancellationToken)
{
    await stream.WriteAsync(BusFrame.ToArray(info), cancellationToken);
    Console.WriteLine($"sent {info.Command} {(object?)info.CareOfAddress ?? "-"} on {info.InterfaceName} index {info.InterfaceIndex.ToString(CultureInfo.InvariantCulture)}");
}

// Prints what the bus says until it ends, then ends the connection (the main loop reconnects).
async Task ReadAsync(NetworkStream stream, CancellationTokenSource connection)
{
    var reader = new BusFrameStreamReader(stream);
    try
    {
        while (true)
        {
            var result = await reader.ReadAsync(connection.Token);
            if (result.Status != BusFrameReadStatus.Frame)
            {
                Console.WriteLine($"disconnected: the bus ended ({result.Status} {result.Refusal})");
                break;
            }

            var envelope = result.Envelope;
            Console.WriteLine(envelope.Message switch
            {
                MovementInfo m when envelope.Origin == self => $"published #{envelope.Sequence} {m.Command} {(object?)m.CareOfAddress ?? "-"}",
                BindingUpdateListAdd or BindingUpdateListRemove => $"received #{envelope.Sequence} {envelope.Type} {envelope.Origin ?? "-"} {Describe(envelope.Message)}",
                _ => $"received #{envelope.Sequence} {envelope.Type} {envelope.Origin ?? "-"}",
            });
        }
    }
    catch (OperationCanceledException)
    {
    }
    catch (IOException ex)
    {
        Console.WriteLine($"disconnected: {ex.Message}");
    }

    await connection.CancelAsync();
}

static string Describe(MobilityMessage message) => message switch
{
    BindingUpdateListAdd { Entry: var e } => $"peer {e.Peer} hoa {e.HomeAddress} coa {e.CareOfAddress} {e.State}",
    BindingUpdateListRemove { Entry: var e } => $"peer {e.Peer} hoa {e.HomeAddress} coa {e.CareOfAddress} {e.State}",
    _ => "",
};
