using Shisa.Appliance.Cli;

namespace Shisa.Appliance;

public static class Program
{
    public static int Main(string[] args) => ShisaCli.Run(args, Console.Out, Console.Error);
}
