namespace Shisa.DataPlane.Bus;

/// <summary>
/// The binding cache and the binding update list as the bus's state messages leave them: per key, the value of the
/// latest add, minus what a remove or a flush took since. The one way those six messages are applied to keyed
/// tables, shared by the bus's resync table, the journal's live set and the status page's view; each keeps its own
/// value per entry (<typeparamref name="TCache"/>, <typeparamref name="TList"/>). Not thread-safe.
/// </summary>
public sealed class BindingStateTables<TCache, TList>
{
    private readonly int _capacity;

    /// <param name="capacity">Entries per table at most: an add of a new key past it is refused (not stored).</param>
    public BindingStateTables(int capacity = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public Dictionary<BindingCacheKey, TCache> Cache { get; } = [];

    public Dictionary<BindingUpdateListKey, TList> UpdateList { get; } = [];

    public int Count => Cache.Count + UpdateList.Count;

    /// <summary>
    /// Applies a binding cache or binding update list message, taking an add's value from
    /// <paramref name="cacheValue"/> or <paramref name="listValue"/>; other messages are left alone.
    /// </summary>
    /// <returns>False when an add of a new key was refused because its table holds <c>capacity</c> entries.</returns>
    public bool Apply(MobilityMessage message, Func<BindingCacheAdd, TCache> cacheValue, Func<BindingUpdateListAdd, TList> listValue)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(cacheValue);
        ArgumentNullException.ThrowIfNull(listValue);
        switch (message)
        {
            case BindingCacheAdd add:
                return Set(Cache, add.Entry.Key, add, cacheValue);
            case BindingCacheRemove remove:
                Cache.Remove(remove.Entry.Key);
                return true;
            case BindingCacheFlush:
                Cache.Clear();
                return true;
            case BindingUpdateListAdd add:
                return Set(UpdateList, add.Entry.Key, add, listValue);
            case BindingUpdateListRemove remove:
                UpdateList.Remove(remove.Entry.Key);
                return true;
            case BindingUpdateListFlush:
                UpdateList.Clear();
                return true;
            default:
                return true;
        }
    }

    private bool Set<TKey, TAdd, TValue>(Dictionary<TKey, TValue> table, TKey key, TAdd add, Func<TAdd, TValue> value)
        where TKey : notnull
    {
        if (table.Count >= _capacity && !table.ContainsKey(key))
        {
            return false;
        }

        table[key] = value(add);
        return true;
    }
}
