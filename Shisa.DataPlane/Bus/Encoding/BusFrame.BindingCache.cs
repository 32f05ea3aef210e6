namespace Shisa.DataPlane.Bus.Encoding;

public static partial class BusFrame
{
    // BindingCacheAdd (2) and BindingCacheRemove (4), mipsock mipm_bc_info; BindingCacheFlush (5) has no fields.
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |         Flags (BU)            |           Sequence            |  16
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                      Lifetime (seconds)                       |  20
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |          Binding ID           |  Home Address (family + 4/16) .  24
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // .  Care-of Address (family + 4/16)                              .
    // .  Peer (family + 4/16)                                         .
    // .  Prefix Count | Prefix Count x (Length, family + 4/16)        .
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    private const int EntryFixedSize = 2 + 2 + 4 + 2;

    private static int BindingCacheEntrySize(BindingCacheEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        FrameFields.CheckLifetime(entry.Lifetime, nameof(entry.Lifetime));
        return EntryFixedSize
            + FrameFields.RequiredAddressSize(entry.HomeAddress, nameof(entry.HomeAddress))
            + FrameFields.RequiredAddressSize(entry.CareOfAddress, nameof(entry.CareOfAddress))
            + FrameFields.RequiredAddressSize(entry.Peer, nameof(entry.Peer))
            + FrameFields.PrefixListSize(entry.MobileNetworkPrefixes, nameof(entry.MobileNetworkPrefixes));
    }

    private static void WriteBindingCacheEntry(ref FrameFieldWriter writer, BindingCacheEntry entry)
    {
        writer.U16((ushort)entry.Flags);
        writer.U16(entry.Sequence);
        writer.Lifetime(entry.Lifetime);
        writer.U16(entry.BindingId);
        writer.Address(entry.HomeAddress);
        writer.Address(entry.CareOfAddress);
        writer.Address(entry.Peer);
        writer.PrefixList(entry.MobileNetworkPrefixes);
    }

    private static bool ReadBindingCacheEntry(ref FrameFieldReader reader, out BindingCacheEntry entry)
    {
        entry = null!;
        if (!reader.U16(out ushort flags)
            || !reader.U16(out ushort sequence)
            || !reader.Lifetime(out var lifetime)
            || !reader.U16(out ushort bindingId)
            || !reader.RequiredAddress(out var homeAddress)
            || !reader.RequiredAddress(out var careOfAddress)
            || !reader.RequiredAddress(out var peer)
            || !reader.PrefixList(out var prefixes))
        {
            return false;
        }

        entry = new BindingCacheEntry(homeAddress, careOfAddress, peer, (BindingUpdateFlags)flags, lifetime, sequence, prefixes, bindingId);
        return true;
    }
}
