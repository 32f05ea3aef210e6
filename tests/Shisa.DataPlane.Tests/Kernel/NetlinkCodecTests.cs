using System.Net;
using System.Runtime.Versioning;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Kernel.Netlink;

namespace Shisa.DataPlane.Tests.Kernel;

/// <summary>
/// The netlink codec against bytes built by hand from the uapi structs (little-endian host: x86_64, arm64) and
/// against answers captured from a 6.x kernel.
/// </summary>
[SupportedOSPlatform("linux")]
public class NetlinkCodecTests
{
    // RTM_NEWROUTE of 2001:db8:58::/64 through an unreachable gateway, answered by the kernel (NETLINK_CAP_ACK set):
    // NLMSG_ERROR, flags NLM_F_CAPPED, seq 7, error -113 (EHOSTUNREACH), then the request's header.
    private const string CapturedRouteError = "240000000200000107000000c93f00008fffffff5c000000180005050700000000000000";

    // An RTM_NEWROUTE of a dump (seq 42): 2001:db8:c3::/64 dev 3 proto ra metric 1024 table main, with rta_cacheinfo
    // rta_expires = 29906 (clock ticks) and RTA_PREF.
    private const string CapturedRouteDumpEntry =
        "74000000180002002a000000533f00000a400000fe0900010000000008000f00fe0000001400010020010db800c3000000000000000000000800060000040000080004000300000024000c000000000000000000d274000000000000000000000000000000000000000000000500140000000000";

    [Test]
    public void A_route_replace_request_is_the_nlmsghdr_rtmsg_and_attributes_of_the_uapi()
    {
        var route = new RouteEntry(IPNetwork.Parse("2001:db8:1::100/128"), InterfaceIndex: 7, Table: 1000, Metric: 1024, Gateway: IPAddress.Parse("fe80::1"), Protocol: KernelTags.RouteProtocol);
        var buffer = new byte[256];

        Assert.That(Rtnetlink.TryWriteRoute(buffer, Rtnetlink.NewRoute, 0x1 | 0x4 | 0x400 | 0x100, 9, route, out int written), Is.True);

        string expected =
            "5c000000" + "1800" + "0505" + "09000000" + "00000000" // nlmsghdr: len 92, RTM_NEWROUTE, REQUEST|ACK|CREATE|REPLACE, seq 9, pid 0
            + "0a800000" + "00" + "53" + "00" + "01" + "00000000"   // rtmsg: AF_INET6, dst_len 128, src 0, tos 0, table UNSPEC (> 255), proto 'S', scope universe, RTN_UNICAST, flags
            + "14000100" + "20010db8000100000000000000000100"      // RTA_DST
            + "08000f00" + "e8030000"                               // RTA_TABLE 1000
            + "08000400" + "07000000"                               // RTA_OIF 7
            + "08000600" + "00040000"                               // RTA_PRIORITY 1024
            + "14000500" + "fe800000000000000000000000000001";     // RTA_GATEWAY
        Assert.That(Convert.ToHexStringLower(buffer.AsSpan(0, written)), Is.EqualTo(expected));
    }

    [Test]
    public void An_iif_rule_request_carries_fra_iifname_and_reads_back_the_same_rule()
    {
        var buffer = new byte[256];
        var rule = new KernelRule(IPNetwork.Parse("::/0"), Table: 1910, Priority: 1001, InputInterface: "mnp0");

        Assert.That(Rtnetlink.TryWriteRule(buffer, Rtnetlink.NewRule, 0x1 | 0x4 | 0x400 | 0x200, 3, rule, KernelTags.RouteProtocol, out int written), Is.True);

        string hex = Convert.ToHexStringLower(buffer.AsSpan(0, written));
        Assert.That(hex, Does.Contain("09000300" + "6d6e703000" + "000000"), "FRA_IIFNAME \"mnp0\", NUL-terminated, padded");
        Assert.That(Rtnetlink.TryReadRule(buffer.AsSpan(16, written - 16), out var read, out byte protocol), Is.True);
        Assert.That((read, protocol), Is.EqualTo((rule, KernelTags.RouteProtocol)));
        Assert.That(read.ToString(), Is.EqualTo("rule from ::/0 iif mnp0 lookup 1910 priority 1001"));
    }

    [Test]
    public void A_not_fwmark_rule_request_sets_fib_rule_invert_and_the_protocol()
    {
        var buffer = new byte[256];
        var rule = new KernelRule(null, Table: 100, Priority: 1001, NotMark: 0x5348);

        Assert.That(Rtnetlink.TryWriteRule(buffer, Rtnetlink.NewRule, 0x1 | 0x4 | 0x400 | 0x200, 3, rule, KernelTags.RouteProtocol, out int written), Is.True);

        string expected =
            "3c000000" + "2000" + "0506" + "03000000" + "00000000" // RTM_NEWRULE, REQUEST|ACK|CREATE|EXCL
            + "0a000000" + "64" + "0000" + "01" + "02000000"       // fib_rule_hdr: AF_INET6, lens 0, tos 0, table 100, res, FR_ACT_TO_TBL, FIB_RULE_INVERT
            + "08000600" + "e9030000"                               // FRA_PRIORITY 1001
            + "08000f00" + "64000000"                               // FRA_TABLE 100
            + "08000a00" + "48530000"                               // FRA_FWMARK 0x5348
            + "05001500" + "53000000";                              // FRA_PROTOCOL 'S', padded
        Assert.That(Convert.ToHexStringLower(buffer.AsSpan(0, written)), Is.EqualTo(expected));
    }

    [Test]
    public void An_address_request_asks_for_no_dad_in_ifa_flags_and_ifaddrmsg()
    {
        var buffer = new byte[128];

        Assert.That(Rtnetlink.TryWriteAddress(buffer, Rtnetlink.NewAddress, 0x505, 2, IPAddress.Parse("2001:db8:a1::100"), 64, 5, out int written), Is.True);

        string expected =
            "48000000" + "1400" + "0505" + "02000000" + "00000000"
            + "0a" + "40" + "02" + "00" + "05000000"               // ifaddrmsg: AF_INET6, /64, IFA_F_NODAD, universe, index 5
            + "14000200" + "20010db800a100000000000000000100"      // IFA_LOCAL
            + "14000100" + "20010db800a100000000000000000100"      // IFA_ADDRESS
            + "08000800" + "02000000";                              // IFA_FLAGS
        Assert.That(Convert.ToHexStringLower(buffer.AsSpan(0, written)), Is.EqualTo(expected));
    }

    [Test]
    public void The_table_request_is_a_nfgenmsg_for_ip6_with_a_nul_terminated_name()
    {
        var buffer = new byte[64];

        Assert.That(Nftables.TryWriteGetTable(buffer, "shisa", 5, out int written), Is.True);

        string expected =
            "20000000" + "010a" + "0500" + "05000000" + "00000000" // (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE, REQUEST|ACK
            + "0a000000"                                             // nfgenmsg: NFPROTO_IPV6, NFNETLINK_V0, res_id 0
            + "0a000100" + "7368697361000000";                      // NFTA_TABLE_NAME "shisa\0", padded
        Assert.That(Convert.ToHexStringLower(buffer.AsSpan(0, written)), Is.EqualTo(expected));
    }

    [Test]
    public void The_replace_batch_is_framed_by_batch_begin_and_end_for_nftables_with_consecutive_sequence_numbers()
    {
        var buffer = new byte[16 * 1024];

        Assert.That(Nftables.TryWriteReplaceTable(buffer, "shisa", new MobilityFilter(), 100, out int written, out uint last), Is.True);

        var types = new List<(ushort Type, uint Sequence, ushort Flags)>();
        var span = buffer.AsSpan(0, written);
        while (NetlinkMessageView.TryRead(span, out var message, out int consumed))
        {
            types.Add((message.Type, message.Sequence, message.Flags));
            span = span[consumed..];
        }

        Assert.That(span.IsEmpty, Is.True, "the batch is whole messages");
        Assert.That(types[0], Is.EqualTo((Nftables.BatchBegin, 100u, (ushort)0x1)));
        Assert.That(types[^1], Is.EqualTo((Nftables.BatchEnd, last, (ushort)0x1)));
        Assert.That(types.Select(t => t.Sequence), Is.EqualTo(Enumerable.Range(100, types.Count).Select(i => (uint)i)));
        Assert.That(types.Skip(1).Take(6).Select(t => t.Type), Is.EqualTo(new[] { Nftables.NewTable, Nftables.DelTable, Nftables.NewTable, Nftables.NewChain, Nftables.NewChain, Nftables.NewChain }));
        Assert.That(types.Count(t => t.Type == Nftables.NewRule), Is.EqualTo(8), "MH, 41, HAO, HAO after PadN, RH2, forwarded NS and NA, Parameter Problems");
        Assert.That(types.Skip(1).SkipLast(1).All(t => (t.Flags & 0x4) != 0), Is.True, "every message inside asks for an ACK");
        Assert.That(Convert.ToHexStringLower(buffer.AsSpan(0, 20)), Is.EqualTo("14000000" + "1000" + "0100" + "64000000" + "00000000" + "0000000a"), "BATCH_BEGIN: AF_UNSPEC, res_id NFNL_SUBSYS_NFTABLES big-endian");
    }

    [Test]
    public void Each_message_of_the_batch_is_described_for_error_messages()
    {
        var messages = new List<string>();

        Assert.That(Nftables.TryWriteReplaceTable(new byte[16 * 1024], "shisa", new MobilityFilter(), 1, out _, out uint last, messages), Is.True);

        Assert.That(messages, Has.Count.EqualTo((int)last));
        Assert.That(messages[7], Is.EqualTo("rule in chain input: Mobility Header: handled by shisa"));
        Assert.That(messages[^2], Is.EqualTo("rule in chain output: no kernel errors about what shisa handles"));
    }

    [Test]
    public void A_home_agents_anycast_address_adds_a_forward_rule_dropping_dhaad_requests_to_it()
    {
        var messages = new List<string>();
        var anycast = HomeAgentsAnycast.For(new Prefix(System.Net.IPAddress.Parse("2001:db8:1::"), 64));
        var buffer = new byte[16 * 1024];

        Assert.That(Nftables.TryWriteReplaceTable(buffer, "shisa", new MobilityFilter { HomeAgentsAnycast = anycast }, 1, out int written, out _, messages), Is.True);

        Assert.That(anycast, Is.EqualTo(System.Net.IPAddress.Parse("2001:db8:1::fdff:ffff:ffff:fffe")), "RFC 2526");
        Assert.That(messages, Has.One.EqualTo("rule in chain forward: DHAAD to the Home-Agents anycast address: answered by shisa"));
        Assert.That(Convert.ToHexStringLower(buffer.AsSpan(0, written)), Does.Contain(Convert.ToHexStringLower(anycast.GetAddressBytes())), "the address is compared whole");
    }

    [Test]
    public void Switched_off_rules_are_left_out_of_the_batch()
    {
        var buffer = new byte[16 * 1024];
        var filter = new MobilityFilter { DropMobilityHeader = false, DropTunnelled = false, DropHomeAddressOption = false, DropType2RoutingHeader = false, DropForwardedNeighborDiscovery = false, SuppressParameterProblems = false };

        Assert.That(Nftables.TryWriteReplaceTable(buffer, "shisa", filter, 1, out _, out uint last), Is.True);
        Assert.That(last, Is.EqualTo(8u), "begin, table, delete, table, three chains, end");
    }

    [Test]
    public void A_request_that_does_not_fit_the_buffer_is_refused_not_truncated()
    {
        var buffer = new byte[40];
        var route = new RouteEntry(IPNetwork.Parse("2001:db8::/64"), 1, 254, 1024, null, KernelTags.RouteProtocol);

        Assert.That(Rtnetlink.TryWriteRoute(buffer, Rtnetlink.NewRoute, 0x5, 1, route, out int written), Is.False);
        Assert.That(written, Is.Zero);
        Assert.That(Nftables.TryWriteReplaceTable(new byte[512], "shisa", new MobilityFilter(), 1, out _, out _), Is.False);
    }

    [Test]
    public void A_captured_route_dump_entry_reads_as_an_expiring_router_advertisement_route()
    {
        var bytes = Convert.FromHexString(CapturedRouteDumpEntry);

        Assert.That(NetlinkMessageView.TryRead(bytes, out var message, out int consumed), Is.True);
        Assert.That((message.Type, message.Sequence, message.Flags, consumed), Is.EqualTo((Rtnetlink.NewRoute, 42u, (ushort)0x2, bytes.Length)));
        Assert.That(Rtnetlink.TryReadRoute(message.Payload, out var route), Is.True);
        Assert.That(route, Is.EqualTo(new RouteEntry(IPNetwork.Parse("2001:db8:c3::/64"), 3, 254, 1024, null, Rtnetlink.ProtocolRouterAdvertisement, Expires: true)));
    }

    [Test]
    public void A_captured_error_answer_gives_the_errno_and_the_sequence_number()
    {
        var bytes = Convert.FromHexString(CapturedRouteError);

        Assert.That(NetlinkMessageView.TryRead(bytes, out var message, out _), Is.True);
        Assert.That(message.Sequence, Is.EqualTo(7u));
        Assert.That(message.TryReadError(out int errno, out string? explanation), Is.True);
        Assert.That(errno, Is.EqualTo(113));
        Assert.That(explanation, Is.Null);
    }

    [Test]
    public void An_acknowledgement_is_errno_zero_and_an_extended_ack_carries_the_kernels_explanation()
    {
        var ack = Message(NetlinkMessage.Error, 0x100, 8, [.. Int32(0), .. new byte[16]]);
        byte[] text = [.. "Nexthop has invalid gateway"u8, 0];
        var extended = Message(NetlinkMessage.Error, 0x300, 9, [.. Int32(-22), .. new byte[16], .. Attribute(1, text)]);

        Assert.That(NetlinkMessageView.TryRead(ack, out var message, out _), Is.True);
        Assert.That(message.TryReadError(out int errno, out string? none), Is.True);
        Assert.That((errno, none), Is.EqualTo((0, (string?)null)));
        Assert.That(NetlinkMessageView.TryRead(extended, out message, out _), Is.True);
        Assert.That(message.TryReadError(out errno, out string? explanation), Is.True);
        Assert.That((errno, explanation), Is.EqualTo((22, "Nexthop has invalid gateway")));
    }

    [Test]
    public void An_error_names_the_request_and_a_missing_capability_names_the_fix()
    {
        var unreachable = NetlinkErrors.ToException("route 2001:db8:58::/64 dev d0 table 254 metric 1024", 113, null);
        var refused = NetlinkErrors.ToException("route 2001:db8:58::/64 dev d0 table 254 metric 1024", 22, "Nexthop has invalid gateway");
        var denied = NetlinkErrors.ToException("nftables table ip6 shisa", 1, null);

        Assert.That(unreachable.Message, Is.EqualTo("route 2001:db8:58::/64 dev d0 table 254 metric 1024: No route to host"));
        Assert.That(unreachable.Errno, Is.EqualTo(113));
        Assert.That(refused.Message, Is.EqualTo("route 2001:db8:58::/64 dev d0 table 254 metric 1024: Invalid argument (Nexthop has invalid gateway)"));
        Assert.That(denied, Is.TypeOf<KernelFacilityMissingException>());
        Assert.That(denied.Message, Is.EqualTo("nftables table ip6 shisa: needs CAP_NET_ADMIN (run as root or grant AmbientCapabilities=CAP_NET_ADMIN)"));
    }

    [Test]
    public void Nfnetlink_refusing_the_batch_as_such_is_a_missing_nf_tables_but_a_refused_rule_is_not()
    {
        var missing = NetlinkKernel.NftablesError("nftables table ip6 shisa", 95, null, refusedWhole: true);
        var rule = NetlinkKernel.NftablesError("nftables table ip6 shisa, rule in chain input: Mobility Header: handled by shisa", 95, null, refusedWhole: false);

        Assert.That(missing, Is.TypeOf<KernelFacilityMissingException>());
        Assert.That(missing.Message, Is.EqualTo("the kernel has no nf_tables (load it: modprobe nf_tables)"));
        Assert.That(rule, Is.Not.TypeOf<KernelFacilityMissingException>());
        Assert.That(rule.Message, Does.StartWith("nftables table ip6 shisa, rule in chain input: Mobility Header: handled by shisa: "));
    }

    [Test]
    public void Truncated_or_impossible_messages_and_attributes_are_refused_without_throwing()
    {
        var bytes = Convert.FromHexString(CapturedRouteDumpEntry);
        for (int length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes.AsSpan(0, length);
            Assert.That(NetlinkMessageView.TryRead(prefix, out _, out _), Is.False, $"a message cut at {length}");
            Assert.DoesNotThrow(() => Rtnetlink.TryReadRoute(bytes.AsSpan(16, Math.Max(0, length - 16)), out _));
        }

        var impossible = (byte[])bytes.Clone();
        impossible[0] = 8; // nlmsg_len shorter than the header
        Assert.That(NetlinkMessageView.TryRead(impossible, out _, out _), Is.False);

        var reader = new NetlinkAttributeReader([0x40, 0x00, 0x01, 0x00, 0x00]); // rta_len past the end
        Assert.That(reader.TryReadNext(out _, out _), Is.False);
    }

    [Test]
    public void A_batch_is_answered_when_every_message_is_acknowledged_and_the_first_error_is_the_one_reported()
    {
        var answers = new NetlinkBatchAnswers(beginSequence: 10, firstAcked: 11, lastAcked: 13);

        Assert.That(answers.Take([.. Ack(11, 0), .. Ack(99, -2)]), Is.False, "an answer to another request is skipped");
        Assert.That(answers.Take([.. Ack(12, -2), .. Ack(12, -2)]), Is.False, "a repeated answer counts once");
        Assert.That(answers.Take(Ack(13, -17)), Is.True);
        Assert.That((answers.Errno, answers.FailedSequence), Is.EqualTo((2, 12u)));
    }

    [Test]
    public void A_batch_refused_as_a_whole_is_answered_by_its_begin_alone()
    {
        var answers = new NetlinkBatchAnswers(beginSequence: 10, firstAcked: 11, lastAcked: 13);

        Assert.That(answers.Take(Ack(10, -95)), Is.True);
        Assert.That((answers.Errno, answers.FailedSequence), Is.EqualTo((95, 10u)));
    }

    [Test]
    public void A_committed_batch_has_no_error()
    {
        var answers = new NetlinkBatchAnswers(beginSequence: 1, firstAcked: 2, lastAcked: 3);

        Assert.That(answers.Take([.. Ack(2, 0), .. Ack(3, 0)]), Is.True);
        Assert.That(answers.Errno, Is.Zero);
    }

    [TestCase("net.ipv6.conf.all.forwarding", "/proc/sys/net/ipv6/conf/all/forwarding")]
    [TestCase("net/ipv6/conf/eth0.100/proxy_ndp", "/proc/sys/net/ipv6/conf/eth0.100/proxy_ndp")]
    [TestCase("/proc/sys/net/ipv6/neigh/d0/proxy_delay", "/proc/sys/net/ipv6/neigh/d0/proxy_delay")]
    public void A_sysctl_key_in_dot_or_slash_form_is_its_file_under_proc_sys(string key, string path) =>
        Assert.That(NetlinkKernel.SysctlPath(key), Is.EqualTo(path));

    [TestCase("net/../../etc/passwd")]
    [TestCase("net..ipv6")]
    [TestCase("")]
    public void A_sysctl_key_that_leaves_proc_sys_is_refused(string key) =>
        Assert.Catch<ArgumentException>(() => NetlinkKernel.SysctlPath(key));

    private static byte[] Ack(uint sequence, int error) => Message(NetlinkMessage.Error, 0x100, sequence, [.. Int32(error), .. new byte[16]]);

    private static byte[] Int32(int value) => BitConverter.GetBytes(value);

    private static byte[] Attribute(ushort type, byte[] data)
    {
        var bytes = new byte[(4 + data.Length + 3) & ~3];
        BitConverter.GetBytes((ushort)(4 + data.Length)).CopyTo(bytes, 0);
        BitConverter.GetBytes(type).CopyTo(bytes, 2);
        data.CopyTo(bytes, 4);
        return bytes;
    }

    private static byte[] Message(ushort type, ushort flags, uint sequence, byte[] payload)
    {
        var bytes = new byte[16 + payload.Length];
        BitConverter.GetBytes((uint)bytes.Length).CopyTo(bytes, 0);
        BitConverter.GetBytes(type).CopyTo(bytes, 4);
        BitConverter.GetBytes(flags).CopyTo(bytes, 6);
        BitConverter.GetBytes(sequence).CopyTo(bytes, 8);
        payload.CopyTo(bytes, 16);
        return bytes;
    }
}
