using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shisa.Appliance.Control;
using Shisa.Appliance.Extensions;
using Shisa.Appliance.Web;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Engine;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.State;
using Shisa.Modules.Configuration;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Hosting;

/// <summary>
/// <c>shisa run</c>: builds the process (bus, signalling hub, data plane engine, the modules the profile's roles
/// name, the status server), runs until <see cref="RunAsync"/>'s <c>stop</c> token fires (SIGINT/SIGTERM), then stops everything in
/// reverse within <see cref="StopBudget"/>. The data plane starts before the modules and stops after them, so a
/// deregistering mobile node's last signalling still goes out and nothing the engine installed stays behind.
/// A module or data plane that fails to start ends the run with a message naming it.
/// Before anything touches the kernel the run takes its state directory (<c>[node] state_directory</c>, created when
/// missing): the instance lock (a second run on the same directory says which pid holds it and exits 1, touching
/// nothing), then the binding journal, which the engine's forwarding-state writer appends to and whose restored
/// entries the modules take back (<see cref="RestoredState"/>, a DI singleton). Both are released after the engine
/// stopped.
/// </summary>
internal static class ApplianceRunner
{
    public static readonly TimeSpan StopBudget = TimeSpan.FromSeconds(4);

    public static async Task<int> RunAsync(
        Profile profile,
        ModuleCatalog catalog,
        Func<IPacketSender> packetSender,
        ILoggerFactory loggerFactory,
        TextWriter error,
        CancellationToken stop,
        Action<Uri>? onStatusServer = null,
        DataPlaneEngineFactory? dataPlane = null,
        string? profilePath = null,
        Action<Action>? onReloadRequest = null,
        LogLevels? logLevels = null)
    {
        // Before anything starts: a profile naming plugins cannot run on a trimmed or NativeAOT build.
        if (PluginSupport.Refusal(profile.Plugins, PluginSupport.IsSupported) is { } refusal)
        {
            error.WriteLine($"shisa: {refusal}");
            return 1;
        }

        var log = loggerFactory.CreateLogger("Shisa.Appliance");
        var time = TimeProvider.System;

        // One instance per state directory, decided before anything touches the kernel (DESIGN 5).
        string stateDirectory = profile.Node.StateDirectory;
        if (StateDirectory.Take(stateDirectory, error) is not { } instanceLock)
        {
            return 1;
        }

        using var heldLock = instanceLock;
        BindingJournal journal;
        try
        {
            journal = BindingJournal.Open(stateDirectory, time, loggerFactory.CreateLogger<BindingJournal>());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"shisa: cannot open the binding journal in {stateDirectory}: {ex.Message}");
            return 1;
        }

        using var journalLifetime = journal;
        ApplianceLog.StateRestored(log, stateDirectory, journal.Restored.BindingCache.Count, journal.Restored.BindingUpdateList.Count);

        // One bus and one signalling hub, shared by the data plane and the modules (registered before
        // AddShisaModules, whose TryAdd then keeps them).
        using var bus = new MobilityBus(time);
        var signalling = new SignallingHub();
        DataPlaneEngine? engine;
        try
        {
            engine = dataPlane?.Invoke(profile, bus, signalling, time, loggerFactory, journal);
        }
        catch (ArgumentException ex)
        {
            error.WriteLine($"shisa: data plane: {ex.Message}");
            return 1;
        }
        catch (KernelException ex)
        {
            // A kernel facility missing (nf_tables, CAP_NET_ADMIN): one line naming it and the fix.
            error.WriteLine($"shisa: the data plane cannot start: {ex.Message}");
            return 1;
        }

        using var engineLifetime = engine;
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory);
        services.AddSingleton(time);
        services.AddSingleton(bus);
        services.AddSingleton(signalling);
        services.AddSingleton<ISignallingSource>(signalling);
        services.AddSingleton(journal.Restored);
        services.AddSingleton<IPacketSender>(_ => engine is null ? packetSender() : engine.SignallingSender);
        try
        {
            catalog = WithPlugins(catalog, profile, loggerFactory);
            services.AddShisaModules(profile, catalog);
        }
        catch (Exception ex) when (ex is ModuleConfigurationException or PluginLoadException)
        {
            error.WriteLine($"shisa: {ex.Message}");
            return 1;
        }

        await using var provider = services.BuildServiceProvider();
        if (engine is not null)
        {
            try
            {
                engine.Start();
            }
            catch (Exception ex) when (ex is KernelException or IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
            {
                error.WriteLine($"shisa: the data plane failed to start: {ex.Message}");
                return 1;
            }
            catch (DllNotFoundException ex)
            {
                // A board image without its native libraries (libpcap for the BPF filters) gets one line, not a trace.
                error.WriteLine($"shisa: the data plane failed to start: a native library is missing (install libpcap0.8): {ex.Message}");
                return 1;
            }
        }

        ModuleHost host;
        try
        {
            host = provider.GetRequiredService<ModuleHost>();
        }
        catch (ModuleConfigurationException ex)
        {
            error.WriteLine($"shisa: {ex.Message}");
            return 1;
        }

        await using var status = new ApplianceStatus(profile, bus, time, Math.Max(1, profile.HomeAgent?.MaxBindings ?? 4096));
        if (engine is not null)
        {
            status.AddCounters(engine.Counters);
            status.AddFirstPacket(engine.ForwardingCounters);
            status.SetTraffic(entry => engine.BindingCache?.TrafficOf(entry.HomeAddress, entry.BindingId));
        }

        foreach (var counted in host.StartOrder.OfType<IModuleCounters>())
        {
            status.AddCounters(counted.GetCounters);
        }

        status.AddModules(host.StartOrder);

        using var systemd = SystemdNotifier.FromEnvironment();

        StatusServer? server = null;
        BusSocketServer? busSocket = null;
        ControlServer? control = null;
        try
        {
            if (profile.Bus is { } offered)
            {
                try
                {
                    busSocket = await BusSocketServer.StartAsync(offered.Socket, bus, loggerFactory, stop).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    error.WriteLine($"shisa: cannot offer the bus on {offered.Socket}: {ex.Message}");
                    return 1;
                }

                status.AddCounters(() => busSocket.GetSnapshot().Counters);
            }

            if (profile.Status.Listen is { } listen)
            {
                try
                {
                    server = await StatusServer.StartAsync(listen, status, loggerFactory, stop).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    error.WriteLine($"shisa: cannot serve the status page on {listen}: {ex.Message}");
                    return 1;
                }

                ApplianceLog.StatusServing(log, server.BaseAddress);
                onStatusServer?.Invoke(server.BaseAddress);
            }

            try
            {
                await host.StartAsync(stop).ConfigureAwait(false);
            }
            catch (ModuleStartException ex)
            {
                error.WriteLine($"shisa: module '{ex.ModuleName}' failed to start: {ex.InnerException?.Message}");
                return 1;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return 0;
            }

            if (profile.Control is { } offeredControl)
            {
                // After the modules started: every command finds its module running.
                var targets = new ControlTargets(
                    logLevels ?? new LogLevels(profile.Log),
                    host.StartOrder,
                    status.Bindings,
                    engine is null ? null : () => ReadKernel(engine.Options),
                    engine?.TunnelName ?? engine?.Options.TunnelName ?? "",
                    engine?.Options.IsHomeAgent == true ? engine.Options.ResolvedHomeInterface : null,
                    time);
                var executor = new ControlExecutor(targets, loggerFactory.CreateLogger("Shisa.Appliance.Control"));
                try
                {
                    control = await ControlServer.StartAsync(offeredControl.Socket, offeredControl.Group, executor.Execute, new ControlServerOptions(), time,
                        loggerFactory.CreateLogger("Shisa.Appliance.Control"), stop).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    error.WriteLine($"shisa: cannot offer the control socket on {offeredControl.Socket}: {ex.Message}");
                    using var failBudget = new CancellationTokenSource(StopBudget);
                    await host.StopAsync(failBudget.Token).ConfigureAwait(false);
                    return 1;
                }

                status.AddCounters(() => control.Counters);
            }

            var roles = string.Join(",", profile.Node.Roles.Select(r => r.ToProfileName()));
            ApplianceLog.Running(log, profile.Node.Name, roles);
            switch (MovementSource.Of(profile))
            {
                case MovementSourceKind.BusSocket:
                    ApplianceLog.MovementFromBusSocket(log, profile.Bus!.Socket);
                    break;
                case MovementSourceKind.Nothing:
                    ApplianceLog.NoMovementSource(log, roles);
                    break;
            }

            systemd?.Ready($"node {profile.Node.Name} running roles {roles}");
            if (systemd is not null && SystemdNotifier.WatchdogInterval() is { } watchdog)
            {
                // Kick only while the data plane's threads are alive: a wedged appliance gets restarted.
                systemd.StartWatchdog(watchdog, time, () => engine?.IsRunning ?? true);
            }

            // Until SIGINT/SIGTERM; SIGHUP reloads the profile in between.
            var reload = new ProfileReload(profilePath ?? "", host, log);
            onReloadRequest?.Invoke(reload.Request);
            var current = profile;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await reload.Requests.WaitAsync(stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                if (profilePath is not null)
                {
                    systemd?.Notify("RELOADING=1");
                    var previous = current;
                    current = await reload.ApplyAsync(current, stop).ConfigureAwait(false);
                    if (!ReferenceEquals(previous, current))
                    {
                        // A reloaded [log] applies from now on; what shisa ctl changed is dropped with the old profile.
                        logLevels?.Reload(current.Log);
                    }
                    systemd?.Ready($"node {current.Node.Name} running roles {roles}");
                }
            }

            ApplianceLog.Stopping(log);
            systemd?.Stopping();
            using var budget = new CancellationTokenSource(StopBudget);
            await host.StopAsync(budget.Token).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            if (control is not null)
            {
                await control.DisposeAsync().ConfigureAwait(false);
            }

            // After the modules stopped, so socket clients saw the deregistration messages.
            if (busSocket is not null)
            {
                await busSocket.DisposeAsync().ConfigureAwait(false);
            }

            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            // After the modules: removes every route, rule, proxy entry and the nftables table it installed.
            engine?.Stop();
        }
    }

    /// <summary>What the kernel holds of the engine's state (shisa ctl bindings), read over a netlink socket of its own.</summary>
    private static KernelState ReadKernel(DataPlaneEngineOptions options)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new KernelFacilityMissingException("reading the kernel's state needs Linux (netlink)");
        }

        using var kernel = Shisa.DataPlane.Kernel.Netlink.NetlinkKernel.Open(options.NetworkNamespace);
        return new KernelState(
            kernel.ListRoutes(),
            kernel.ListRules(),
            kernel.ListAddresses(options.TunnelName));
    }

    /// <summary>The catalog with the profile's plugin modules; a plugin providing a built-in role replaces it.</summary>
    private static ModuleCatalog WithPlugins(ModuleCatalog catalog, Profile profile, ILoggerFactory loggerFactory)
    {
        if (profile.Plugins is not { } plugins)
        {
            return catalog;
        }

        if (!PluginSupport.IsSupported)
        {
            throw new PluginLoadException(plugins.Directory, "this build of shisa cannot load plugins"); // refused before the run started
        }

        var loaded = new ModuleCatalog();
        PluginLoader.LoadInto(loaded, plugins.Directory, loggerFactory.CreateLogger("Shisa.Appliance.Plugins"));
        var merged = catalog.Without(loaded.ProvidedRoles);
        foreach (var entry in loaded.Entries)
        {
            merged.Add(entry.Name, entry.Roles, entry.Register);
        }

        return merged;
    }
}

internal static partial class ApplianceLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "status page on {Url}")]
    public static partial void StatusServing(ILogger logger, Uri url);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "node {Node} running roles [{Roles}]")]
    public static partial void Running(ILogger logger, string node, string roles);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "no movement_detector role: movement is expected from a detector publishing MovementInfo through the bus socket {Socket}")]
    public static partial void MovementFromBusSocket(ILogger logger, string socket);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information,
        Message = "state directory {Directory}: restoring {CacheEntries} binding cache and {ListEntries} binding update list entr(ies)")]
    public static partial void StateRestored(ILogger logger, string directory, int cacheEntries, int listEntries);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning,
        Message = "roles [{Roles}] without the movement_detector role and without a [bus] socket: nothing will report movement, so the node will not register; add \"movement_detector\" to roles or a [bus] socket for an external detector")]
    public static partial void NoMovementSource(ILogger logger, string roles);
}
