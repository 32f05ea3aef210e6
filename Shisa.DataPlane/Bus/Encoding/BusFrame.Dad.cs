namespace Shisa.DataPlane.Bus.Encoding;

public static partial class BusFrame
{
    // Dad (14), mipsock mipm_dad: the MIPM_DAD_* verb (requests below 128, results from 128).
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |            Message            |  Interface Index (u32) ...    .  16
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // .  ... Interface Index          |  Address (family + 4/16) ...  .  20
    // .  Name Len     | Interface Name (UTF-8)                        .
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    private static int DadSize(Dad message)
    {
        FrameFields.CheckDefined(message.Message, nameof(message.Message));
        FrameFields.CheckInterfaceIndex(message.InterfaceIndex, nameof(message.InterfaceIndex));
        return 2 + 4
            + FrameFields.RequiredAddressSize(message.Address, nameof(message.Address))
            + FrameFields.StringSize(message.InterfaceName, nameof(message.InterfaceName));
    }

    private static void WriteDad(ref FrameFieldWriter writer, Dad message)
    {
        writer.U16((ushort)message.Message);
        writer.U32((uint)message.InterfaceIndex);
        writer.Address(message.Address);
        writer.String(message.InterfaceName);
    }

    private static Dad? ReadDad(ref FrameFieldReader reader)
    {
        int at = reader.Offset;
        if (!reader.U16(out ushort verb))
        {
            return null;
        }

        if (!Enum.IsDefined((DadMessage)verb))
        {
            reader.Fail(BusFrameError.BadField, at);
            return null;
        }

        return reader.InterfaceIndex(out int index)
            && reader.RequiredAddress(out var address)
            && reader.String(out string name)
                ? new Dad((DadMessage)verb, address, name, index)
                : null;
    }
}
