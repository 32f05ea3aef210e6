using System.Net;
using System.Net.Sockets;

namespace Shisa.DataPlane.Dsmip;

/// <summary>Sends one UDP payload to an IPv4 endpoint (tests record; the engine's is <see cref="UdpSocket"/>).</summary>
public interface IDatagramSender
{
    bool Send(ReadOnlySpan<byte> payload, Ipv4Endpoint to);
}

/// <summary>
/// The UDP socket of RFC 5555's encapsulation: the home agent's bound to its IPv4 address and port 4191, a mobile
/// node's to an ephemeral port. Sends and receives reuse socket addresses (one per sending thread, one for the
/// receiving thread), so a datagram allocates nothing.
/// </summary>
public sealed class UdpSocket : IDatagramSender, IDisposable
{
    [ThreadStatic]
    private static SocketAddress? t_sendAddress;

    private readonly Socket _socket;
    private readonly SocketAddress _receiveAddress = Ipv4Endpoint.NewSocketAddress();

    private UdpSocket(Socket socket) => _socket = socket;

    /// <summary>Opens and binds the socket (in the caller's network namespace).</summary>
    public static UdpSocket Open(IPAddress localAddress, int localPort)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.ReceiveBufferSize = 4 << 20;
            socket.Bind(new IPEndPoint(localAddress, localPort));
            return new UdpSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public bool Send(ReadOnlySpan<byte> payload, Ipv4Endpoint to)
    {
        var address = t_sendAddress ??= Ipv4Endpoint.NewSocketAddress();
        to.WriteTo(address);
        try
        {
            return _socket.SendTo(payload, SocketFlags.None, address) == payload.Length;
        }
        catch (SocketException)
        {
            return false; // no route, ICMP errors reported on the socket: counted by the caller as a failed send
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Blocks for one datagram; -1 when the socket was closed (stop), 0 on an error worth retrying.</summary>
    public int Receive(Span<byte> buffer, out Ipv4Endpoint from)
    {
        from = default;
        try
        {
            int n = _socket.ReceiveFrom(buffer, SocketFlags.None, _receiveAddress);
            from = Ipv4Endpoint.Read(_receiveAddress);
            return n;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.HostUnreachable
            or SocketError.NetworkUnreachable or SocketError.MessageSize or SocketError.Interrupted)
        {
            return 0; // an ICMP error about an earlier send, or a datagram larger than the buffer: not fatal
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return -1;
        }
    }

    public void Dispose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Dispose();
    }
}
