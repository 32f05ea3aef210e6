using Shisa.DataPlane.Bindings;
using Shisa.DataPlane.Engine;
using Shisa.DataPlane.Tunnels;

namespace Shisa.DataPlane.Forwarding;

/// <summary>
/// The binding tables the forwarding path reads (lock-free) and only the <see cref="ForwardingStateWriter"/>
/// changes: one per role the node runs, null for the others.
/// </summary>
public sealed class ForwardingTables
{
    public ForwardingTables(DataPlaneEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsHomeAgent)
        {
            BindingCache = new BindingTable(options.MaxBindings);
        }

        if (options.IsMobileNode)
        {
            BindingUpdateList = new BindingTable(options.MaxBindings);
            CorrespondentList = new CorrespondentBindingTable(options.MaxBindings);
        }

        if (options.IsCorrespondent)
        {
            CorrespondentCache = new CorrespondentBindingTable(options.MaxBindings);
        }
    }

    /// <summary>The home agent's tunnels (binding cache), or null.</summary>
    public BindingTable? BindingCache { get; }

    /// <summary>The mobile node's tunnels (binding update list), or null.</summary>
    public BindingTable? BindingUpdateList { get; }

    /// <summary>The mobile node's route optimization bindings with correspondents, or null.</summary>
    public CorrespondentBindingTable? CorrespondentList { get; }

    /// <summary>The correspondent's bindings of mobile nodes, or null.</summary>
    public CorrespondentBindingTable? CorrespondentCache { get; }

    /// <summary>The addresses this node takes packets for (the forwarding path's classifier reads it).</summary>
    public LocalAddressSet LocalAddresses { get; } = new();

    /// <summary>Bindings refused because a table was full.</summary>
    public long Rejected => (BindingCache?.Rejected ?? 0) + (BindingUpdateList?.Rejected ?? 0)
        + (CorrespondentList?.Rejected ?? 0) + (CorrespondentCache?.Rejected ?? 0);
}
