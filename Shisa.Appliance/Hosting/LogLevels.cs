using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Hosting;

/// <summary>
/// The log levels of a run: the profile's <c>[log]</c>, changed at run time by <c>shisa ctl log level</c> and put back
/// by <c>shisa ctl log reset</c>. A category's level is that of the longest configured name that is the category
/// itself or a dot-separated prefix of it ("Shisa.Modules" covers "Shisa.Modules.home_agent"), else the overall level.
/// The logger factory's filter asks <see cref="IsEnabled"/> on every call; the answer per category is cached until
/// the next change.
/// </summary>
internal sealed class LogLevels
{
    private readonly Lock _gate = new();
    private volatile ConcurrentDictionary<string, LogLevel> _resolved = new(StringComparer.Ordinal);
    private LogSection _profile;
    private LogLevel _level;
    private Dictionary<string, LogLevel> _categories;

    public LogLevels(LogSection profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _profile = profile;
        (_level, _categories) = FromProfile(profile);
    }

    /// <summary>The overall level now.</summary>
    public LogLevel Level
    {
        get
        {
            lock (_gate)
            {
                return _level;
            }
        }
    }

    /// <summary>The filter of the logger factory.</summary>
    public bool IsEnabled(string? category, LogLevel level) =>
        level != LogLevel.None && level >= _resolved.GetOrAdd(category ?? string.Empty, Resolve);

    /// <summary>The configured levels now: the overall one (category "all") first, then by category name.</summary>
    public IReadOnlyList<CategoryLevel> Current()
    {
        lock (_gate)
        {
            return [new CategoryLevel("all", _level), .. _categories.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new CategoryLevel(c.Key, c.Value))];
        }
    }

    /// <summary>Sets the level of <paramref name="category"/> and everything under it; "all" sets the overall level and drops every category's.</summary>
    public void Set(string category, LogLevel level)
    {
        lock (_gate)
        {
            if (category == "all")
            {
                _level = level;
                _categories = new Dictionary<string, LogLevel>(StringComparer.Ordinal);
            }
            else
            {
                _categories = new Dictionary<string, LogLevel>(_categories, StringComparer.Ordinal) { [category] = level };
            }

            // A new cache, replaced after the levels changed: a lookup still on the old one cannot bring a stale answer over.
            _resolved = new ConcurrentDictionary<string, LogLevel>(StringComparer.Ordinal);
        }
    }

    /// <summary>Back to the profile's levels.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            (_level, _categories) = FromProfile(_profile);
            _resolved = new ConcurrentDictionary<string, LogLevel>(StringComparer.Ordinal);
        }
    }

    /// <summary>A reloaded profile: its levels apply from now on (what ctl changed is dropped).</summary>
    public void Reload(LogSection profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        lock (_gate)
        {
            _profile = profile;
            (_level, _categories) = FromProfile(profile);
            _resolved = new ConcurrentDictionary<string, LogLevel>(StringComparer.Ordinal);
        }
    }

    private LogLevel Resolve(string category)
    {
        lock (_gate)
        {
            for (string name = category; name.Length > 0; name = name[..Math.Max(0, name.LastIndexOf('.'))])
            {
                if (_categories.TryGetValue(name, out LogLevel level))
                {
                    return level;
                }
            }

            return _level;
        }
    }

    private static (LogLevel, Dictionary<string, LogLevel>) FromProfile(LogSection profile)
    {
        var categories = new Dictionary<string, LogLevel>(StringComparer.Ordinal);
        foreach (var entry in profile.Categories)
        {
            categories[entry.Category] = entry.Level;
        }

        return (profile.Level, categories);
    }
}
