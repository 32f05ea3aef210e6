using System.Net;
using System.Net.Sockets;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Configuration;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// The NEMO extension point (RFC 3963 6.1.2, 6.2): decides a home registration's mobile network prefixes. The core
/// calls <see cref="Authorize"/> after authentication and before the sequence check, and
/// <see cref="CheckForwarding"/> for a mobile router's registration just before the binding is made; a refusal
/// status (128 and up) refuses the Binding Update and leaves existing bindings as they are.
/// </summary>
public interface IMobileRouterPolicy
{
    /// <summary>
    /// The prefixes the binding carries (empty for a mobile host) or a refusal: 140 when R is set but the node
    /// may not act as a mobile router, 141/142 for a prefix that is invalid or not the node's, 143 when no prefix is
    /// left to forward.
    /// </summary>
    /// <param name="update">The authenticated Binding Update, with its R flag and Mobile Network Prefix options.</param>
    /// <param name="node">The mobile node it comes from, as the home agent's configuration authorizes it.</param>
    /// <param name="homePrefix">The home agent's home prefix: a mobile network may not overlap the home link.</param>
    /// <param name="prefixes">The prefixes the binding carries when the status is accepted.</param>
    BindingAcknowledgementStatus Authorize(BindingUpdate update, AuthorizedMobileNode node, Prefix homePrefix, out EquatableArray<Prefix> prefixes);

    /// <summary>
    /// RFC 3963 4.2, 6.2: whether forwarding for <paramref name="prefixes"/> to the mobile router can be set up;
    /// <see cref="BindingAcknowledgementStatus.ForwardingSetupFailed"/> (143) when not. The hook through which what
    /// sets up the forwarding (the data plane's routes) can refuse; by default it accepts.
    /// </summary>
    BindingAcknowledgementStatus CheckForwarding(AuthorizedMobileNode node, EquatableArray<Prefix> prefixes) => BindingAcknowledgementStatus.Accepted;
}

/// <summary>
/// The profile's rule (RFC 3963 6.2). Without R, no prefixes: the node is a mobile host and the mobile network is not
/// forwarded to it (4.1). With R, the node's entry must list prefixes, its prefix table (6.1.2), else 140. In explicit
/// mode (Mobile Network Prefix options) each prefix must be valid, else 141: a length of 1 to 128, a global unicast
/// range (not unspecified, loopback, link-local or multicast), and no overlap with the home prefix (the home link's
/// addresses are not a mobile network); and it must lie within one of the listed prefixes, else 142. In implicit mode
/// (no option) the listed prefixes are used, those that are valid; when none is, 143 "Forwarding Setup failed
/// (prefixes missing)".
/// </summary>
public sealed class ProfileMobileRouterPolicy : IMobileRouterPolicy
{
    public static ProfileMobileRouterPolicy Instance { get; } = new();

    public BindingAcknowledgementStatus Authorize(BindingUpdate update, AuthorizedMobileNode node, Prefix homePrefix, out EquatableArray<Prefix> prefixes)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(node);
        prefixes = EquatableArray<Prefix>.Empty;
        if ((update.Flags & WireFlags.R) == 0)
        {
            return BindingAcknowledgementStatus.Accepted;
        }

        if (node.Prefixes.Count == 0)
        {
            return BindingAcknowledgementStatus.MobileRouterOperationNotPermitted;
        }

        var requested = new List<Prefix>();
        foreach (var option in update.Options)
        {
            if (option is not MobileNetworkPrefixOption mnp)
            {
                continue;
            }

            if (mnp.PrefixLength is 0 or > 128 || mnp.Prefix.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return BindingAcknowledgementStatus.InvalidPrefix;
            }

            var prefix = new Prefix(mnp.Prefix, mnp.PrefixLength);
            if (!IsValid(prefix, homePrefix))
            {
                return BindingAcknowledgementStatus.InvalidPrefix;
            }

            if (!node.Prefixes.Any(allowed => allowed.Contains(prefix)))
            {
                return BindingAcknowledgementStatus.NotAuthorizedForPrefix;
            }

            requested.Add(prefix);
        }

        if (requested.Count > 0)
        {
            prefixes = new EquatableArray<Prefix>(requested.Distinct());
            return BindingAcknowledgementStatus.Accepted;
        }

        // Implicit mode: the home agent's own table decides.
        prefixes = new EquatableArray<Prefix>(node.Prefixes.Where(p => IsValid(p, homePrefix)));
        return prefixes.Count > 0 ? BindingAcknowledgementStatus.Accepted : BindingAcknowledgementStatus.ForwardingSetupFailed;
    }

    /// <summary>A prefix a mobile network may have: 1 to 128 bits of a global unicast range, apart from the home link.</summary>
    public static bool IsValid(Prefix prefix, Prefix homePrefix)
    {
        if (prefix.Length is 0 or > 128 || prefix.Network.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var network = prefix.Network;
        if (network.Equals(IPAddress.IPv6Any) || network.Equals(IPAddress.IPv6Loopback) || network.IsIPv6LinkLocal || network.IsIPv6Multicast
            || network.IsIPv6SiteLocal)
        {
            return false;
        }

        return !homePrefix.Contains(prefix) && !prefix.Contains(homePrefix);
    }
}
