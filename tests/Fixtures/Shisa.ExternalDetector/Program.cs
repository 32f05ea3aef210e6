using System.Net;
using System.Net.Sockets;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Bus.Encoding;

// An external movement detector, as SHISA let an operator replace babymdd: connect to the bus socket, read the
// bus until a BindingUpdateListAdd shows the mobile node registering, report a new care-of address with a
// MovementInfo frame, wait for the bus to echo it back (so it was published), and exit.
//   usage: Shisa.ExternalDetector SOCKET COA [INTERFACE]
// Prints one line per frame received ("received #SEQ TYPE ORIGIN"), then "sent MovementInfo ..." and "echoed".
// Exit codes: 0 done, 1 the bus ended or refused a frame, 2 bad arguments, 3 timed out.

if (args.Length is < 2 or > 3 || !IPAddress.TryParse(args[1], out var careOfAddress))
{
    Console.Error.WriteLine("usage: Shisa.ExternalDetector SOCKET COA [INTERFACE]");
    return 2;
}

string interfaceName = args.Length > 2 ? args[2] : "mn0";
using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
try
{
    await socket.ConnectAsync(new UnixDomainSocketEndPoint(args[0]), timeout.Token);
    await using var stream = new NetworkStream(socket, ownsSocket: false);
    var reader = new BusFrameStreamReader(stream);
    string self = $"socket:{Environment.ProcessId}";
    bool sent = false;
    while (true)
    {
        var result = await reader.ReadAsync(timeout.Token);
        if (result.Status != BusFrameReadStatus.Frame)
        {
            Console.Error.WriteLine($"bus ended: {result.Status} {result.Refusal}");
            return 1;
        }

        var envelope = result.Envelope;
        Console.WriteLine($"received #{envelope.Sequence} {envelope.Type} {envelope.Origin ?? "-"}");
        if (!sent && envelope.Message is BindingUpdateListAdd add)
        {
            Console.WriteLine($"binding update list: peer {add.Entry.Peer} hoa {add.Entry.HomeAddress} coa {add.Entry.CareOfAddress}");
            var movement = new MovementInfo(MovementCommand.NewCareOfAddress, careOfAddress, interfaceName, 0, false, add.Entry.HomeAddress);
            await stream.WriteAsync(BusFrame.ToArray(movement), timeout.Token);
            Console.WriteLine($"sent MovementInfo {careOfAddress} on {interfaceName}");
            sent = true;
        }
        else if (sent && envelope.Message is MovementInfo && envelope.Origin == self)
        {
            Console.WriteLine("echoed");
            return 0;
        }
    }
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("timed out");
    return 3;
}
catch (SocketException ex)
{
    Console.Error.WriteLine($"socket: {ex.Message}");
    return 1;
}
