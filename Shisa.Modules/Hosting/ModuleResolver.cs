using Shisa.Modules.Configuration;

namespace Shisa.Modules.Hosting;

/// <summary>The modules to start, dependencies first, and the loaded ones no role needs.</summary>
public sealed record ModulePlan(IReadOnlyList<IRoleModule> StartOrder, IReadOnlyList<IRoleModule> Unused);

/// <summary>
/// Picks, from the loaded modules, those the profile's roles need and orders them by dependency: SHISA's "the
/// choice of daemons is the node type", with the start order worked out instead of written in a script.
/// </summary>
public static class ModuleResolver
{
    /// <summary>
    /// The plan for running <paramref name="roles"/> with <paramref name="loaded"/>: every role's provider, the
    /// modules they require by name (transitively), ordered so that each module starts after what it requires.
    /// Ties keep the order of the roles, then of discovery, so the plan is the same on every run.
    /// </summary>
    /// <exception cref="ModuleConfigurationException">A role no module or more than one module provides; two
    /// modules with one name; a required module not loaded; a required role not run; a dependency cycle.</exception>
    public static ModulePlan Resolve(IEnumerable<IRoleModule> loaded, IEnumerable<Role> roles)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(roles);
        var all = loaded.ToList();
        var byName = new Dictionary<string, IRoleModule>(StringComparer.Ordinal);
        foreach (var module in all)
        {
            if (!byName.TryAdd(module.Name, module))
            {
                throw new ModuleConfigurationException($"two loaded modules are named '{module.Name}'");
            }
        }

        // The providers of the profile's roles, in the profile's order.
        var selected = new List<IRoleModule>();
        var errors = new List<string>();
        foreach (var role in roles.Distinct())
        {
            var providers = all.Where(m => m.Provides.Contains(role)).ToList();
            if (providers.Count == 0)
            {
                errors.Add($"role '{role.ToProfileName()}' is not provided by any loaded module");
            }
            else if (providers.Count > 1)
            {
                errors.Add($"role '{role.ToProfileName()}' is provided by more than one loaded module: {Names(providers)}");
            }
            else if (!selected.Contains(providers[0]))
            {
                selected.Add(providers[0]);
            }
        }

        ThrowIfAny(errors);

        // What they require by name, transitively (the list grows while it is walked).
        for (int i = 0; i < selected.Count; i++)
        {
            foreach (string name in selected[i].RequiredModules)
            {
                if (!byName.TryGetValue(name, out var required))
                {
                    errors.Add($"module '{selected[i].Name}' requires module '{name}', which is not loaded");
                }
                else if (!selected.Contains(required))
                {
                    selected.Add(required);
                }
            }
        }

        ThrowIfAny(errors);

        // Each module's dependencies among the selected: required modules, and the providers of required roles.
        var running = selected.SelectMany(m => m.Provides).Distinct().ToList();
        var dependencies = new Dictionary<IRoleModule, List<IRoleModule>>();
        foreach (var module in selected)
        {
            var list = module.RequiredModules.Select(name => byName[name]).ToList();
            foreach (var role in module.RequiredRoles)
            {
                var providers = selected.Where(m => m.Provides.Contains(role)).ToList();
                if (providers.Count == 0)
                {
                    errors.Add($"module '{module.Name}' requires role '{role.ToProfileName()}', which is not among the roles run ({RoleNames.Join(running)})");
                }

                list.AddRange(providers);
            }

            dependencies[module] = [.. list.Distinct()];
        }

        ThrowIfAny(errors);
        var order = TopologicalOrder(selected, dependencies);
        return new ModulePlan(order, [.. all.Where(m => !selected.Contains(m))]);
    }

    private static List<IRoleModule> TopologicalOrder(List<IRoleModule> modules, Dictionary<IRoleModule, List<IRoleModule>> dependencies)
    {
        var order = new List<IRoleModule>(modules.Count);
        var placed = new HashSet<IRoleModule>();
        while (order.Count < modules.Count)
        {
            var next = modules.FirstOrDefault(m => !placed.Contains(m) && dependencies[m].All(placed.Contains));
            if (next is null)
            {
                throw new ModuleConfigurationException("module dependency cycle: " + FindCycle(modules.Where(m => !placed.Contains(m)), dependencies));
            }

            order.Add(next);
            placed.Add(next);
        }

        return order;
    }

    // Among modules none of which can start, walk dependencies until one repeats: that loop is a cycle.
    private static string FindCycle(IEnumerable<IRoleModule> blocked, Dictionary<IRoleModule, List<IRoleModule>> dependencies)
    {
        var blockedSet = blocked.ToHashSet();
        var path = new List<IRoleModule> { blockedSet.First() };
        while (true)
        {
            var next = dependencies[path[^1]].First(blockedSet.Contains);
            int seen = path.IndexOf(next);
            if (seen >= 0)
            {
                return string.Join(" -> ", path.Skip(seen).Append(next).Select(m => $"'{m.Name}'"));
            }

            path.Add(next);
        }
    }

    private static string Names(IEnumerable<IRoleModule> modules) => string.Join(", ", modules.Select(m => $"'{m.Name}'"));

    private static void ThrowIfAny(List<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new ModuleConfigurationException(string.Join("; ", errors));
        }
    }
}
