namespace Shisa.Modules.MovementDetection;

/// <summary>A source of link and address state (DESIGN/STYLE: one driver per kernel interface): netlink on Linux,
/// a poller elsewhere, a fake in tests.</summary>
public interface INetworkWatcher : IDisposable
{
    /// <summary>"netlink", "poll" ... for logs and status.</summary>
    string Kind { get; }

    /// <summary>Starts watching; <paramref name="changed"/> gets the whole state after every change, from one thread at a time.</summary>
    void Start(Action<NetworkSnapshot> changed);
}
