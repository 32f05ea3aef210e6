namespace Shisa.DataPlane.Bus;

/// <summary>Node types, valued as SHISA's MIP6_NODETYPE_* bits.</summary>
[Flags]
public enum NodeType : byte
{
    None = 0x00,
    CorrespondentNode = 0x01,
    HomeAgent = 0x02,
    MobileNode = 0x04,
    MobileRouter = 0x08,
}

/// <summary>
/// MIPM_NODETYPE_INFO (1): enable or disable a node type's processing in the data plane (e.g. the home agent's
/// proxy ND and tunnelling), published by the appliance as roles start and stop (mipsock mipm_nodetype_info).
/// </summary>
public sealed record NodeTypeInfo(NodeType NodeType, bool Enable) : MobilityMessage
{
    public override MessageType Type => MessageType.NodeTypeInfo;
}
