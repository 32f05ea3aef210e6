using Microsoft.Extensions.Logging;
using Shisa.DataPlane;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Engine;
using Shisa.DataPlane.Kernel;
using Shisa.DataPlane.Kernel.Netlink;
using Shisa.DataPlane.Ports;
using Shisa.DataPlane.Signalling;
using Shisa.DataPlane.State;
using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Hosting;

/// <summary>Creates the data plane engine of a run (not started), or null when the profile gives it nothing to do.</summary>
/// <remarks><paramref name="journal"/> is where the engine's forwarding-state writer records the binding state it applies.</remarks>
internal delegate DataPlaneEngine? DataPlaneEngineFactory(Profile profile, MobilityBus bus, SignallingHub signalling, TimeProvider time, ILoggerFactory loggerFactory, IStateJournal? journal);

/// <summary>Creates the data plane pieces a run needs.</summary>
internal static class DataPlaneFactory
{
    /// <summary>
    /// Signalling leaves through a raw IPv6 socket (DESIGN 5): any source address and extension headers, and the
    /// kernel routes and resolves neighbours. Used when the run has no engine (the engine brings its own).
    /// </summary>
    public static IPacketSender CreateSender() => RawIpv6Sender.Open();

    /// <summary>
    /// The engine for the profile, working in the process's own network namespace over netlink and /proc/sys
    /// (no <c>ip</c>, <c>nft</c> or <c>sysctl</c> at run time); null when no interface is named (nothing to capture
    /// on), journalling binding state to <paramref name="journal"/>. Throws <see cref="KernelException"/> (one line) when the kernel cannot be reached.
    /// </summary>
    public static DataPlaneEngine? CreateEngine(Profile profile, MobilityBus bus, SignallingHub signalling, TimeProvider time, ILoggerFactory loggerFactory, IStateJournal? journal)
    {
        var options = DataPlaneOptionsMapper.Map(profile);
        if (options.PortInterfaces().Count == 0)
        {
            return null;
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new KernelFacilityMissingException("the data plane needs Linux (netlink, AF_PACKET, TUN)");
        }

        return new DataPlaneEngine(options, bus, signalling, time, loggerFactory, NetlinkKernel.Open(options.NetworkNamespace), journal);
    }
}
