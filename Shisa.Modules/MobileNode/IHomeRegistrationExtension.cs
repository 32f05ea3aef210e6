using Shisa.DataPlane.Bus;
using Shisa.Modules.Hosting;

namespace Shisa.Modules.MobileNode;

/// <summary>
/// How a mobile router's home registration differs from a mobile host's (RFC 3963): the R flag on every Binding
/// Update and on the published binding, Mobile Network Prefix options in explicit mode, DHAAD asking for home agents
/// that support mobile routers, and a home agent that accepts without R left for another one.
/// </summary>
/// <param name="AdvertisedPrefixes">One Mobile Network Prefix option each in every registration (explicit mode, RFC
/// 3963 5.2); empty in implicit mode, where the home agent's own table decides.</param>
/// <param name="MobileNetworkPrefixes">The prefixes published with the binding (BulAdd) once a home agent accepted it
/// with R: what the data plane routes through the tunnel.</param>
public sealed record MobileRouterRegistration(EquatableArray<Prefix> AdvertisedPrefixes, EquatableArray<Prefix> MobileNetworkPrefixes);

/// <summary>
/// A hook through which another module (the mobile router, SHISA's mrd) shapes the mobile node's one home
/// registration instead of running a second one. The mobile node takes at most one, from its constructor.
/// </summary>
/// <remarks>
/// Both calls come from the mobile node under its lock: they must be quick, must not block, and must not call back
/// into the mobile node. <see cref="Observe"/> may be called before the extension's own module has started and
/// after it has stopped (the mobile node starts first and stops last).
/// </remarks>
public interface IHomeRegistrationExtension
{
    /// <summary>Called once as the mobile node starts, with its context; returns how the registration is shaped,
    /// or null to leave it a mobile host's.</summary>
    MobileRouterRegistration? Attach(ModuleContext mobileNodeContext);

    /// <summary>Every action of the home registration machine, after the mobile node carried it out.</summary>
    void Observe(HomeRegistrationAction action);
}
