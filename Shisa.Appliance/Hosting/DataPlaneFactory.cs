using Shisa.DataPlane;

namespace Shisa.Appliance.Hosting;

/// <summary>Creates the data plane pieces a run needs.</summary>
internal static class DataPlaneFactory
{
    public static IPacketSender CreateSender() => throw new NotImplementedException();
}
