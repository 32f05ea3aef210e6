namespace Shisa.DataPlane.Bus;

/// <summary>
/// The bus's own copy of the current state that its messages carry (DESIGN 3): the latest BindingCacheAdd per
/// key minus those removed or flushed since, the same for the binding update list, and the latest NodeTypeInfo
/// per node type value. A subscriber that overflows resyncs from it. Changed only under the bus's lock, in
/// publish order; it holds what exists, nothing more (a Remove or Flush deletes, it keeps no tombstones).
/// </summary>
internal sealed class BusStateTable
{
    private readonly BindingStateTables<BindingCacheAdd, BindingUpdateListAdd> _bindings = new();
    private readonly Dictionary<NodeType, (long Sequence, NodeTypeInfo Message)> _nodeTypes = [];

    public int BindingCacheCount => _bindings.Cache.Count;

    public int BindingUpdateListCount => _bindings.UpdateList.Count;

    public void Apply(long sequence, MobilityMessage message)
    {
        if (message is NodeTypeInfo nodeType)
        {
            _nodeTypes[nodeType.NodeType] = (sequence, nodeType);
        }
        else
        {
            _bindings.Apply(message, static add => add, static add => add);
        }
    }

    /// <summary>
    /// What a subscriber of <paramref name="kinds"/> needs to rebuild the state: node types in the order they were
    /// published, then per table its Flush followed by its entries in no particular order (each only if
    /// <paramref name="kinds"/> holds that message type).
    /// </summary>
    public void AppendResync(MessageKinds kinds, List<MobilityMessage> messages)
    {
        if (kinds.Includes(MessageType.NodeTypeInfo))
        {
            foreach (var (_, message) in _nodeTypes.Values.OrderBy(v => v.Sequence))
            {
                messages.Add(message);
            }
        }

        if (kinds.Includes(MessageType.BindingCacheFlush))
        {
            messages.Add(new BindingCacheFlush());
        }

        if (kinds.Includes(MessageType.BindingCacheAdd))
        {
            messages.AddRange(_bindings.Cache.Values);
        }

        if (kinds.Includes(MessageType.BindingUpdateListFlush))
        {
            messages.Add(new BindingUpdateListFlush());
        }

        if (kinds.Includes(MessageType.BindingUpdateListAdd))
        {
            messages.AddRange(_bindings.UpdateList.Values);
        }
    }
}
