using System.Buffers.Binary;
using System.Net;
using System.Text.Json;
using Shisa.DataPlane.Wire;
using Shisa.DataPlane.Wire.Icmp;

namespace Shisa.DataPlane.Tests.Wire;

/// <summary>
/// Compares what the wire codecs read from a vector's bytes with the vector's JSON oracle, key by key, so a
/// vector added later is checked without a code change. A key this file does not know fails the test: an
/// oracle field nobody checks is a silent gap. "mh" is the Mobility Header engineer's (Wire/Mobility tests).
/// </summary>
internal static class OracleAssert
{
    private static readonly Dictionary<string, byte> s_extensionTypes = new(StringComparer.Ordinal)
    {
        ["hopbyhop"] = IpProtocol.HopByHop,
        ["hbh"] = IpProtocol.HopByHop,
        ["destopt"] = IpProtocol.DestinationOptions,
        ["routing"] = IpProtocol.Routing,
        ["fragment"] = IpProtocol.Fragment,
        ["ah"] = IpProtocol.AuthenticationHeader,
    };

    private static readonly Dictionary<string, byte> s_icmpTypeNames = new(StringComparer.Ordinal)
    {
        ["ParameterProblem"] = Icmpv6Type.ParameterProblem,
        ["EchoRequest"] = Icmpv6Type.EchoRequest,
        ["EchoReply"] = Icmpv6Type.EchoReply,
        ["HAADRequest"] = Icmpv6Type.HomeAgentAddressDiscoveryRequest,
        ["HAADReply"] = Icmpv6Type.HomeAgentAddressDiscoveryReply,
        ["MobilePrefixSolicitation"] = Icmpv6Type.MobilePrefixSolicitation,
        ["MobilePrefixAdvertisement"] = Icmpv6Type.MobilePrefixAdvertisement,
    };

    public static IPAddress Ip(JsonElement e) => IPAddress.Parse(e.GetString()!);

    public static IPAddress Ip(ReadOnlySpan<byte> address) => new(address);

    public static bool IsNull(JsonElement e) => e.ValueKind == JsonValueKind.Null;

    /// <summary>Asserts the IPv6-level oracle of <paramref name="bytes"/>, then "inner" and "icmpv6" recursively.</summary>
    public static void Ipv6(JsonElement oracle, byte[] bytes, string where)
    {
        Assert.That(Ipv6Packet.TryParse(bytes, out var packet, out var refusal), Is.True, $"{where}: refused {refusal}");
        var header = packet.Header;
        foreach (var field in oracle.EnumerateObject())
        {
            string at = $"{where}.{field.Name}";
            var v = field.Value;
            switch (field.Name)
            {
                case "tc": Assert.That(header.TrafficClass, Is.EqualTo(v.GetInt32()), at); break;
                case "fl": Assert.That(header.FlowLabel, Is.EqualTo(v.GetUInt32()), at); break;
                case "plen": Assert.That(header.PayloadLength, Is.EqualTo(v.GetInt32()), at); break;
                case "nh": Assert.That(header.NextHeader, Is.EqualTo(v.GetInt32()), at); break;
                case "hlim": Assert.That(header.HopLimit, Is.EqualTo(v.GetInt32()), at); break;
                case "src": Assert.That(header.SourceAddress, Is.EqualTo(Ip(v)), at); break;
                case "dst": Assert.That(header.DestinationAddress, Is.EqualTo(Ip(v)), at); break;
                case "l4": Assert.That(packet.UpperLayerProtocol, Is.EqualTo(v.GetInt32()), at); break;
                case "l4_offset": Assert.That(packet.UpperLayerOffset, Is.EqualTo(v.GetInt32()), at); break;
                case "pseudo_src": Assert.That(Ip(packet.PseudoSource), Is.EqualTo(Ip(v)), at); break;
                case "pseudo_dst": Assert.That(Ip(packet.PseudoDestination), Is.EqualTo(Ip(v)), at); break;
                case "hao":
                    Assert.That(packet.HasHomeAddress, Is.EqualTo(!IsNull(v)), at);
                    if (!IsNull(v))
                    {
                        Assert.That(Ip(packet.HomeAddress), Is.EqualTo(Ip(v)), at);
                    }

                    break;
                case "rh":
                    RoutingHeader(v, packet, at);
                    break;
                case "ext":
                    ExtensionHeaders(v, packet, at);
                    break;
                case "inner":
                    Assert.That(packet.UpperLayerProtocol, Is.EqualTo(IpProtocol.Ipv6), at);
                    Ipv6(v, packet.UpperLayer.ToArray(), at);
                    break;
                case "icmpv6":
                    Assert.That(packet.UpperLayerProtocol, Is.EqualTo(IpProtocol.Icmpv6), at);
                    Icmpv6(v, packet.UpperLayer, packet.PseudoSource, packet.PseudoDestination, at);
                    break;
                case "mh":
                    Assert.That(packet.UpperLayerProtocol, Is.EqualTo(IpProtocol.Mobility), at);
                    break;
                default:
                    Assert.Fail($"{at}: oracle key not checked by the wire tests");
                    break;
            }
        }
    }

    private static void RoutingHeader(JsonElement v, Ipv6Packet packet, string at)
    {
        Assert.That(packet.HasType2RoutingHeader, Is.EqualTo(!IsNull(v)), at);
        if (IsNull(v))
        {
            return;
        }

        var rh = packet.Bytes[packet.Type2RoutingHeaderOffset..];
        Assert.That(Type2RoutingHeader.TryRead(rh, out var view, out var reason), Is.True, $"{at}: {reason}");
        foreach (var f in v.EnumerateObject())
        {
            switch (f.Name)
            {
                case "type": Assert.That(f.Value.GetInt32(), Is.EqualTo(Type2RoutingHeader.RoutingTypeValue), at); break;
                case "hoa":
                    Assert.That(Ip(view.HomeAddress), Is.EqualTo(Ip(f.Value)), at);
                    Assert.That(Ip(packet.RoutingHomeAddress), Is.EqualTo(Ip(f.Value)), at);
                    break;
                case "segleft": Assert.That(view.SegmentsLeft, Is.EqualTo(f.Value.GetInt32()), at); break;
                default: Assert.Fail($"{at}.{f.Name}: oracle key not checked"); break;
            }
        }
    }

    private static void ExtensionHeaders(JsonElement list, Ipv6Packet packet, string where)
    {
        Assert.That(packet.ExtensionHeaderCount, Is.EqualTo(list.GetArrayLength()), where);
        int i = 0;
        foreach (var e in list.EnumerateArray())
        {
            var ext = packet.GetExtensionHeader(i);
            string at = $"{where}[{i}]";
            var bytes = ext.Slice(packet.Bytes);
            foreach (var f in e.EnumerateObject())
            {
                var v = f.Value;
                switch (f.Name)
                {
                    case "type":
                        Assert.That(s_extensionTypes.TryGetValue(v.GetString()!, out byte type), Is.True, $"{at}: unknown header name {v}");
                        Assert.That(ext.Type, Is.EqualTo(type), at);
                        break;
                    case "nh": Assert.That(ext.NextHeader, Is.EqualTo(v.GetInt32()), at); break;
                    case "len": Assert.That(ext.LengthField, Is.EqualTo(v.GetInt32()), at); break;
                    case "offset": Assert.That(ext.Offset, Is.EqualTo(v.GetInt32()), at); break;
                    case "rtype": Assert.That(ext.RoutingType(packet.Bytes), Is.EqualTo(v.GetInt32()), at); break;
                    case "segleft": Assert.That(ext.SegmentsLeft(packet.Bytes), Is.EqualTo(v.GetInt32()), at); break;
                    case "reserved": Assert.That(BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]), Is.EqualTo(v.GetUInt32()), at); break;
                    case "addresses":
                        var addresses = new List<IPAddress>();
                        for (int a = 8; a + 16 <= bytes.Length; a += 16)
                        {
                            addresses.Add(Ip(bytes.Slice(a, 16)));
                        }

                        Assert.That(addresses, Is.EqualTo(v.EnumerateArray().Select(Ip).ToList()), at);
                        break;
                    case "options":
                        Options(v, packet, ext, at);
                        break;
                    default: Assert.Fail($"{at}.{f.Name}: oracle key not checked"); break;
                }
            }

            i++;
        }
    }

    private static void Options(JsonElement list, Ipv6Packet packet, ExtensionHeader ext, string where)
    {
        var seen = new List<(byte Type, int Offset, int Length, byte[] Data)>();
        foreach (var option in packet.GetOptions(ext))
        {
            seen.Add((option.Type, option.Offset, option.DataLength, option.Data.ToArray()));
        }

        Assert.That(seen, Has.Count.EqualTo(list.GetArrayLength()), where);
        int i = 0;
        foreach (var o in list.EnumerateArray())
        {
            var (type, offset, length, data) = seen[i];
            string at = $"{where}.options[{i}]";
            foreach (var f in o.EnumerateObject())
            {
                switch (f.Name)
                {
                    case "type": Assert.That(type, Is.EqualTo(f.Value.GetInt32()), at); break;
                    case "offset": Assert.That(offset, Is.EqualTo(f.Value.GetInt32()), at); break;
                    case "len": Assert.That(length, Is.EqualTo(f.Value.GetInt32()), at); break;
                    case "name":
                        string expected = type switch
                        {
                            Ipv6Options.Pad1 => "Pad1",
                            Ipv6Options.PadN => "PadN",
                            HomeAddressOption.OptionType => "HomeAddress",
                            _ => f.Value.GetString()!,
                        };
                        Assert.That(f.Value.GetString(), Is.EqualTo(expected), at);
                        break;
                    case "hoa":
                        Assert.That(type, Is.EqualTo(HomeAddressOption.OptionType), at);
                        Assert.That(Ip(data), Is.EqualTo(Ip(f.Value)), at);
                        break;
                    default: Assert.Fail($"{at}.{f.Name}: oracle key not checked"); break;
                }
            }

            i++;
        }
    }

    /// <summary>Asserts an "icmpv6" oracle against the message and its pseudo-header addresses.</summary>
    public static void Icmpv6(JsonElement oracle, ReadOnlySpan<byte> message, ReadOnlySpan<byte> pseudoSource, ReadOnlySpan<byte> pseudoDestination, string where)
    {
        Assert.That(Icmpv6Header.TryRead(message, out var view), Is.True, where);
        var record = IcmpRecords.Parse(message);
        Assert.That(record, Is.Not.Null, $"{where}: no codec parsed type {view.Type}");
        foreach (var f in oracle.EnumerateObject())
        {
            string at = $"{where}.{f.Name}";
            var v = f.Value;
            switch (f.Name)
            {
                case "type": Assert.That(view.Type, Is.EqualTo(v.GetInt32()), at); break;
                case "code": Assert.That(view.Code, Is.EqualTo(v.GetInt32()), at); break;
                case "type_name":
                    Assert.That(s_icmpTypeNames.TryGetValue(v.GetString()!, out byte type), Is.True, $"{at}: unknown name {v}");
                    Assert.That(view.Type, Is.EqualTo(type), at);
                    break;
                case "checksum": Assert.That(view.Checksum, Is.EqualTo(v.GetInt32()), at); break;
                case "checksum_expected": Assert.That(view.ComputeChecksum(pseudoSource, pseudoDestination), Is.EqualTo(v.GetInt32()), at); break;
                case "checksum_ok": Assert.That(view.VerifyChecksum(pseudoSource, pseudoDestination), Is.EqualTo(v.GetBoolean()), at); break;
                case "id": Assert.That(IcmpRecords.Identifier(record!), Is.EqualTo(v.GetInt32()), at); break;
                case "seq": Assert.That(((EchoMessage)record!).Sequence, Is.EqualTo(v.GetInt32()), at); break;
                case "data": Assert.That(Convert.ToHexString(((EchoMessage)record!).Data.Span), Is.EqualTo(v.GetString()).IgnoreCase, at); break;
                case "R":
                    bool r = record switch
                    {
                        HomeAgentAddressDiscoveryRequest q => q.MobileRouterSupport,
                        HomeAgentAddressDiscoveryReply p => p.MobileRouterSupport,
                        _ => throw new AssertionException($"{at}: R on type {view.Type}"),
                    };
                    Assert.That(r, Is.EqualTo(v.GetInt32() != 0), at);
                    break;
                case "M": Assert.That(((MobilePrefixAdvertisement)record!).ManagedAddressConfiguration, Is.EqualTo(v.GetInt32() != 0), at); break;
                case "O": Assert.That(((MobilePrefixAdvertisement)record!).OtherStatefulConfiguration, Is.EqualTo(v.GetInt32() != 0), at); break;
                case "reserved":
                    ushort mask = view.Type switch
                    {
                        Icmpv6Type.HomeAgentAddressDiscoveryRequest or Icmpv6Type.HomeAgentAddressDiscoveryReply => 0x7FFF,
                        Icmpv6Type.MobilePrefixAdvertisement => 0x3FFF,
                        _ => 0xFFFF,
                    };
                    Assert.That(BinaryPrimitives.ReadUInt16BigEndian(message[6..]) & mask, Is.EqualTo(v.GetInt32()), at);
                    break;
                case "addresses":
                    Assert.That(((HomeAgentAddressDiscoveryReply)record!).HomeAgents, Is.EqualTo(v.EnumerateArray().Select(Ip).ToList()), at);
                    break;
                case "options":
                    PrefixOptions(v, (MobilePrefixAdvertisement)record!, at);
                    break;
                case "param":
                case "pointer":
                    Assert.That(((ParameterProblem)record!).Pointer, Is.EqualTo(v.GetUInt32()), at);
                    break;
                case "invoking":
                    Invoking(v.GetString()!, ((ParameterProblem)record!).InvokingPacket.ToArray(), at);
                    break;
                default: Assert.Fail($"{at}: oracle key not checked"); break;
            }
        }
    }

    private static void PrefixOptions(JsonElement list, MobilePrefixAdvertisement mpa, string where)
    {
        Assert.That(mpa.Prefixes, Has.Count.EqualTo(list.GetArrayLength()), where);
        int i = 0;
        foreach (var o in list.EnumerateArray())
        {
            var p = mpa.Prefixes[i];
            string at = $"{where}[{i}]";
            foreach (var f in o.EnumerateObject())
            {
                var v = f.Value;
                switch (f.Name)
                {
                    case "type": Assert.That(v.GetInt32(), Is.EqualTo(PrefixInformation.OptionType), at); break;
                    case "len": Assert.That(v.GetInt32(), Is.EqualTo(PrefixInformation.LengthUnits), at); break;
                    case "name": Assert.That(v.GetString(), Is.EqualTo("PrefixInformation"), at); break;
                    case "prefixlen": Assert.That(p.PrefixLength, Is.EqualTo(v.GetInt32()), at); break;
                    case "L": Assert.That(p.OnLink, Is.EqualTo(v.GetInt32() != 0), at); break;
                    case "A": Assert.That(p.Autonomous, Is.EqualTo(v.GetInt32() != 0), at); break;
                    case "R": Assert.That(p.RouterAddress, Is.EqualTo(v.GetInt32() != 0), at); break;
                    case "valid": Assert.That(p.ValidLifetime, Is.EqualTo(v.GetUInt32()), at); break;
                    case "preferred": Assert.That(p.PreferredLifetime, Is.EqualTo(v.GetUInt32()), at); break;
                    case "prefix": Assert.That(p.Prefix, Is.EqualTo(Ip(v)), at); break;
                    default: Assert.Fail($"{at}.{f.Name}: oracle key not checked"); break;
                }
            }

            i++;
        }
    }

    /// <summary>"src > dst [HAO=addr] [MH type]": the invoking packet's addresses as the oracle summarises them.</summary>
    private static void Invoking(string summary, byte[] invoking, string at)
    {
        var words = summary.Split(' ');
        Assert.That(Ipv6Header.TryRead(invoking, out var header), Is.True, at);
        Assert.That(header.SourceAddress, Is.EqualTo(IPAddress.Parse(words[0])), at);
        Assert.That(words[1], Is.EqualTo(">"), at);
        Assert.That(header.DestinationAddress, Is.EqualTo(IPAddress.Parse(words[2])), at);
        var hao = words.FirstOrDefault(w => w.StartsWith("HAO=", StringComparison.Ordinal));
        if (hao is not null)
        {
            Assert.That(Ipv6Packet.TryParse(invoking, out var packet), Is.True, at);
            Assert.That(Ip(packet.HomeAddress), Is.EqualTo(IPAddress.Parse(hao[4..])), at);
        }
    }
}

/// <summary>Dispatch from an ICMPv6 message to its record codec.</summary>
internal static class IcmpRecords
{
    public static IIcmpv6Message? Parse(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty)
        {
            return null;
        }

        return message[0] switch
        {
            Icmpv6Type.EchoRequest or Icmpv6Type.EchoReply => EchoMessage.TryParse(message, out var e) ? e : null,
            Icmpv6Type.ParameterProblem => ParameterProblem.TryParse(message, out var p) ? p : null,
            Icmpv6Type.HomeAgentAddressDiscoveryRequest => HomeAgentAddressDiscoveryRequest.TryParse(message, out var q) ? q : null,
            Icmpv6Type.HomeAgentAddressDiscoveryReply => HomeAgentAddressDiscoveryReply.TryParse(message, out var r) ? r : null,
            Icmpv6Type.MobilePrefixSolicitation => MobilePrefixSolicitation.TryParse(message, out var s) ? s : null,
            Icmpv6Type.MobilePrefixAdvertisement => MobilePrefixAdvertisement.TryParse(message, out var a) ? a : null,
            _ => null,
        };
    }

    public static int Identifier(IIcmpv6Message message) => message switch
    {
        EchoMessage e => e.Identifier,
        HomeAgentAddressDiscoveryRequest q => q.Identifier,
        HomeAgentAddressDiscoveryReply r => r.Identifier,
        MobilePrefixSolicitation s => s.Identifier,
        MobilePrefixAdvertisement a => a.Identifier,
        _ => throw new AssertionException($"no identifier on {message.GetType().Name}"),
    };
}
