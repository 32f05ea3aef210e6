using System.Net.Sockets;
using Shisa.DataPlane.Bus;
using Shisa.DataPlane.Wire.Mobility;
using Shisa.Modules.Configuration;
using WireFlags = Shisa.DataPlane.Wire.Mobility.BindingUpdateFlags;

namespace Shisa.Modules.HomeAgent;

/// <summary>
/// The NEMO extension point (RFC 3963 6.1, 6.2): decides a home registration's mobile network prefixes. The core
/// calls it after authentication and before the sequence check; a refusal status (128 and up) refuses the
/// Binding Update and leaves existing bindings as they are.
/// </summary>
public interface IMobileRouterPolicy
{
    /// <summary>
    /// The prefixes the binding carries (empty for a mobile host) or a refusal: 140 when R is set but the node
    /// may not act as a mobile router, 141/142 for a prefix that is invalid or not the node's.
    /// </summary>
    BindingAcknowledgementStatus Authorize(BindingUpdate update, AuthorizedMobileNode node, out EquatableArray<Prefix> prefixes);
}

/// <summary>
/// The profile's rule, until the NEMO work refines it: without R, no prefixes. With R, the node's entry must list
/// prefixes (else 140); in explicit mode (RFC 3963 6.1.2) every Mobile Network Prefix option must lie within one of
/// them (else 142; a malformed prefix is 141); in implicit mode (no option, 6.1.3) the entry's prefixes are used.
/// </summary>
public sealed class ProfileMobileRouterPolicy : IMobileRouterPolicy
{
    public static ProfileMobileRouterPolicy Instance { get; } = new();

    public BindingAcknowledgementStatus Authorize(BindingUpdate update, AuthorizedMobileNode node, out EquatableArray<Prefix> prefixes)
    {
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
            if (!node.Prefixes.Any(allowed => allowed.Contains(prefix)))
            {
                return BindingAcknowledgementStatus.NotAuthorizedForPrefix;
            }

            requested.Add(prefix);
        }

        prefixes = requested.Count > 0 ? new EquatableArray<Prefix>(requested.Distinct()) : node.Prefixes;
        return BindingAcknowledgementStatus.Accepted;
    }
}
