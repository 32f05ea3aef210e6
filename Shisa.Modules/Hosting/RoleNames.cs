using System.Text;
using Shisa.Modules.Configuration;

namespace Shisa.Modules.Hosting;

/// <summary>The profile spelling of roles (DESIGN 7): <see cref="Role.HomeAgent"/> is "home_agent".</summary>
public static class RoleNames
{
    public static string ToProfileName(this Role role)
    {
        string name = role.ToString();
        var text = new StringBuilder(name.Length + 4);
        foreach (char c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    internal static string Join(IEnumerable<Role> roles) => string.Join(", ", roles.Select(r => r.ToProfileName()));
}
