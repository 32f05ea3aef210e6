namespace Shisa.DataPlane.Bus;

/// <summary>MIPM_BC_ADD (2): add, or replace, the binding cache entry with the same key.</summary>
public sealed record BindingCacheAdd(BindingCacheEntry Entry) : MobilityMessage
{
    public override MessageType Type => MessageType.BindingCacheAdd;
}

/// <summary>MIPM_BC_REMOVE (4): remove the entry with <see cref="BindingCacheEntry.Key"/> of <see cref="Entry"/>.</summary>
public sealed record BindingCacheRemove(BindingCacheEntry Entry) : MobilityMessage
{
    public override MessageType Type => MessageType.BindingCacheRemove;
}

/// <summary>MIPM_BC_FLUSH (5): remove every binding cache entry.</summary>
public sealed record BindingCacheFlush : MobilityMessage
{
    public override MessageType Type => MessageType.BindingCacheFlush;
}
