namespace Shisa.DataPlane.Bus.Encoding;

public static partial class BusFrame
{
    private const byte NodeTypeMask = (byte)(NodeType.CorrespondentNode | NodeType.HomeAgent | NodeType.MobileNode | NodeType.MobileRouter);

    // NodeTypeInfo (1), mipsock mipm_nodetype_info: the MIP6_NODETYPE_* bits and enable (0 or 1).
    //  0                   1
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |   Node Type   |    Enable     |  16
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    private static int NodeTypeInfoSize(NodeTypeInfo message)
    {
        if (((byte)message.NodeType & ~NodeTypeMask) != 0)
        {
            throw new ArgumentException($"NodeType: {message.NodeType} holds bits outside 0x{NodeTypeMask:X2}", nameof(message));
        }

        return 2;
    }

    private static void WriteNodeTypeInfo(ref FrameFieldWriter writer, NodeTypeInfo message)
    {
        writer.U8((byte)message.NodeType);
        writer.Bool(message.Enable);
    }

    private static NodeTypeInfo? ReadNodeTypeInfo(ref FrameFieldReader reader)
    {
        int at = reader.Offset;
        if (!reader.U8(out byte nodeType))
        {
            return null;
        }

        if ((nodeType & ~NodeTypeMask) != 0)
        {
            reader.Fail(BusFrameError.BadField, at);
            return null;
        }

        return reader.Bool(out bool enable) ? new NodeTypeInfo((NodeType)nodeType, enable) : null;
    }
}
