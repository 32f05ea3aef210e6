// The end-to-end tests build Linux network namespaces and drive the Linux-only data plane.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
