using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Shisa.Modules.MovementDetection;

namespace Shisa.Modules.Tests.MovementDetection;

public class NetlinkParserTests
{
    // An RTM_NEWADDR captured from a dump on x86-64 Linux: fd00::2/64 on ifindex 4, IFA_F_NODAD | IFA_F_PERMANENT,
    // scope universe, with IFA_ADDRESS, IFA_CACHEINFO and IFA_FLAGS.
    private const string CapturedNewAddr = "4800000014000200010000008f0500000a4082000400000014000100fd00000000000000000000000000000214000600ffffffffffffffff12000000120000000800080082000000";

    private const ushort IfaAddress = 1;
    private const ushort IfaFlags = 8;
    private const ushort IflaIfname = 3;

    [Test]
    public void Reads_a_captured_rtm_newaddr()
    {
        var events = new List<NetlinkEvent>();
        Assert.That(NetlinkParser.TryParse(Convert.FromHexString(CapturedNewAddr), events), Is.True);
        Assert.That(events, Is.EqualTo(new[]
        {
            new AddressAdded(new InterfaceAddress(4, IPAddress.Parse("fd00::2"), 64, AddressFlags.NoDad | AddressFlags.Permanent, AddressScope.Universe)),
        }));
    }

    [Test]
    public void Reads_an_optimistic_address_from_the_32_bit_flags_then_stops_at_done()
    {
        var bytes = Concat(
            NewAddr(NetlinkParser.RtmNewAddr, 7, "2001:db8:a1::ff:fe00:10", headerFlags: 0x44, attributeFlags: 0x44),
            Message(NetlinkParser.NlmsgDone, []),
            NewAddr(NetlinkParser.RtmNewAddr, 7, "2001:db8:a2::1"));
        var events = new List<NetlinkEvent>();
        Assert.That(NetlinkParser.TryParse(bytes, events), Is.False, "NLMSG_DONE ends the batch");
        var address = ((AddressAdded)events.Single()).Address;
        Assert.That(address.Flags, Is.EqualTo(AddressFlags.Tentative | AddressFlags.Optimistic));
        Assert.That(address.IsUsable, Is.True);
    }

    [Test]
    public void The_32_bit_flags_attribute_overrides_the_8_bit_field()
    {
        var events = new List<NetlinkEvent>();
        NetlinkParser.TryParse(NewAddr(NetlinkParser.RtmNewAddr, 7, "2001:db8:a1::1", headerFlags: 0x40, attributeFlags: 0x00), events);
        Assert.That(((AddressAdded)events.Single()).Address.Flags, Is.EqualTo(AddressFlags.None));
    }

    [Test]
    public void Reads_deleted_addresses_and_links()
    {
        var bytes = Concat(
            NewAddr(NetlinkParser.RtmDelAddr, 7, "2001:db8:a1::1"),
            Link(NetlinkParser.RtmNewLink, 7, "mn0", 0x1 | 0x40 | 0x10000),
            Link(NetlinkParser.RtmNewLink, 8, "mn1", 0x1),
            Link(NetlinkParser.RtmDelLink, 9, "old", 0));
        var events = new List<NetlinkEvent>();
        Assert.That(NetlinkParser.TryParse(bytes, events), Is.True);
        Assert.That(events, Is.EqualTo(new NetlinkEvent[]
        {
            new AddressRemoved(new InterfaceAddress(7, IPAddress.Parse("2001:db8:a1::1"), 64, AddressFlags.None, AddressScope.Universe)),
            new LinkChanged(new LinkState(7, "mn0", true)),
            new LinkChanged(new LinkState(8, "mn1", false)),
            new LinkRemoved(9),
        }));
    }

    [Test]
    public void Ipv4_addresses_are_skipped()
    {
        var message = NewAddr(NetlinkParser.RtmNewAddr, 7, "2001:db8:a1::1");
        message[NetlinkParser.HeaderLength] = 2; // AF_INET
        var events = new List<NetlinkEvent>();
        Assert.That(NetlinkParser.TryParse(message, events), Is.True);
        Assert.That(events, Is.Empty);
    }

    [Test]
    public void Truncated_or_lying_lengths_never_throw()
    {
        var whole = Concat(NewAddr(NetlinkParser.RtmNewAddr, 7, "2001:db8:a1::1"), Link(NetlinkParser.RtmNewLink, 7, "mn0", 0x41));
        var random = new Random(4285);
        for (int i = 0; i < 5000; i++)
        {
            var bytes = whole[..random.Next(whole.Length + 1)];
            if (bytes.Length > 0 && i % 2 == 0)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            Assert.DoesNotThrow(() => NetlinkParser.TryParse(bytes, []));
        }
    }

    [Test]
    public void The_table_follows_flag_changes_and_removals()
    {
        var table = new InterfaceTable();
        var tentative = new InterfaceAddress(7, IPAddress.Parse("2001:db8:a1::1"), 64, AddressFlags.Tentative, AddressScope.Universe);
        table.Apply(new LinkChanged(new LinkState(7, "mn0", true)));
        table.Apply(new AddressAdded(tentative));
        table.Apply(new AddressAdded(tentative with { Flags = AddressFlags.None }));
        Assert.That(table.Snapshot().Addresses.Single().Flags, Is.EqualTo(AddressFlags.None));
        table.Apply(new AddressRemoved(tentative));
        Assert.That(table.Snapshot().Addresses, Is.Empty);
        table.Apply(new AddressAdded(tentative));
        table.Apply(new LinkRemoved(7));
        Assert.That(table.Snapshot(), Is.EqualTo(NetworkSnapshot.Empty).Using<NetworkSnapshot>((a, b) => a.Links.Count == b.Links.Count && a.Addresses.Count == b.Addresses.Count));
    }

    [Test]
    public void The_netlink_watcher_dumps_this_hosts_links()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("netlink is Linux only");
            return;
        }

        INetworkWatcher watcher;
        try
        {
            watcher = new NetlinkWatcher(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        }
        catch (IOException e)
        {
            Assert.Ignore($"no netlink here: {e.Message}");
            return;
        }

        using (watcher)
        {
            var first = new TaskCompletionSource<NetworkSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
            watcher.Start(s => first.TrySetResult(s));
            Assert.That(first.Task.Wait(TimeSpan.FromSeconds(10)), Is.True);
            Assert.That(first.Task.Result.Links.Select(l => l.Name), Does.Contain("lo"));
        }
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static byte[] Message(ushort type, byte[] payload)
    {
        int length = NetlinkParser.HeaderLength + payload.Length;
        var bytes = new byte[(length + 3) & ~3];
        MemoryMarshal.Write(bytes, (uint)length);
        MemoryMarshal.Write(bytes.AsSpan(4), type);
        payload.CopyTo(bytes, NetlinkParser.HeaderLength);
        return bytes;
    }

    private static byte[] Attribute(ushort type, byte[] data)
    {
        int length = 4 + data.Length;
        var bytes = new byte[(length + 3) & ~3];
        MemoryMarshal.Write(bytes, (ushort)length);
        MemoryMarshal.Write(bytes.AsSpan(2), type);
        data.CopyTo(bytes, 4);
        return bytes;
    }

    private static byte[] NewAddr(ushort type, int index, string address, byte headerFlags = 0, uint? attributeFlags = null)
    {
        var header = new byte[NetlinkParser.IfAddrMsgLength];
        header[0] = 10;
        header[1] = 64;
        header[2] = headerFlags;
        header[3] = 0;
        MemoryMarshal.Write(header.AsSpan(4), (uint)index);
        var body = Concat(header, Attribute(IfaAddress, IPAddress.Parse(address).GetAddressBytes()));
        if (attributeFlags is { } flags)
        {
            var data = new byte[4];
            MemoryMarshal.Write(data, flags);
            body = Concat(body, Attribute(IfaFlags, data));
        }

        return Message(type, body);
    }

    private static byte[] Link(ushort type, int index, string name, uint flags)
    {
        var header = new byte[NetlinkParser.IfInfoMsgLength];
        MemoryMarshal.Write(header.AsSpan(4), index);
        MemoryMarshal.Write(header.AsSpan(8), flags);
        return Message(type, Concat(header, Attribute(IflaIfname, [.. Encoding.ASCII.GetBytes(name), 0])));
    }
}
