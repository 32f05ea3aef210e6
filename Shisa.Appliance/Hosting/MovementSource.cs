using Shisa.Modules.Configuration;

namespace Shisa.Appliance.Hosting;

/// <summary>Who tells a mobile node (or router) that it moved: the profile decides, as SHISA's choice of daemons did.</summary>
internal enum MovementSourceKind
{
    /// <summary>No role that moves: nothing to report to.</summary>
    NotNeeded,

    /// <summary>The "movement_detector" role: the built-in detector, or a plugin that provides the role.</summary>
    Detector,

    /// <summary>No detector role, a [bus] socket: a detector in another process publishes MovementInfo through it.</summary>
    BusSocket,

    /// <summary>No detector role and no [bus] socket: nothing will report movement, the node never registers.</summary>
    Nothing,
}

internal static class MovementSource
{
    /// <summary>
    /// The movement detector is optional for a mobile node: an operator may run one in another process and let it
    /// publish through the bus socket (docs/bus-socket.md). Without either, the start-up logs a warning.
    /// </summary>
    public static MovementSourceKind Of(Profile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var roles = profile.Node.Roles;
        if (!roles.Contains(Role.MobileNode) && !roles.Contains(Role.MobileRouter))
        {
            return MovementSourceKind.NotNeeded;
        }

        return roles.Contains(Role.MovementDetector) ? MovementSourceKind.Detector
            : profile.Bus is not null ? MovementSourceKind.BusSocket
            : MovementSourceKind.Nothing;
    }
}
