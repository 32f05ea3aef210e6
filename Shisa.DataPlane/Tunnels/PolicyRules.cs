using System.Globalization;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;

namespace Shisa.DataPlane.Tunnels;

/// <summary>
/// The mobile node's source routing (SHISA's reverse tunnel through <c>mip</c>): <c>ip -6 rule add from PREFIX
/// lookup TABLE priority P</c> for the home address (and a mobile router's prefixes), so what the node sends
/// from them takes the table whose default route is the TUN. Every rule added is removed again by
/// <see cref="RemoveAll"/>; a leftover of a crash with the same selector is replaced, not duplicated.
/// </summary>
public sealed class PolicyRules
{
    private readonly ICommandRunner _runner;
    private readonly List<string[]> _installed = [];
    private readonly Lock _lock = new();

    public PolicyRules(ICommandRunner runner, int table, int priority)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentOutOfRangeException.ThrowIfLessThan(table, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(priority, 1);
        _runner = runner;
        Table = table;
        Priority = priority;
    }

    public int Table { get; }

    public int Priority { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _installed.Count;
            }
        }
    }

    public void Add(Prefix from) => Add(Selector(from));

    /// <summary>
    /// <c>ip -6 rule add not fwmark MARK lookup TABLE priority P</c>: everything but what the appliance marks itself
    /// takes the table (a correspondent's routes of bound home addresses into the TUN); what the table has no route
    /// for goes on to the next rules.
    /// </summary>
    public void AddUnmarked(int mark) => Add(
    [
        "not", "fwmark", mark.ToString(CultureInfo.InvariantCulture),
        "lookup", Table.ToString(CultureInfo.InvariantCulture),
        "priority", Priority.ToString(CultureInfo.InvariantCulture),
    ]);

    private void Add(string[] selector)
    {
        lock (_lock)
        {
            if (_installed.Any(s => s.SequenceEqual(selector)))
            {
                return;
            }

            _ = _runner.Run("ip", ["-6", "rule", "del", .. selector]); // a crash's leftover, if any
            _runner.RunChecked("ip", ["-6", "rule", "add", .. selector]);
            _installed.Add(selector);
        }
    }

    public void Remove(Prefix from)
    {
        var selector = Selector(from);
        lock (_lock)
        {
            int index = _installed.FindIndex(s => s.SequenceEqual(selector));
            if (index < 0)
            {
                return;
            }

            _installed.RemoveAt(index);
            _runner.RunChecked("ip", ["-6", "rule", "del", .. selector]);
        }
    }

    /// <summary>Removes every rule added, newest first; goes on past failures and reports them at the end.</summary>
    public void RemoveAll()
    {
        List<Exception> failures = [];
        lock (_lock)
        {
            for (int i = _installed.Count - 1; i >= 0; i--)
            {
                var result = _runner.Run("ip", ["-6", "rule", "del", .. _installed[i]]);
                if (!result.Succeeded)
                {
                    failures.Add(new KernelCommandException($"ip -6 rule del {string.Join(' ', _installed[i])}", result.ExitCode, result.StandardError));
                }
            }

            _installed.Clear();
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Some policy rules could not be removed.", failures);
        }
    }

    private string[] Selector(Prefix from) =>
    [
        "from", from.ToString(),
        "lookup", Table.ToString(CultureInfo.InvariantCulture),
        "priority", Priority.ToString(CultureInfo.InvariantCulture),
    ];
}
