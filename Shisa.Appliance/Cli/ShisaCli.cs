using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Shisa.Appliance.Hosting;
using Shisa.Appliance.Profiles;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Cli;

/// <summary>The command line of DESIGN 6: run, check, status, monitor, demo; and ctl (docs/control.md).</summary>
internal static class ShisaCli
{
    public const string DefaultUrl = "http://127.0.0.1:8780/";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build(output, error);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.CommandResult.Command.Name == "ctl")
        {
            // shisa ctl's bad usage is exit 2, as every refused command (docs/control.md).
            error.WriteLine($"shisa ctl: {parse.Errors[0].Message}");
            return Control.ControlClient.ExitBadUsage;
        }

        // The run command handles SIGINT/SIGTERM itself (a clean stop deregisters); the parser's own handler must not race it.
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null });
    }

    internal static RootCommand Build(TextWriter output, TextWriter error)
    {
        var profileOption = new Option<FileInfo>("--profile", "-p") { Description = "the TOML role profile", Required = true };
        var urlOption = new Option<Uri>("--url")
        {
            Description = $"the instance's status address (default {DefaultUrl})",
            DefaultValueFactory = _ => new Uri(DefaultUrl),
            CustomParser = ParseUrl,
        };
        var jsonOption = new Option<bool>("--json") { Description = "print JSON instead of tables" };

        var run = new Command("run", "run the roles the profile names until SIGINT/SIGTERM") { profileOption };
        run.SetAction(parse => RunAppliance(parse.GetValue(profileOption)!, error));

        var check = new Command("check", "validate a profile: errors as FILE:LINE:COL: message, exit 2 when invalid") { profileOption };
        check.SetAction(parse => ProfileCheck.Run(parse.GetValue(profileOption)!.ToString(), output));

        var status = new Command("status", "print a running instance's interfaces, bindings and counters") { urlOption, jsonOption };
        status.SetAction((parse, ct) => StatusCommand.RunAsync(WithSlash(parse.GetValue(urlOption)!), parse.GetValue(jsonOption), output, error, ct));

        var socketOption = new Option<string?>("--socket") { Description = "follow the bus socket at PATH (the profile's [bus] socket) instead of the status API" };
        var monitor = new Command("monitor", "print mobility bus messages live") { urlOption, jsonOption, socketOption };
        monitor.SetAction(parse => WithSignals(ct => parse.GetValue(socketOption) is { } socket
            ? Extensions.BusSocketMonitor.RunAsync(socket, parse.GetValue(jsonOption), output, error, ct)
            : MonitorCommand.RunAsync(WithSlash(parse.GetValue(urlOption)!), parse.GetValue(jsonOption), output, error, ct)));

        var holdOption = new Option<bool>("--hold") { Description = "after the moves, keep the topology and instances running until Ctrl-C" };
        var demo = new Command("demo", "build a throwaway namespace topology, run HA, CN and MN in it, move the MN, print what happened (needs root)") { holdOption };
        demo.SetAction(parse => WithSignals(ct => Demo.DemoRunner.RunAsync(new Demo.DemoOptions { Hold = parse.GetValue(holdOption) }, output, error, ct)));

        var controlSocketOption = new Option<string>("--socket")
        {
            Description = $"the instance's control socket ([control] socket; default {Modules.Configuration.ControlSection.DefaultSocket})",
            DefaultValueFactory = _ => Modules.Configuration.ControlSection.DefaultSocket,
        };
        var wordsArgument = new Argument<string[]>("command") { Description = "what to do (see docs/control.md)", Arity = ArgumentArity.ZeroOrMore };
        var ctl = new Command("ctl", "operate a running instance over its control socket:\n" + Control.ControlCommand.Usage) { controlSocketOption, jsonOption, wordsArgument };
        ctl.SetAction(parse => WithSignals(ct => Control.ControlClient.RunAsync(
            parse.GetValue(controlSocketOption)!, parse.GetValue(wordsArgument) ?? [], parse.GetValue(jsonOption), output, error, ct)));

        return new RootCommand("shisa: a Mobile IPv6 / NEMO mobility appliance") { run, check, status, monitor, demo, ctl };
    }

    /// <summary>
    /// System.CommandLine 2.0.0 could not convert a <see cref="Uri"/> option (JIT and NativeAOT alike, and with no
    /// trim warning): an absolute http(s) address, or a parse error naming it.
    /// </summary>
    private static Uri? ParseUrl(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return url;
        }

        result.AddError($"--url: '{text}' is not an http:// or https:// address (e.g. {DefaultUrl})");
        return null;
    }

    private static Uri WithSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    private static int RunAppliance(FileInfo profileFile, TextWriter error)
    {
        var loaded = ProfileLoader.LoadFile(profileFile.ToString());
        if (loaded.Profile is not { } profile || !loaded.IsValid)
        {
            foreach (var e in loaded.Errors)
            {
                error.WriteLine(e.ToString());
            }

            return ProfileCheck.ExitInvalid;
        }

        var logLevels = new LogLevels(profile.Log);
        using var loggerFactory = CreateLoggerFactory(logLevels, UnderJournald());
        if (SignalIgnoredAtStart(1))
        {
            error.WriteLine("shisa: SIGHUP was ignored when this process started (nohup?): a profile reload by SIGHUP will not work");
        }

        Action? reload = null;
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            reload?.Invoke();
        });
        return WithSignals(ct => ApplianceRunner.RunAsync(profile, ModuleCatalog.CreateBuiltIn(), Hosting.DataPlaneFactory.CreateSender, loggerFactory, error, ct,
            dataPlane: Hosting.DataPlaneFactory.CreateEngine, profilePath: profileFile.ToString(), onReloadRequest: request => reload = request,
            logLevels: logLevels));
    }

    /// <summary>
    /// The run's loggers: every category filtered by <paramref name="levels"/> (the profile's [log], changed by
    /// <c>shisa ctl log</c>). Under systemd's journal, lines start with their syslog priority (<c>&lt;6&gt;</c>) so journald
    /// records it, and carry no timestamp (journald adds its own); on a terminal, one timestamped line each.
    /// </summary>
    internal static ILoggerFactory CreateLoggerFactory(LogLevels levels, bool journald) =>
        LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Trace)
                .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
                .AddFilter("Microsoft.Hosting", LogLevel.Warning)
                .AddFilter((category, level) => levels.IsEnabled(category, level));
            if (journald)
            {
                b.AddSystemdConsole(o => o.TimestampFormat = null);
            }
            else
            {
                b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
            }
        });

    /// <summary>systemd connects stdout/stderr to the journal and says so in JOURNAL_STREAM (systemd.exec(5)).</summary>
    internal static bool UnderJournald() => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));

    /// <summary>True when the process started with <paramref name="signal"/> ignored (SigIgn of /proc/self/status).</summary>
    internal static bool SignalIgnoredAtStart(int signal)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("SigIgn:", StringComparison.Ordinal)
                    && ulong.TryParse(line.AsSpan(7).Trim(), System.Globalization.NumberStyles.HexNumber, null, out ulong mask))
                {
                    return (mask & (1UL << (signal - 1))) != 0;
                }
            }
        }
        catch (IOException)
        {
            // Not Linux, or /proc not mounted: assume the default disposition.
        }

        return false;
    }

    /// <summary>Runs until the work ends or SIGINT/SIGTERM asks it to stop.</summary>
    private static int WithSignals(Func<CancellationToken, Task<int>> work)
    {
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        return work(stop.Token).GetAwaiter().GetResult();
    }
}
