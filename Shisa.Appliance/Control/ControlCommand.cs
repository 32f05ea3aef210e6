using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shisa.Appliance.Hosting;

namespace Shisa.Appliance.Control;

/// <summary>A parsed <c>shisa ctl</c> command (docs/control.md, "Commands").</summary>
public abstract record ControlCommand
{
    private protected ControlCommand()
    {
    }

    /// <summary>The commands, one per line, as usage text.</summary>
    public const string Usage =
        """
        log show                                   the log levels now
        log level <category|all> <level>           set a category's level (trace, debug, information, warning, error, critical, none)
        log reset                                  back to the profile's levels
        flush all                                  remove every binding (home agent, correspondent)
        flush <home-address> [binding-id <id>]     remove the binding(s) of one home address
        reregister                                 mobile node: a Binding Update to the home agent now
        ro list                                    mobile node: correspondents route optimization is denied with
        ro deny <correspondent>                    deny route optimization with a correspondent (kept across restarts)
        ro allow <correspondent>                   allow it again
        timers                                     what each module has scheduled next, and when
        bindings                                   the daemon's bindings beside the kernel's routes and proxy entries
        """;

    /// <summary>Parses the words after <c>shisa ctl</c>; null and one line saying what is wrong otherwise.</summary>
    public static ControlCommand? Parse(IReadOnlyList<string> words, out string? error)
    {
        ArgumentNullException.ThrowIfNull(words);
        error = null;
        string Word(int i) => i < words.Count ? words[i] : "";
        switch (Word(0))
        {
            case "log" when Word(1) == "show" && words.Count == 2:
                return new LogShow();
            case "log" when Word(1) == "reset" && words.Count == 2:
                return new LogReset();
            case "log" when Word(1) == "level" && words.Count == 4:
                if (Word(2) != "all" && !LogLevelNames.IsCategory(Word(2)))
                {
                    error = $"'{Word(2)}' is not a category name (e.g. Shisa.Modules.home_agent, or all)";
                    return null;
                }

                if (!LogLevelNames.ByName.TryGetValue(Word(3), out LogLevel level))
                {
                    error = $"'{Word(3)}' is not a log level: one of {LogLevelNames.All}";
                    return null;
                }

                return new LogLevelSet(Word(2), level);
            case "log":
                error = "usage: log show | log level <category|all> <level> | log reset";
                return null;
            case "flush" when Word(1) == "all" && words.Count == 2:
                return new Flush(null, null);
            case "flush" when words.Count is 2 or 4:
                if (!TryUnicast(Word(1), out var home))
                {
                    error = $"'{Word(1)}' is not an IPv6 unicast address (or 'all')";
                    return null;
                }

                if (words.Count == 2)
                {
                    return new Flush(home, null);
                }

                if (Word(2) != "binding-id" || !ushort.TryParse(Word(3), System.Globalization.NumberStyles.None, null, out ushort id))
                {
                    error = "usage: flush <home-address> [binding-id <0-65535>]";
                    return null;
                }

                return new Flush(home, id);
            case "flush":
                error = "usage: flush all | flush <home-address> [binding-id <id>]";
                return null;
            case "reregister" when words.Count == 1:
                return new ReRegister();
            case "ro" when Word(1) == "list" && words.Count == 2:
                return new RouteOptimizationList();
            case "ro" when Word(1) is "deny" or "allow" && words.Count == 3:
                if (!TryUnicast(Word(2), out var peer))
                {
                    error = $"'{Word(2)}' is not an IPv6 unicast address";
                    return null;
                }

                return new RouteOptimizationChange(peer, Word(1) == "deny");
            case "ro":
                error = "usage: ro list | ro deny <correspondent> | ro allow <correspondent>";
                return null;
            case "timers" when words.Count == 1:
                return new Timers();
            case "bindings" when words.Count == 1:
                return new Bindings();
            case "reregister" or "timers" or "bindings":
                error = $"'{Word(0)}' takes no arguments";
                return null;
            case "":
                error = "no command: one of log, flush, reregister, ro, timers, bindings";
                return null;
            default:
                error = $"unknown command '{Word(0)}': one of log, flush, reregister, ro, timers, bindings";
                return null;
        }
    }

    private static bool TryUnicast(string text, out IPAddress address)
    {
        if (IPAddress.TryParse(text, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetworkV6
            && !parsed.IsIPv6Multicast && !parsed.Equals(IPAddress.IPv6Any) && !parsed.Equals(IPAddress.IPv6Loopback)
            && !text.Contains('%', StringComparison.Ordinal))
        {
            address = parsed;
            return true;
        }

        address = IPAddress.IPv6None;
        return false;
    }
}

public sealed record LogShow : ControlCommand;

public sealed record LogLevelSet(string Category, LogLevel Level) : ControlCommand;

public sealed record LogReset : ControlCommand;

/// <summary>Flush the bindings of <paramref name="HomeAddress"/> (of <paramref name="BindingId"/> only, when given); every binding when null.</summary>
public sealed record Flush(IPAddress? HomeAddress, ushort? BindingId) : ControlCommand;

public sealed record ReRegister : ControlCommand;

public sealed record RouteOptimizationList : ControlCommand;

public sealed record RouteOptimizationChange(IPAddress Peer, bool Deny) : ControlCommand;

public sealed record Timers : ControlCommand;

public sealed record Bindings : ControlCommand;
