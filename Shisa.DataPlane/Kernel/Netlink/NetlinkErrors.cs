using System.Runtime.InteropServices;

namespace Shisa.DataPlane.Kernel.Netlink;

/// <summary>Turns a netlink answer's errno into the exception that names the request.</summary>
internal static class NetlinkErrors
{
    // errno values the netlink answers carry (asm-generic/errno-base.h, asm-generic/errno.h).
    public const int Eperm = 1;
    public const int Enoent = 2;
    public const int Esrch = 3;
    public const int Eexist = 17;
    public const int Enodev = 19;
    public const int Eprotonosupport = 93;
    public const int Einval = 22;
    public const int Eopnotsupp = 95;
    public const int Eaddrnotavail = 99;

    /// <summary>The fix for a missing capability, in every message that needs it.</summary>
    public const string CapabilityFix = "needs CAP_NET_ADMIN (run as root or grant AmbientCapabilities=CAP_NET_ADMIN)";

    /// <summary>
    /// "WHAT: strerror (the kernel's explanation)"; EPERM is a missing capability
    /// (<see cref="KernelFacilityMissingException"/>, one line with the fix).
    /// </summary>
    public static KernelException ToException(string what, int errno, string? explanation)
    {
        if (errno == Eperm)
        {
            return new KernelFacilityMissingException($"{what}: {CapabilityFix}");
        }

        string reason = Marshal.GetPInvokeErrorMessage(errno);
        if (!string.IsNullOrWhiteSpace(explanation))
        {
            reason = $"{reason} ({explanation.Trim()})";
        }

        return new KernelException($"{what}: {reason}", errno);
    }
}
