namespace Shisa.Modules;
internal static class AssemblyMarker { }
