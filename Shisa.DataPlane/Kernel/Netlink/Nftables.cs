using System.Buffers.Binary;
using System.Text;

namespace Shisa.DataPlane.Kernel.Netlink;

/// <summary>
/// nf_tables over NETLINK_NETFILTER (linux/netfilter/nfnetlink.h, linux/netfilter/nf_tables.h,
/// linux/netfilter.h): the batch that replaces the appliance's <c>ip6</c> table whole, and the table requests.
/// Every message starts with a nfgenmsg after the netlink header; nf_tables attributes in integers are
/// big-endian (NLA_BE32) except register data, which is what the packet holds (a mark is host order).
/// <code>
/// nfgenmsg (4): u8 nfgen_family (NFPROTO_IPV6) | u8 version (NFNETLINK_V0) | be16 res_id
/// batch:   BATCH_BEGIN (res_id NFNL_SUBSYS_NFTABLES) | NEWTABLE | DELTABLE | NEWTABLE | NEWCHAIN... | NEWSET | NEWSETELEM | NEWRULE... | BATCH_END
/// rule:    NFTA_RULE_TABLE | NFTA_RULE_CHAIN | NFTA_RULE_EXPRESSIONS { NFTA_LIST_ELEM { NFTA_EXPR_NAME | NFTA_EXPR_DATA { ... } } ... } | NFTA_RULE_USERDATA
/// </code>
/// The batch is what <c>nft -f</c> sends for the script "table ip6 T / delete table ip6 T / table ip6 T { ... }":
/// creating the table first makes the delete succeed when none exists, and the kernel applies the batch as one
/// transaction, so the table is replaced whole or not at all.
/// </summary>
public static class Nftables
{
    public const int GenericHeaderLength = 4; // sizeof(struct nfgenmsg)
    public const byte FamilyIpv6 = 10;        // NFPROTO_IPV6
    public const ushort SubsystemNftables = 10; // NFNL_SUBSYS_NFTABLES
    public const ushort BatchBegin = NetlinkMessage.MinType;     // NFNL_MSG_BATCH_BEGIN
    public const ushort BatchEnd = NetlinkMessage.MinType + 1;   // NFNL_MSG_BATCH_END

    // enum nf_tables_msg_types; the netlink type is (subsystem << 8) | type.
    public const ushort NewTable = (SubsystemNftables << 8) | 0;
    public const ushort GetTable = (SubsystemNftables << 8) | 1;
    public const ushort DelTable = (SubsystemNftables << 8) | 2;
    public const ushort NewChain = (SubsystemNftables << 8) | 3;
    public const ushort NewRule = (SubsystemNftables << 8) | 6;
    public const ushort NewSet = (SubsystemNftables << 8) | 9;
    public const ushort NewSetElement = (SubsystemNftables << 8) | 12;

    // Attributes.
    private const ushort TableName = 1;      // NFTA_TABLE_NAME
    private const ushort ChainTable = 1;     // NFTA_CHAIN_TABLE
    private const ushort ChainName = 3;      // NFTA_CHAIN_NAME
    private const ushort ChainHook = 4;      // NFTA_CHAIN_HOOK { NFTA_HOOK_HOOKNUM, NFTA_HOOK_PRIORITY }
    private const ushort ChainPolicy = 5;    // NFTA_CHAIN_POLICY
    private const ushort ChainType = 7;      // NFTA_CHAIN_TYPE
    private const ushort HookNumber = 1;     // NFTA_HOOK_HOOKNUM
    private const ushort HookPriority = 2;   // NFTA_HOOK_PRIORITY
    private const ushort RuleTable = 1;      // NFTA_RULE_TABLE
    private const ushort RuleChain = 2;      // NFTA_RULE_CHAIN
    private const ushort RuleExpressions = 4; // NFTA_RULE_EXPRESSIONS
    private const ushort RuleUserData = 7;   // NFTA_RULE_USERDATA
    private const ushort ListElement = 1;    // NFTA_LIST_ELEM
    private const ushort ExpressionName = 1; // NFTA_EXPR_NAME
    private const ushort ExpressionData = 2; // NFTA_EXPR_DATA
    private const ushort MetaDestination = 1; // NFTA_META_DREG
    private const ushort MetaKey = 2;        // NFTA_META_KEY
    private const ushort CmpSource = 1;      // NFTA_CMP_SREG
    private const ushort CmpOperator = 2;    // NFTA_CMP_OP
    private const ushort CmpData = 3;        // NFTA_CMP_DATA
    private const ushort DataValue = 1;      // NFTA_DATA_VALUE
    private const ushort DataVerdict = 2;    // NFTA_DATA_VERDICT
    private const ushort VerdictCode = 1;    // NFTA_VERDICT_CODE
    private const ushort PayloadDestination = 1; // NFTA_PAYLOAD_DREG
    private const ushort PayloadBase = 2;    // NFTA_PAYLOAD_BASE
    private const ushort PayloadOffset = 3;  // NFTA_PAYLOAD_OFFSET
    private const ushort PayloadLength = 4;  // NFTA_PAYLOAD_LEN
    private const ushort ExthdrDestination = 1; // NFTA_EXTHDR_DREG
    private const ushort ExthdrType = 2;     // NFTA_EXTHDR_TYPE (u8)
    private const ushort ExthdrOffset = 3;   // NFTA_EXTHDR_OFFSET
    private const ushort ExthdrLength = 4;   // NFTA_EXTHDR_LEN
    private const ushort ImmediateDestination = 1; // NFTA_IMMEDIATE_DREG
    private const ushort ImmediateData = 2;  // NFTA_IMMEDIATE_DATA
    private const ushort LookupSet = 1;      // NFTA_LOOKUP_SET
    private const ushort LookupSource = 2;   // NFTA_LOOKUP_SREG
    private const ushort LookupSetId = 4;    // NFTA_LOOKUP_SET_ID
    private const ushort SetTable = 1;       // NFTA_SET_TABLE
    private const ushort SetName = 2;        // NFTA_SET_NAME
    private const ushort SetFlags = 3;       // NFTA_SET_FLAGS
    private const ushort SetKeyType = 4;     // NFTA_SET_KEY_TYPE
    private const ushort SetKeyLength = 5;   // NFTA_SET_KEY_LEN
    private const ushort SetDescription = 9; // NFTA_SET_DESC { NFTA_SET_DESC_SIZE }
    private const ushort SetId = 10;         // NFTA_SET_ID
    private const ushort SetUserData = 13;   // NFTA_SET_USERDATA
    private const ushort SetDescriptionSize = 1; // NFTA_SET_DESC_SIZE
    private const ushort ElementListTable = 1;  // NFTA_SET_ELEM_LIST_TABLE
    private const ushort ElementListSet = 2;    // NFTA_SET_ELEM_LIST_SET
    private const ushort ElementListElements = 3; // NFTA_SET_ELEM_LIST_ELEMENTS
    private const ushort ElementListSetId = 4;  // NFTA_SET_ELEM_LIST_SET_ID
    private const ushort ElementKey = 1;        // NFTA_SET_ELEM_KEY

    // Values.
    private const uint RegisterVerdict = 0;  // NFT_REG_VERDICT
    private const uint Register1 = 1;        // NFT_REG_1 (16 octets)
    private const uint MetaMark = 3;         // NFT_META_MARK
    private const uint MetaL4Protocol = 16;  // NFT_META_L4PROTO
    private const uint CmpEqual = 0;         // NFT_CMP_EQ
    private const uint CmpNotEqual = 1;      // NFT_CMP_NEQ
    private const uint NetworkHeader = 1;    // NFT_PAYLOAD_NETWORK_HEADER
    private const uint TransportHeader = 2;  // NFT_PAYLOAD_TRANSPORT_HEADER
    private const uint VerdictDrop = 0;      // NF_DROP
    private const uint VerdictAccept = 1;    // NF_ACCEPT
    private const uint HookLocalIn = 1;      // NF_INET_LOCAL_IN
    private const uint HookForward = 2;      // NF_INET_FORWARD
    private const uint HookLocalOut = 3;     // NF_INET_LOCAL_OUT
    private const int FilterPriority = 0;    // NF_IP6_PRI_FILTER: nft's "filter"
    private const uint SetAnonymousConstant = 0x1 | 0x2; // NFT_SET_ANONYMOUS | NFT_SET_CONSTANT
    private const uint KeyTypeInteger = 4;   // nft's TYPE_INTEGER: how nft prints the elements (the kernel ignores it)
    private const byte UserDataComment = 0;  // NFTNL_UDATA_RULE_COMMENT (libnftnl): u8 type | u8 length | text NUL

    private const string AnonymousSetName = "__set%d";  // the kernel allocates the number
    private const uint AnonymousSetId = 1;              // refers to the set within the batch

    /// <summary>The priority of the appliance's chains: nft's "filter - 10", before other filter chains.</summary>
    public const int ChainPriority = FilterPriority - 10;

    // IPv6 and ICMPv6 numbers the rules match (RFC 8200, RFC 4443, RFC 6275).
    private const byte ProtocolTunnel = 41;         // IPv6-in-IPv6
    private const byte ProtocolRouting = 43;        // Routing header
    private const byte ProtocolIcmpv6 = 58;
    private const byte ProtocolDestinationOptions = 60;
    private const byte ProtocolMobilityHeader = 135;
    private const byte Icmpv6ParameterProblem = 4;
    private const byte Icmpv6NeighborSolicitation = 135; // RFC 4861 4.3
    private const byte Icmpv6NeighborAdvertisement = 136; // RFC 4861 4.4
    private const byte Icmpv6HomeAgentDiscoveryRequest = 144;
    private const uint DestinationAddressOffset = 24;  // IPv6 header: Destination Address
    private const byte HomeAddressOptionType = 0xC9;
    private const byte PadNOptionType = 0x01;
    private const byte Type2Routing = 2;
    private const uint NextHeaderOffset = 6;         // IPv6 header: Next Header
    private const uint FirstOptionOffset = 40 + 2;   // the first option of a Destination Options header right after it
    private const uint OptionAfterPadNOffset = 40 + 6; // ... after a 4-octet PadN (01 02 00 00)
    private const uint RoutingTypeOffset = 2;        // Routing header: Routing Type
    private const uint InvokingNextHeaderOffset = 8 + 6; // ICMPv6 error: 8-octet header, then the invoking packet's Next Header

    /// <summary>Values of the invoking packet's Next Header whose Parameter Problems the kernel must not send.</summary>
    public static ReadOnlySpan<byte> SuppressedNextHeaders => [ProtocolTunnel, ProtocolRouting, ProtocolDestinationOptions, ProtocolMobilityHeader];

    /// <summary>
    /// The batch that replaces table <c>ip6 <paramref name="tableName"/></c> with the rules of <paramref name="filter"/>:
    /// sequence numbers run from <paramref name="firstSequence"/> (BATCH_BEGIN) to <paramref name="lastSequence"/> (BATCH_END).
    /// <paramref name="messages"/>, when given, receives what each message does, in order (for error messages).
    /// </summary>
    public static bool TryWriteReplaceTable(Span<byte> buffer, string tableName, MobilityFilter filter, uint firstSequence, out int bytesWritten, out uint lastSequence, List<string>? messages = null)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var writer = new NetlinkWriter(buffer);
        uint sequence = firstSequence;
        WriteBatchMarker(ref writer, BatchBegin, sequence++);
        messages?.AddRange(["batch begin", $"add table ip6 {tableName}", $"delete table ip6 {tableName}", $"add table ip6 {tableName}", "chain input", "chain output", "chain forward"]);
        WriteTable(ref writer, NewTable, NetlinkMessage.FlagCreate, tableName, sequence++);
        WriteTable(ref writer, DelTable, 0, tableName, sequence++);
        WriteTable(ref writer, NewTable, NetlinkMessage.FlagCreate, tableName, sequence++);

        WriteChain(ref writer, tableName, "input", HookLocalIn, sequence++);
        WriteChain(ref writer, tableName, "output", HookLocalOut, sequence++);
        WriteChain(ref writer, tableName, "forward", HookForward, sequence++);

        if (filter.DropMobilityHeader)
        {
            // meta l4proto 135 counter drop
            int rule = BeginRule(ref writer, tableName, "input", sequence++, out int expressions);
            Meta(ref writer, MetaL4Protocol);
            Cmp(ref writer, CmpEqual, [ProtocolMobilityHeader]);
            messages?.Add("rule in chain input: Mobility Header: handled by shisa");
            CounterDrop(ref writer, rule, expressions, "Mobility Header: handled by shisa");
        }

        if (filter.DropTunnelled)
        {
            // meta l4proto 41 counter drop
            int rule = BeginRule(ref writer, tableName, "input", sequence++, out int expressions);
            Meta(ref writer, MetaL4Protocol);
            Cmp(ref writer, CmpEqual, [ProtocolTunnel]);
            messages?.Add("rule in chain input: IPv6-in-IPv6 to this node: decapsulated by shisa");
            CounterDrop(ref writer, rule, expressions, "IPv6-in-IPv6 to this node: decapsulated by shisa");
        }

        if (filter.DropHomeAddressOption)
        {
            // The Home Address option (type 0xC9) comes first in the Destination Options header that follows the
            // IPv6 header, either at once or after the PadN (01 02 00 00) that aligns it to 8n+6.
            // ip6 nexthdr 60 @nh,336,8 0xc9 counter drop
            int rule = BeginRule(ref writer, tableName, "input", sequence++, out int expressions);
            Payload(ref writer, NetworkHeader, NextHeaderOffset);
            Cmp(ref writer, CmpEqual, [ProtocolDestinationOptions]);
            Payload(ref writer, NetworkHeader, FirstOptionOffset);
            Cmp(ref writer, CmpEqual, [HomeAddressOptionType]);
            messages?.Add("rule in chain input: Home Address option: handled by shisa");
            CounterDrop(ref writer, rule, expressions, "Home Address option: handled by shisa");

            // ip6 nexthdr 60 @nh,336,8 0x01 @nh,368,8 0xc9 counter drop
            rule = BeginRule(ref writer, tableName, "input", sequence++, out expressions);
            Payload(ref writer, NetworkHeader, NextHeaderOffset);
            Cmp(ref writer, CmpEqual, [ProtocolDestinationOptions]);
            Payload(ref writer, NetworkHeader, FirstOptionOffset);
            Cmp(ref writer, CmpEqual, [PadNOptionType]);
            Payload(ref writer, NetworkHeader, OptionAfterPadNOffset);
            Cmp(ref writer, CmpEqual, [HomeAddressOptionType]);
            messages?.Add("rule in chain input: Home Address option after PadN");
            CounterDrop(ref writer, rule, expressions, "Home Address option after PadN");
        }

        if (filter.DropType2RoutingHeader)
        {
            // rt type 2 counter drop: the exthdr expression finds the Routing header wherever it is in the chain.
            int rule = BeginRule(ref writer, tableName, "input", sequence++, out int expressions);
            Exthdr(ref writer, ProtocolRouting, RoutingTypeOffset);
            Cmp(ref writer, CmpEqual, [Type2Routing]);
            messages?.Add("rule in chain input: type 2 routing header: handled by shisa");
            CounterDrop(ref writer, rule, expressions, "type 2 routing header: handled by shisa");
        }

        if (filter.DropForwardedNeighborDiscovery)
        {
            // meta l4proto 58 @th,0,8 135 counter drop; the same for 136: Neighbor Discovery never crosses a router
            // (RFC 4861 7.1.1, hop limit 255), and a solicitation for a home address is answered by shisa, not
            // forwarded into the tunnel.
            foreach (byte type in (ReadOnlySpan<byte>)[Icmpv6NeighborSolicitation, Icmpv6NeighborAdvertisement])
            {
                int rule = BeginRule(ref writer, tableName, "forward", sequence++, out int expressions);
                Meta(ref writer, MetaL4Protocol);
                Cmp(ref writer, CmpEqual, [ProtocolIcmpv6]);
                Payload(ref writer, TransportHeader, 0);
                Cmp(ref writer, CmpEqual, [type]);
                string comment = type == Icmpv6NeighborSolicitation ? "Neighbor Solicitation: answered by shisa" : "Neighbor Advertisement: never forwarded";
                messages?.Add($"rule in chain forward: {comment}");
                CounterDrop(ref writer, rule, expressions, comment);
            }
        }

        if (filter.HomeAgentsAnycast is { } anycast)
        {
            // ip6 daddr ANYCAST icmpv6 type 144 counter drop (chain forward: the appliance answers DHAAD, RFC 6275 10.5)
            Span<byte> address = stackalloc byte[16];
            anycast.TryWriteBytes(address, out _);
            int rule = BeginRule(ref writer, tableName, "forward", sequence++, out int expressions);
            Payload(ref writer, NetworkHeader, DestinationAddressOffset, 16);
            Cmp(ref writer, CmpEqual, address);
            Meta(ref writer, MetaL4Protocol);
            Cmp(ref writer, CmpEqual, [ProtocolIcmpv6]);
            Payload(ref writer, TransportHeader, 0);
            Cmp(ref writer, CmpEqual, [Icmpv6HomeAgentDiscoveryRequest]);
            messages?.Add("rule in chain forward: DHAAD to the Home-Agents anycast address: answered by shisa");
            CounterDrop(ref writer, rule, expressions, "DHAAD to the Home-Agents anycast address: answered by shisa");
        }

        if (filter.SuppressParameterProblems)
        {
            // meta mark != 0x5348 icmpv6 type parameter-problem @th,112,8 { 41, 43, 60, 135 } counter drop
            messages?.AddRange(["anonymous set { 41, 43, 60, 135 }", "its elements"]);
            WriteAnonymousSet(ref writer, tableName, sequence++, sequence++);
            int rule = BeginRule(ref writer, tableName, "output", sequence++, out int expressions);
            Meta(ref writer, MetaMark);
            Span<byte> mark = stackalloc byte[4];
            NetlinkWriter.WriteHost32(mark, MobilityFilter.SignallingMark);
            Cmp(ref writer, CmpNotEqual, mark);
            Meta(ref writer, MetaL4Protocol);
            Cmp(ref writer, CmpEqual, [ProtocolIcmpv6]);
            Payload(ref writer, TransportHeader, 0);
            Cmp(ref writer, CmpEqual, [Icmpv6ParameterProblem]);
            Payload(ref writer, TransportHeader, InvokingNextHeaderOffset);
            Lookup(ref writer);
            messages?.Add("rule in chain output: no kernel errors about what shisa handles");
            CounterDrop(ref writer, rule, expressions, "no kernel errors about what shisa handles");
        }

        lastSequence = sequence;
        messages?.Add("batch end");
        WriteBatchMarker(ref writer, BatchEnd, sequence);
        return writer.TryGetWritten(out bytesWritten);
    }

    /// <summary>A batch that deletes table <c>ip6 <paramref name="tableName"/></c> (sequence numbers first, +1, +2).</summary>
    public static bool TryWriteDeleteTable(Span<byte> buffer, string tableName, uint firstSequence, out int bytesWritten)
    {
        var writer = new NetlinkWriter(buffer);
        WriteBatchMarker(ref writer, BatchBegin, firstSequence);
        WriteTable(ref writer, DelTable, 0, tableName, firstSequence + 1);
        WriteBatchMarker(ref writer, BatchEnd, firstSequence + 2);
        return writer.TryGetWritten(out bytesWritten);
    }

    /// <summary>NFT_MSG_GETTABLE of <c>ip6 <paramref name="tableName"/></c>: answered by the table, or ENOENT.</summary>
    public static bool TryWriteGetTable(Span<byte> buffer, string tableName, uint sequence, out int bytesWritten)
    {
        var writer = new NetlinkWriter(buffer);
        int start = writer.BeginMessage(GetTable, NetlinkMessage.FlagRequest | NetlinkMessage.FlagAck, sequence);
        WriteGenericHeader(ref writer, FamilyIpv6, 0);
        writer.WriteAttributeString(TableName, tableName);
        writer.EndMessage(start);
        return writer.TryGetWritten(out bytesWritten);
    }

    private static void WriteGenericHeader(ref NetlinkWriter writer, byte family, ushort resourceId)
    {
        var header = writer.WriteHeader(GenericHeaderLength);
        if (!header.IsEmpty)
        {
            header[0] = family;
            header[1] = 0; // NFNETLINK_V0
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], resourceId);
        }
    }

    private static void WriteBatchMarker(ref NetlinkWriter writer, ushort type, uint sequence)
    {
        int start = writer.BeginMessage(type, NetlinkMessage.FlagRequest, sequence);
        WriteGenericHeader(ref writer, 0, SubsystemNftables); // AF_UNSPEC, res_id: the subsystem
        writer.EndMessage(start);
    }

    private static int BeginObject(ref NetlinkWriter writer, ushort type, ushort flags, uint sequence)
    {
        int start = writer.BeginMessage(type, (ushort)(NetlinkMessage.FlagRequest | NetlinkMessage.FlagAck | flags), sequence);
        WriteGenericHeader(ref writer, FamilyIpv6, 0);
        return start;
    }

    private static void WriteTable(ref NetlinkWriter writer, ushort type, ushort flags, string tableName, uint sequence)
    {
        int start = BeginObject(ref writer, type, flags, sequence);
        writer.WriteAttributeString(TableName, tableName);
        writer.EndMessage(start);
    }

    // type filter hook HOOK priority filter - 10; policy accept;
    private static void WriteChain(ref NetlinkWriter writer, string tableName, string chain, uint hook, uint sequence)
    {
        int start = BeginObject(ref writer, NewChain, NetlinkMessage.FlagCreate, sequence);
        writer.WriteAttributeString(ChainTable, tableName);
        writer.WriteAttributeString(ChainName, chain);
        int nest = writer.BeginNested(ChainHook);
        writer.WriteAttributeBigEndian32(HookNumber, hook);
        writer.WriteAttributeBigEndian32(HookPriority, unchecked((uint)ChainPriority));
        writer.EndNested(nest);
        writer.WriteAttributeBigEndian32(ChainPolicy, VerdictAccept);
        writer.WriteAttributeString(ChainType, "filter");
        writer.EndMessage(start);
    }

    // The constant anonymous set { 41, 43, 60, 135 } of 1-octet keys, and its elements.
    private static void WriteAnonymousSet(ref NetlinkWriter writer, string tableName, uint setSequence, uint elementsSequence)
    {
        int start = BeginObject(ref writer, NewSet, NetlinkMessage.FlagCreate, setSequence);
        writer.WriteAttributeString(SetTable, tableName);
        writer.WriteAttributeString(SetName, AnonymousSetName);
        writer.WriteAttributeBigEndian32(SetFlags, SetAnonymousConstant);
        writer.WriteAttributeBigEndian32(SetKeyType, KeyTypeInteger);
        writer.WriteAttributeBigEndian32(SetKeyLength, 1);
        int description = writer.BeginNested(SetDescription);
        writer.WriteAttributeBigEndian32(SetDescriptionSize, (uint)SuppressedNextHeaders.Length);
        writer.EndNested(description);
        writer.WriteAttributeBigEndian32(SetId, AnonymousSetId);
        Span<byte> userData = stackalloc byte[SetUserDataLength];
        WriteSetUserData(userData);
        writer.WriteAttribute(SetUserData, userData);
        writer.EndMessage(start);

        start = BeginObject(ref writer, NewSetElement, NetlinkMessage.FlagCreate, elementsSequence);
        writer.WriteAttributeString(ElementListTable, tableName);
        writer.WriteAttributeString(ElementListSet, AnonymousSetName);
        writer.WriteAttributeBigEndian32(ElementListSetId, AnonymousSetId);
        int elements = writer.BeginNested(ElementListElements);
        foreach (byte value in SuppressedNextHeaders)
        {
            int element = writer.BeginNested(ListElement);
            int key = writer.BeginNested(ElementKey);
            writer.WriteAttribute(DataValue, [value]);
            writer.EndNested(key);
            writer.EndNested(element);
        }

        writer.EndNested(elements);
        writer.EndMessage(start);
    }

    // The set's user data, which only nft reads: it prints the elements as the raw payload they are compared
    // with (hex) instead of as decimal integers. libnftnl's TLVs (u8 type | u8 length | value, u32 values in host
    // order), as nft 1.0.6 writes them for "@th,112,8 { ... }":
    //   NFTNL_UDATA_SET_KEYBYTEORDER (0) = BYTEORDER_BIG_ENDIAN (2)
    //   NFTNL_UDATA_SET_KEY_TYPEOF (3) { NFTNL_UDATA_SET_TYPEOF_EXPR (0) = payload (7),
    //     NFTNL_UDATA_SET_TYPEOF_DATA (1) { desc (0) = 0 (raw), type (1) = 0, base (2) = transport (3), offset (3) = 112 bits, length (4) = 8 bits } }
    private const int SetUserDataLength = 6 + 2 + 6 + 2 + (5 * 6);

    private static void WriteSetUserData(Span<byte> userData)
    {
        int at = 0;
        Put(userData, ref at, 0, 2);
        userData[at++] = 3;
        userData[at++] = 6 + 2 + (5 * 6);
        Put(userData, ref at, 0, 7);
        userData[at++] = 1;
        userData[at++] = 5 * 6;
        Put(userData, ref at, 0, 0);
        Put(userData, ref at, 1, 0);
        Put(userData, ref at, 2, TransportHeader);
        Put(userData, ref at, 3, InvokingNextHeaderOffset * 8);
        Put(userData, ref at, 4, 8);

        static void Put(Span<byte> span, ref int at, byte type, uint value)
        {
            span[at] = type;
            span[at + 1] = 4;
            NetlinkWriter.WriteHost32(span[(at + 2)..], value);
            at += 6;
        }
    }

    private static int BeginRule(ref NetlinkWriter writer, string tableName, string chain, uint sequence, out int expressions)
    {
        int start = BeginObject(ref writer, NewRule, NetlinkMessage.FlagCreate | NetlinkMessage.FlagAppend, sequence);
        writer.WriteAttributeString(RuleTable, tableName);
        writer.WriteAttributeString(RuleChain, chain);
        expressions = writer.BeginNested(RuleExpressions);
        return start;
    }

    // counter drop comment "TEXT": ends the expression list, adds the comment (rule user data) and ends the message.
    private static void CounterDrop(ref NetlinkWriter writer, int rule, int expressions, string comment)
    {
        int expression = BeginExpression(ref writer, "counter");
        writer.EndNested(expression);

        expression = BeginExpression(ref writer, "immediate", out int data);
        writer.WriteAttributeBigEndian32(ImmediateDestination, RegisterVerdict);
        int immediate = writer.BeginNested(ImmediateData);
        int verdict = writer.BeginNested(DataVerdict);
        writer.WriteAttributeBigEndian32(VerdictCode, VerdictDrop);
        writer.EndNested(verdict);
        writer.EndNested(immediate);
        EndExpression(ref writer, expression, data);
        writer.EndNested(expressions);

        int length = Encoding.UTF8.GetByteCount(comment) + 1;
        Span<byte> userData = stackalloc byte[2 + length];
        userData[0] = UserDataComment;
        userData[1] = (byte)length;
        Encoding.UTF8.GetBytes(comment, userData[2..]);
        userData[^1] = 0;
        writer.WriteAttribute(RuleUserData, userData);
        writer.EndMessage(rule);
    }

    private static int BeginExpression(ref NetlinkWriter writer, string name)
    {
        int element = writer.BeginNested(ListElement);
        writer.WriteAttributeString(ExpressionName, name);
        return element;
    }

    private static int BeginExpression(ref NetlinkWriter writer, string name, out int data)
    {
        int element = BeginExpression(ref writer, name);
        data = writer.BeginNested(ExpressionData);
        return element;
    }

    private static void EndExpression(ref NetlinkWriter writer, int element, int data)
    {
        writer.EndNested(data);
        writer.EndNested(element);
    }

    // [ meta load KEY => reg 1 ]
    private static void Meta(ref NetlinkWriter writer, uint key)
    {
        int expression = BeginExpression(ref writer, "meta", out int data);
        writer.WriteAttributeBigEndian32(MetaKey, key);
        writer.WriteAttributeBigEndian32(MetaDestination, Register1);
        EndExpression(ref writer, expression, data);
    }

    // [ cmp OP reg 1 VALUE ]
    private static void Cmp(ref NetlinkWriter writer, uint op, scoped ReadOnlySpan<byte> value)
    {
        int expression = BeginExpression(ref writer, "cmp", out int data);
        writer.WriteAttributeBigEndian32(CmpSource, Register1);
        writer.WriteAttributeBigEndian32(CmpOperator, op);
        int nest = writer.BeginNested(CmpData);
        writer.WriteAttribute(DataValue, value);
        writer.EndNested(nest);
        EndExpression(ref writer, expression, data);
    }

    // [ payload load 1b @ BASE header + OFFSET => reg 1 ]
    private static void Payload(ref NetlinkWriter writer, uint payloadBase, uint offset, uint length = 1)
    {
        int expression = BeginExpression(ref writer, "payload", out int data);
        writer.WriteAttributeBigEndian32(PayloadDestination, Register1);
        writer.WriteAttributeBigEndian32(PayloadBase, payloadBase);
        writer.WriteAttributeBigEndian32(PayloadOffset, offset);
        writer.WriteAttributeBigEndian32(PayloadLength, length);
        EndExpression(ref writer, expression, data);
    }

    // [ exthdr load ipv6 1b @ TYPE + OFFSET => reg 1 ]
    private static void Exthdr(ref NetlinkWriter writer, byte type, uint offset)
    {
        int expression = BeginExpression(ref writer, "exthdr", out int data);
        writer.WriteAttributeBigEndian32(ExthdrDestination, Register1);
        writer.WriteAttributeUInt8(ExthdrType, type);
        writer.WriteAttributeBigEndian32(ExthdrOffset, offset);
        writer.WriteAttributeBigEndian32(ExthdrLength, 1);
        EndExpression(ref writer, expression, data);
    }

    // [ lookup reg 1 set __set%d ]
    private static void Lookup(ref NetlinkWriter writer)
    {
        int expression = BeginExpression(ref writer, "lookup", out int data);
        writer.WriteAttributeString(LookupSet, AnonymousSetName);
        writer.WriteAttributeBigEndian32(LookupSetId, AnonymousSetId);
        writer.WriteAttributeBigEndian32(LookupSource, Register1);
        EndExpression(ref writer, expression, data);
    }
}
