namespace Shisa.Appliance;

public static class Program
{
    public static int Main(string[] args) => 0;
}
