namespace Shisa.DataPlane.Bus.Encoding;

public static partial class BusFrame
{
    // BindingUpdateListAdd (6) and BindingUpdateListRemove (8), mipsock mipm_bul_info; BindingUpdateListFlush (9)
    // has no fields.
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |         Flags (BU)            |           Sequence            |  16
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                      Lifetime (seconds)                       |  20
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |          Binding ID           |     State     | Peer (family  .  24
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // .  + 4/16), Home Address (family + 4/16)                        .
    // .  Care-of Address (family + 4/16)                              .
    // .  Prefix Count | Prefix Count x (Length, family + 4/16)        .
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    private static int BindingUpdateListEntrySize(BindingUpdateListEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        FrameFields.CheckLifetime(entry.Lifetime, nameof(entry.Lifetime));
        FrameFields.CheckDefined(entry.State, nameof(entry.State));
        return EntryFixedSize + 1
            + FrameFields.RequiredAddressSize(entry.Peer, nameof(entry.Peer))
            + FrameFields.RequiredAddressSize(entry.HomeAddress, nameof(entry.HomeAddress))
            + FrameFields.RequiredAddressSize(entry.CareOfAddress, nameof(entry.CareOfAddress))
            + FrameFields.PrefixListSize(entry.MobileNetworkPrefixes, nameof(entry.MobileNetworkPrefixes));
    }

    private static void WriteBindingUpdateListEntry(ref FrameFieldWriter writer, BindingUpdateListEntry entry)
    {
        writer.U16((ushort)entry.Flags);
        writer.U16(entry.Sequence);
        writer.Lifetime(entry.Lifetime);
        writer.U16(entry.BindingId);
        writer.U8((byte)entry.State);
        writer.Address(entry.Peer);
        writer.Address(entry.HomeAddress);
        writer.Address(entry.CareOfAddress);
        writer.PrefixList(entry.MobileNetworkPrefixes);
    }

    private static bool ReadBindingUpdateListEntry(ref FrameFieldReader reader, out BindingUpdateListEntry entry)
    {
        entry = null!;
        if (!reader.U16(out ushort flags)
            || !reader.U16(out ushort sequence)
            || !reader.Lifetime(out var lifetime)
            || !reader.U16(out ushort bindingId)
            || !reader.Enum8(out BindingUpdateListState state)
            || !reader.RequiredAddress(out var peer)
            || !reader.RequiredAddress(out var homeAddress)
            || !reader.RequiredAddress(out var careOfAddress)
            || !reader.PrefixList(out var prefixes))
        {
            return false;
        }

        entry = new BindingUpdateListEntry(peer, homeAddress, careOfAddress, (BindingUpdateFlags)flags, lifetime, sequence, state, prefixes, bindingId);
        return true;
    }
}
