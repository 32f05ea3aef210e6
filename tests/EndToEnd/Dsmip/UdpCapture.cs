using System.Buffers.Binary;
using System.Net;

namespace Shisa.EndToEnd.Tests.Dsmip;

/// <summary>One UDP datagram of RFC 5555's tunnel as tcpdump saw it: outer IPv4 endpoints and the inner IPv6 packet.</summary>
internal sealed record TunnelDatagram(double Seconds, IPAddress Source, int SourcePort, IPAddress Destination, int DestinationPort, byte[] Inner)
{
    /// <summary>The inner packet's Mobility Header type when it is one without extension headers in between but HAO/RH2; else null.</summary>
    public int? MobilityHeaderType
    {
        get
        {
            if (Inner.Length < 40)
            {
                return null;
            }

            int next = Inner[6], at = 40;
            while (next is 60 or 43 && at + 8 <= Inner.Length)
            {
                next = Inner[at];
                at += (Inner[at + 1] + 1) * 8;
            }

            return next == 135 && at + 3 <= Inner.Length ? Inner[at + 2] : null;
        }
    }

    public override string ToString() => $"{Seconds:F3} {Source}:{SourcePort} > {Destination}:{DestinationPort} mh={MobilityHeaderType?.ToString() ?? "-"} {Inner.Length} B";
}

/// <summary>Reads tcpdump's classic pcap (Ethernet) of UDP over IPv4 and writes the inner packets as a raw-IP pcap for tshark.</summary>
internal static class UdpCapture
{
    public static List<TunnelDatagram> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var list = new List<TunnelDatagram>();
        if (bytes.Length < 24)
        {
            return list;
        }

        bool nanos = BinaryPrimitives.ReadUInt32LittleEndian(bytes) == 0xa1b23c4d;
        double first = -1;
        for (int at = 24; at + 16 <= bytes.Length;)
        {
            uint seconds = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));
            uint fraction = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 4));
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8));
            var frame = bytes.AsSpan(at + 16, Math.Min(captured, bytes.Length - at - 16));
            at += 16 + captured;
            double time = seconds + (fraction / (nanos ? 1e9 : 1e6));
            if (first < 0)
            {
                first = time;
            }

            if (frame.Length < 14 + 28 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800)
            {
                continue;
            }

            var ip = frame[14..];
            int headerLength = (ip[0] & 0x0F) * 4;
            if (ip[9] != 17 || ip.Length < headerLength + 8)
            {
                continue;
            }

            var udp = ip[headerLength..];
            list.Add(new TunnelDatagram(time - first, new IPAddress(ip.Slice(12, 4)), BinaryPrimitives.ReadUInt16BigEndian(udp),
                new IPAddress(ip.Slice(16, 4)), BinaryPrimitives.ReadUInt16BigEndian(udp[2..]), udp[8..].ToArray()));
        }

        return list;
    }

    /// <summary>A pcap of linktype 101 (raw IP) holding each datagram's inner IPv6 packet, so tshark decodes the tunnelled packets.</summary>
    public static void WriteInner(IEnumerable<TunnelDatagram> datagrams, string path)
    {
        using var file = File.Create(path);
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 101);
        file.Write(header);
        Span<byte> record = stackalloc byte[16];
        foreach (var d in datagrams)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)d.Seconds);
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)((d.Seconds % 1) * 1e6));
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)d.Inner.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)d.Inner.Length);
            file.Write(record);
            file.Write(d.Inner);
        }
    }

    /// <summary>tshark's one-line-per-packet fields of <paramref name="path"/>, checksums verified; null when tshark is not installed.</summary>
    public static IReadOnlyList<string>? Tshark(string path, params string[] fields)
    {
        if (!File.Exists("/usr/bin/tshark"))
        {
            return null;
        }

        List<string> arguments = ["-r", path, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=|"];
        foreach (string field in fields)
        {
            arguments.Add("-e");
            arguments.Add(field);
        }

        var result = Host.TryRun("tshark", [.. arguments]);
        return [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
