using Shisa.Modules.Configuration;

namespace Shisa.Modules.Hosting;

/// <summary>
/// A running module that can take a changed profile without restarting (SIGHUP), keeping the state the change
/// does not touch (a home agent keeps the bindings of nodes still on its list). Throwing refuses the change.
/// </summary>
public interface IReconfigurable
{
    void Reconfigure(Profile profile);
}
