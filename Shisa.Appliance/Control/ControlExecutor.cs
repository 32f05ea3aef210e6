using System.Globalization;
using Microsoft.Extensions.Logging;
using Shisa.Appliance.Hosting;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Kernel;
using Shisa.Modules.Correspondent;
using Shisa.Modules.HomeAgent;
using Shisa.Modules.Hosting;
using Shisa.Modules.MobileNode;

namespace Shisa.Appliance.Control;

/// <summary>What the commands act on: the run's log levels, modules, bus view of the bindings, and the kernel.</summary>
/// <param name="LogLevels">The run's log levels, which <c>shisa ctl log level</c> changes.</param>
/// <param name="Modules">The run's role modules.</param>
/// <param name="Bindings">The bindings as the mobility bus last told them.</param>
/// <param name="ReadKernel">Reads the kernel's state of the appliance; null when the run has no data plane.</param>
/// <param name="Tunnel">The data plane's TUN device.</param>
/// <param name="HomeLink">The home link's interface (a home agent's proxy entries), when the profile has one.</param>
/// <param name="Time">The run's clock.</param>
internal sealed record ControlTargets(
    LogLevels LogLevels,
    IReadOnlyList<IRoleModule> Modules,
    BindingView Bindings,
    Func<KernelState>? ReadKernel,
    string Tunnel,
    string? HomeLink,
    TimeProvider Time);

/// <summary>
/// Carries out one parsed <see cref="ControlCommand"/> against a run (docs/control.md, "Commands"). Bad usage, a
/// target that is not there (a home address without binding, a correspondent without policy, a role the run does not
/// have) is <see cref="ControlStatus.Refused"/> with one line, and nothing changes.
/// </summary>
internal sealed class ControlExecutor(ControlTargets targets, ILogger logger)
{
    public ControlResponse Execute(IReadOnlyList<string> words)
    {
        if (ControlCommand.Parse(words, out string? error) is not { } command)
        {
            return ControlResponse.Refused(error!);
        }

        try
        {
            return command switch
            {
                LogShow => LogLevels(),
                LogLevelSet set => SetLogLevel(set),
                LogReset => ResetLogLevels(),
                Flush flush => DoFlush(flush),
                ReRegister => DoReRegister(),
                RouteOptimizationList => ListPolicy(),
                RouteOptimizationChange change => ChangePolicy(change),
                Timers => ListTimers(),
                Bindings => CompareBindings(),
                _ => ControlResponse.Refused($"'{string.Join(' ', words)}' is not handled by this version"),
            };
        }
        catch (Exception e) when (e is IOException or KernelException or UnauthorizedAccessException)
        {
            return ControlResponse.Failed(e.Message);
        }
    }

    private ControlResponse LogLevels() =>
        ControlResponse.Ok([.. targets.LogLevels.Current().Select(c => new ControlResult(
            $"{c.Category} {LogLevelNames.Name(c.Level)}",
            [new("category", c.Category), new("level", LogLevelNames.Name(c.Level))]))]);

    private ControlResponse SetLogLevel(LogLevelSet set)
    {
        targets.LogLevels.Set(set.Category, set.Level);
        ControlLog.LogLevelChanged(logger, set.Category, LogLevelNames.Name(set.Level));
        return LogLevels();
    }

    private ControlResponse ResetLogLevels()
    {
        targets.LogLevels.Reset();
        ControlLog.LogLevelsReset(logger);
        return LogLevels();
    }

    private ControlResponse DoFlush(Flush flush)
    {
        var homeAgent = targets.Modules.OfType<HomeAgentModule>().FirstOrDefault();
        var correspondent = targets.Modules.OfType<CorrespondentModule>().FirstOrDefault();
        if (homeAgent is null && correspondent is null)
        {
            return ControlResponse.Refused("flush: this node runs neither home_agent nor correspondent_node: it holds no binding cache");
        }

        // Each module removes only what matches, under its own lock: a home address without a binding changes nothing.
        // A binding id selects among a correspondent's bindings (RFC 5648); a home agent's bindings are id 0.
        var removed = new List<(string Role, BindingCacheEntry Entry)>();
        if (homeAgent is not null && flush.BindingId is null or 0)
        {
            removed.AddRange(homeAgent.Flush(flush.HomeAddress).Select(e => ("home_agent", e)));
        }

        if (correspondent is not null)
        {
            removed.AddRange(correspondent.Flush(flush.HomeAddress, flush.BindingId).Select(e => ("correspondent_node", e)));
        }

        if (flush.HomeAddress is { } home && removed.Count == 0)
        {
            return ControlResponse.Refused(flush.BindingId is { } id ? $"no binding of {home} with binding id {id}" : $"no binding of {home}");
        }

        ControlLog.Flushed(logger, flush.HomeAddress?.ToString() ?? "all", removed.Count);
        if (removed.Count == 0)
        {
            return ControlResponse.Ok([new ControlResult("flushed 0 bindings", [new("flushed", "0")])]);
        }

        return ControlResponse.Ok([.. removed.Select(r => new ControlResult(
            $"flushed {r.Role} {r.Entry.HomeAddress} -> {r.Entry.CareOfAddress}{(r.Entry.BindingId != 0 ? $" id {r.Entry.BindingId}" : "")}",
            [new("role", r.Role), new("home_address", r.Entry.HomeAddress.ToString()), new("care_of_address", r.Entry.CareOfAddress.ToString()),
             new("binding_id", r.Entry.BindingId.ToString(CultureInfo.InvariantCulture))]))]);
    }

    private ControlResponse DoReRegister()
    {
        if (targets.Modules.OfType<MobileNodeModule>().FirstOrDefault() is not { } mobileNode)
        {
            return ControlResponse.Refused("reregister: this node does not run mobile_node");
        }

        if (mobileNode.ReRegister() is { } why)
        {
            return ControlResponse.Refused($"reregister: {why}");
        }

        var status = mobileNode.GetStatus();
        ControlLog.ReRegistered(logger, status.Sequence);
        return ControlResponse.Ok([new ControlResult(
            $"binding update {status.Sequence} sent to {status.HomeAgent} from {status.CareOfAddress}",
            [new("sequence", status.Sequence.ToString(CultureInfo.InvariantCulture)), new("home_agent", status.HomeAgent?.ToString() ?? ""),
             new("care_of_address", status.CareOfAddress?.ToString() ?? "")])]);
    }

    private ControlResponse ListPolicy()
    {
        if (Policy(out var mobileNode) is { } refusal)
        {
            return refusal;
        }

        var policy = mobileNode!.GetRouteOptimizationPolicy()!;
        var lines = policy.FromProfile.Select(p => new ControlResult($"deny {p} (profile)", [new("correspondent", p.ToString()), new("policy", "deny"), new("source", "profile")]))
            .Concat(policy.ByOperator.Select(p => new ControlResult($"deny {p} (operator)", [new("correspondent", p.ToString()), new("policy", "deny"), new("source", "operator")])))
            .ToList();
        return ControlResponse.Ok(lines.Count > 0 ? lines : [new ControlResult("no correspondent denied: route optimization with every correspondent", [new("denied", "0")])]);
    }

    private ControlResponse ChangePolicy(RouteOptimizationChange change)
    {
        if (Policy(out var mobileNode) is { } refusal)
        {
            return refusal;
        }

        return mobileNode!.ChangeRouteOptimizationPolicy(change.Peer, change.Deny) switch
        {
            PolicyChange.Changed => ControlResponse.Ok([new ControlResult(
                $"{(change.Deny ? "denied" : "allowed")} route optimization with {change.Peer}",
                [new("correspondent", change.Peer.ToString()), new("policy", change.Deny ? "deny" : "allow")])]),
            PolicyChange.Unchanged => ControlResponse.Refused($"route optimization with {change.Peer} is denied already"),
            PolicyChange.NotDenied => ControlResponse.Refused($"no policy for {change.Peer}: route optimization with it is not denied"),
            PolicyChange.FromProfile => ControlResponse.Refused($"{change.Peer} is denied by the profile's no_route_optimization: change the profile"),
            PolicyChange.Full => ControlResponse.Refused($"the operator's list holds {Shisa.Modules.MobileNode.ReturnRoutability.RouteOptimizationPolicyFile.MaxEntries} correspondents already"),
            _ => ControlResponse.Refused("route optimization is off in this profile ([mobile_node] route_optimization = false)"),
        };
    }

    private ControlResponse? Policy(out MobileNodeModule? mobileNode)
    {
        mobileNode = targets.Modules.OfType<MobileNodeModule>().FirstOrDefault();
        if (mobileNode is null)
        {
            return ControlResponse.Refused("ro: this node does not run mobile_node");
        }

        return mobileNode.GetRouteOptimizationPolicy() is null
            ? ControlResponse.Refused("ro: route optimization is off in this profile ([mobile_node] route_optimization = false)")
            : null;
    }

    private ControlResponse ListTimers()
    {
        var now = targets.Time.GetUtcNow();
        var timers = targets.Modules.OfType<IModuleTimers>().SelectMany(m => m.GetTimers()).OrderBy(t => t.Due).ToList();
        if (timers.Count == 0)
        {
            return ControlResponse.Ok([new ControlResult("no timer scheduled", [new("timers", "0")])]);
        }

        return ControlResponse.Ok([.. timers.Select(t =>
        {
            double inSeconds = Math.Max(0, (t.Due - now).TotalSeconds);
            return new ControlResult(
                $"{t.Module} {t.Purpose} in {inSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s",
                [new("module", t.Module), new("purpose", t.Purpose), new("due", t.Due.ToString("O", CultureInfo.InvariantCulture)),
                 new("in_s", inSeconds.ToString("0.000", CultureInfo.InvariantCulture))]);
        })]);
    }

    private ControlResponse CompareBindings()
    {
        if (targets.ReadKernel is not { } read)
        {
            return ControlResponse.Refused("bindings: this run has no data plane, so no kernel state to compare with");
        }

        var (cache, list) = targets.Bindings.Copy();
        var kernel = read();
        bool isHomeAgent = targets.Modules.OfType<HomeAgentModule>().Any();
        var lines = KernelBindingView.Compare([.. cache.Select(c => c.Entry)], [.. list.Select(l => l.Entry)], kernel, targets.Tunnel, isHomeAgent);
        if (lines.Count == 0)
        {
            return ControlResponse.Ok([new ControlResult("no binding, and no binding state in the kernel", [new("bindings", "0")])]);
        }

        return ControlResponse.Ok([.. lines.Select(l => new ControlResult(
            l.KernelOnly is { } only ? $"{l.Mark} kernel only: {only}"
                : l.Source == "correspondent" ? $"{l.Mark} {l.Source} {l.Binding} (user space only)"
                : $"{l.Mark} {l.Source} {l.Binding}{(l.Missing.Count > 0 ? $" kernel lacks: {string.Join(", ", l.Missing)}" : "")}",
            [new("mark", l.Mark), new("source", l.Source), new("binding", l.Binding), new("missing", string.Join(", ", l.Missing)),
             new("kernel_only", l.KernelOnly ?? "")]))]);
    }
}

internal static partial class ControlLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "log level of {Category} set to {Level} by shisa ctl")]
    public static partial void LogLevelChanged(ILogger logger, string category, string level);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "log levels reset to the profile's by shisa ctl")]
    public static partial void LogLevelsReset(ILogger logger);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "shisa ctl flush {Target}: {Count} binding(s) removed")]
    public static partial void Flushed(ILogger logger, string target, int count);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "shisa ctl reregister: Binding Update {Sequence} sent")]
    public static partial void ReRegistered(ILogger logger, ushort sequence);

    [LoggerMessage(EventId = 1310, Level = LogLevel.Information, Message = "control socket {Path} (mode {Mode}, group {Group})")]
    public static partial void Listening(ILogger logger, string path, string mode, string group);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Warning, Message = "control client dropped: {Reason}")]
    public static partial void Dropped(ILogger logger, string reason);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Information, Message = "shisa ctl {Command}: {Outcome}")]
    public static partial void Served(ILogger logger, string command, string outcome);

    [LoggerMessage(EventId = 1313, Level = LogLevel.Error, Message = "control socket accept failed; no more control clients")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);
}
