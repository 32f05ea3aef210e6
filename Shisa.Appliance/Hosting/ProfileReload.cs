using Microsoft.Extensions.Logging;
using Shisa.Appliance.Profiles;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Hosting;

/// <summary>
/// SIGHUP: read the profile again and apply what can change while running. Sections compare by value (the
/// records' lists are value-equal), so an untouched section is left alone. A change the running modules can
/// take (today the home agent's section: its mobile node list and keys, max_lifetime) is handed to them and the
/// bindings the change does not touch survive (a removed mobile node's binding goes at once); anything else
/// (roles, interfaces, status, bus, plugins, a section of a module that cannot reconfigure, or a [home_agent] key
/// the data plane also took at start: address, prefix, max_bindings) needs a restart, the reload is refused
/// naming it, and the running profile stays in force.
/// </summary>
internal sealed class ProfileReload(string path, ModuleHost host, ILogger logger)
{
    /// <summary>Signalled by SIGHUP; several signals before a reload runs fold into one.</summary>
    public SemaphoreSlim Requests { get; } = new(0, 1);

    public void Request()
    {
        try
        {
            Requests.Release();
        }
        catch (SemaphoreFullException)
        {
            // One reload is already pending: it will read the newest file.
        }
    }

    /// <summary>Returns the profile in force after the reload.</summary>
    public async Task<Profile> ApplyAsync(Profile current, CancellationToken cancellationToken)
    {
        var loaded = ProfileLoader.LoadFile(path);
        if (loaded.Profile is not { } next || !loaded.IsValid)
        {
            foreach (var error in loaded.Errors)
            {
                ReloadLog.Invalid(logger, error.ToString());
            }

            return current;
        }

        var restart = NeedsRestart(current, next);
        if (restart.Count > 0)
        {
            ReloadLog.NeedsRestart(logger, string.Join(", ", restart));
            return current;
        }

        if (next == current)
        {
            ReloadLog.Unchanged(logger);
            return current;
        }

        try
        {
            await host.ReconfigureAsync(next, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            ReloadLog.Refused(logger, ex.Message);
            return current;
        }

        ReloadLog.Applied(logger);
        return next;
    }

    /// <summary>The sections whose change cannot be applied while running.</summary>
    internal static List<string> NeedsRestart(Profile current, Profile next)
    {
        var changed = new List<string>();
        void Check<T>(string name, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
            {
                changed.Add(name);
            }
        }

        Check("[node]", current.Node, next.Node);
        Check("[status]", current.Status, next.Status);
        Check("[[interface]]", current.Interfaces, next.Interfaces);
        Check("[mobile_node]", current.MobileNode, next.MobileNode);
        Check("[mobile_router]", current.MobileRouter, next.MobileRouter);
        Check("[correspondent_node]", current.Correspondent, next.Correspondent);
        Check("[movement_detector]", current.MovementDetector, next.MovementDetector);
        Check("[plugins]", current.Plugins, next.Plugins);
        Check("[bus]", current.Bus, next.Bus);
        if ((current.HomeAgent is null) != (next.HomeAgent is null))
        {
            changed.Add("[home_agent]");
        }
        else if (current.HomeAgent is { } was && next.HomeAgent is { } now)
        {
            // The data plane sizes its tables and installs its home link state (proxy ND, the anycast address's
            // nftables rule) from these at start (DataPlaneOptionsMapper): a reload would reach only the signalling,
            // and e.g. a raised max_bindings would accept BUs whose tunnels the data plane refuses. Refused, named.
            Check("[home_agent] address", was.Address, now.Address);
            Check("[home_agent] prefix", was.Prefix, now.Prefix);
            Check("[home_agent] max_bindings", was.MaxBindings, now.MaxBindings);
        }

        return changed;
    }
}

internal static partial class ReloadLog
{
    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "reload refused, the profile is invalid: {Error}")]
    public static partial void Invalid(ILogger logger, string error);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "reload not applied: changes to {Sections} need a restart; the running profile stays in force")]
    public static partial void NeedsRestart(ILogger logger, string sections);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "reload: profile unchanged")]
    public static partial void Unchanged(ILogger logger);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "reload applied")]
    public static partial void Applied(ILogger logger);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Error, Message = "reload refused by a module: {Reason}")]
    public static partial void Refused(ILogger logger, string reason);
}
