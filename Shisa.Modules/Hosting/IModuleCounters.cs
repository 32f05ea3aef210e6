namespace Shisa.Modules.Hosting;

/// <summary>
/// A module that counts what it did (messages by status, drops by reason) for the status API and /metrics.
/// Names are snake_case and stable; values only grow while the module runs. Read from snapshots, never live tables.
/// </summary>
public interface IModuleCounters
{
    IReadOnlyList<KeyValuePair<string, long>> GetCounters();
}
