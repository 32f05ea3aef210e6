namespace Shisa.DataPlane;
internal static class AssemblyMarker { }
