using System.Reflection;
using Microsoft.Extensions.Logging;
using Shisa.Appliance.Extensions;
using Shisa.DataPlane.State;
using Shisa.Modules.Hosting;

namespace Shisa.Appliance.Tests.Hosting;

/// <summary>
/// Every [LoggerMessage] in the three product assemblies has an event id of its own, inside the range
/// docs/architecture.md ("Log event ids") gives its area. Operators filter on these ids: a new log class needs
/// a row here and in the document.
/// </summary>
public class LogEventIdTests
{
    private sealed record Range(int First, int Last)
    {
        public bool Contains(int id) => id >= First && id <= Last;
        public override string ToString() => $"{First}-{Last}";
    }

    // Kept in step with the table in docs/architecture.md.
    private static readonly Dictionary<string, Range> Assemblies = new()
    {
        ["Shisa.Appliance"] = new(1000, 1999),
        ["Shisa.Modules"] = new(2000, 3999),
        ["Shisa.DataPlane"] = new(5000, 5099),
    };

    // Outermost type that declares the log methods -> its area's range.
    private static readonly Dictionary<string, Range> Areas = new()
    {
        ["Shisa.Appliance.Hosting.ApplianceLog"] = new(1000, 1009),
        ["Shisa.Appliance.Hosting.ReloadLog"] = new(1010, 1099),
        ["Shisa.Appliance.Extensions.BusSocketLog"] = new(1100, 1199),
        ["Shisa.Appliance.Extensions.PluginLog"] = new(1200, 1299),
        ["Shisa.Appliance.Control.ControlLog"] = new(1300, 1399),
        ["Shisa.Modules.Hosting.ModuleHostLog"] = new(2100, 2199),
        ["Shisa.Modules.MobileNode.MobileNodeLog"] = new(2400, 2499),
        ["Shisa.Modules.MovementDetection.MovementDetectorLog"] = new(2500, 2599),
        ["Shisa.Modules.Correspondent.CorrespondentLog"] = new(2700, 2799),
        ["Shisa.Modules.MobileRouter.MobileRouterLog"] = new(2800, 2899),
        ["Shisa.Modules.MobileNode.ReturnRoutability.RouteOptimizationLog"] = new(2900, 2999),
        ["Shisa.Modules.HomeAgent.HomeAgentLog"] = new(3000, 3099),
        ["Shisa.DataPlane.Engine.DataPlaneEngine"] = new(5000, 5029),
        ["Shisa.DataPlane.State.JournalLog"] = new(5030, 5039),
        ["Shisa.DataPlane.Neighbors.CareOfAddressDad"] = new(5040, 5049),
        ["Shisa.DataPlane.Forwarding.ForwardingLog"] = new(5050, 5099),
    };

    private sealed record LogMethod(string Assembly, string Area, string Method, int EventId);

    private static List<LogMethod> LogMethods()
    {
        // By project name: Shisa.Appliance's assembly is called shisa.
        var assemblies = new[]
        {
            ("Shisa.Appliance", typeof(PluginLoader).Assembly),
            ("Shisa.Modules", typeof(ModuleHost).Assembly),
            ("Shisa.DataPlane", typeof(BindingJournal).Assembly),
        };
        var found = new List<LogMethod>();
        foreach (var (project, assembly) in assemblies)
        {
            foreach (var type in assembly.GetTypes())
            {
                var outermost = type;
                while (outermost.DeclaringType is not null)
                    outermost = outermost.DeclaringType;
                const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
                foreach (var method in type.GetMethods(all))
                {
                    var attribute = method.GetCustomAttribute<LoggerMessageAttribute>();
                    if (attribute is not null)
                        found.Add(new(project, outermost.FullName!, $"{type.FullName}.{method.Name}", attribute.EventId));
                }
            }
        }
        return found;
    }

    [Test]
    public void Every_assembly_has_log_methods()
    {
        var methods = LogMethods();
        Assert.That(methods.Select(m => m.Assembly).Distinct(), Is.EquivalentTo(Assemblies.Keys));
    }

    [Test]
    public void Event_ids_are_unique()
    {
        var duplicates = LogMethods()
            .GroupBy(m => m.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}")
            .ToList();
        Assert.That(duplicates, Is.Empty);
    }

    [Test]
    public void Event_ids_lie_in_their_areas_documented_range()
    {
        var misplaced = new List<string>();
        foreach (var m in LogMethods())
        {
            if (!Areas.TryGetValue(m.Area, out var area))
                misplaced.Add($"{m.Method} ({m.EventId}): {m.Area} has no range in docs/architecture.md");
            else if (!area.Contains(m.EventId))
                misplaced.Add($"{m.Method} ({m.EventId}): outside {m.Area}'s {area}");
            if (!Assemblies[m.Assembly].Contains(m.EventId))
                misplaced.Add($"{m.Method} ({m.EventId}): outside {m.Assembly}'s {Assemblies[m.Assembly]}");
        }
        Assert.That(misplaced, Is.Empty);
    }

    [Test]
    public void Area_ranges_do_not_overlap_and_lie_in_their_assembly_range()
    {
        var problems = new List<string>();
        foreach (var (name, range) in Areas)
        {
            var assembly = Assemblies.Single(a => name.StartsWith(a.Key + ".", StringComparison.Ordinal));
            if (!assembly.Value.Contains(range.First) || !assembly.Value.Contains(range.Last))
                problems.Add($"{name} {range} outside {assembly.Key} {assembly.Value}");
            foreach (var (other, otherRange) in Areas)
                if (string.CompareOrdinal(name, other) < 0 && range.First <= otherRange.Last && otherRange.First <= range.Last)
                    problems.Add($"{name} {range} overlaps {other} {otherRange}");
        }
        foreach (var (name, range) in Assemblies)
            foreach (var (other, otherRange) in Assemblies)
                if (string.CompareOrdinal(name, other) < 0 && range.First <= otherRange.Last && otherRange.First <= range.Last)
                    problems.Add($"{name} {range} overlaps {other} {otherRange}");
        Assert.That(problems, Is.Empty);
    }
}
