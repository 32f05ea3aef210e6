// The DESIGN 9 topology builder and its helpers are product code now (Shisa.Appliance/Demo: `shisa demo` and the
// tunnel benchmark build the same namespaces). The tests keep their names for them through these aliases, so
// there is one builder, and test code reads as before.
global using AccessLink = Shisa.Appliance.Demo.AccessLink;
global using Host = Shisa.Appliance.Demo.NamespaceCommands;
global using MobilityTopology = Shisa.Appliance.Demo.DemoTopology;
global using NamespaceProcess = Shisa.Appliance.Demo.NamespaceProcess;
global using OutputLine = Shisa.Appliance.Demo.OutputLine;
global using PingReply = Shisa.Appliance.Demo.PingReply;
global using PingTimeline = Shisa.Appliance.Demo.PingTimeline;
global using RunNames = Shisa.Appliance.Demo.RunNames;
global using TopologyOptions = Shisa.Appliance.Demo.TopologyOptions;
