using System.Collections;
using System.Runtime.CompilerServices;

namespace Shisa.DataPlane.Wire.Mobility;

/// <summary>
/// The options of a mobility message, in order, without padding; immutable and compared by value, so message
/// records holding one compare by value too. Supports collection expressions: <c>Options = [new NonceIndicesOption(1, 2)]</c>.
/// </summary>
[CollectionBuilder(typeof(MobilityOptionList), nameof(Create))]
public sealed class MobilityOptionList : IReadOnlyList<MobilityOption>, IEquatable<MobilityOptionList>
{
    private readonly MobilityOption[] _items;

    private MobilityOptionList(MobilityOption[] items) => _items = items;

    public static MobilityOptionList Empty { get; } = new([]);

    public int Count => _items.Length;

    public MobilityOption this[int index] => _items[index];

    public static MobilityOptionList Create(ReadOnlySpan<MobilityOption> items) => items.IsEmpty ? Empty : new(items.ToArray());

    internal static MobilityOptionList Wrap(List<MobilityOption>? items) => items is null || items.Count == 0 ? Empty : new(items.ToArray());

    /// <summary>The first option of type <typeparamref name="T"/>, or null.</summary>
    public T? Find<T>()
        where T : MobilityOption
    {
        foreach (var item in _items)
        {
            if (item is T found)
            {
                return found;
            }
        }

        return null;
    }

    public ReadOnlySpan<MobilityOption>.Enumerator GetEnumerator() => new ReadOnlySpan<MobilityOption>(_items).GetEnumerator();

    IEnumerator<MobilityOption> IEnumerable<MobilityOption>.GetEnumerator() => ((IEnumerable<MobilityOption>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(MobilityOptionList? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

    public override bool Equals(object? obj) => Equals(obj as MobilityOptionList);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(", ", _items.Select(o => o.ToString())) + "]";
}
