using Shisa.Appliance.Profiles;

namespace Shisa.Appliance.Tests.Profiles;

/// <summary>Broken profiles, each with the exact position and a fragment of the error it must give.</summary>
public class BrokenProfileTests
{
    private const string File = "broken.toml";

    private const string Correspondent = """
        [node]
        name = "cn"
        roles = ["correspondent_node"]
        [correspondent_node]
        route_optimization = true
        """;

    private const string MobileNode = """
        [node]
        name = "mn"
        roles = ["mobile_node"]
        [[interface]]
        name = "mn0"
        link = "foreign"
        [mobile_node]
        home_address = "2001:db8:1::100"
        home_agent = "2001:db8:1::1"
        interfaces = ["mn0"]
        """;

    private const string HomeAgent = """
        [node]
        name = "ha"
        roles = ["home_agent"]
        [[interface]]
        name = "ha0"
        link = "home"
        [home_agent]
        address = "2001:db8:1::1"
        prefix = "2001:db8:1::/64"
        """;

    private const string MobileRouter = """
        [node]
        name = "mr"
        roles = ["mobile_node", "mobile_router"]
        [[interface]]
        name = "mn0"
        link = "foreign"
        [[interface]]
        name = "mr1"
        link = "mobile_network"
        [mobile_node]
        home_address = "2001:db8:1::200"
        home_agent = "2001:db8:1::1"
        interfaces = ["mn0"]
        [mobile_router]
        prefixes = ["2001:db8:1:100::/56"]
        ingress = ["mr1"]
        """;

    private static IEnumerable<TestCaseData> Cases()
    {
        // name, text, line, column, message fragment, how many errors the file has
        yield return Case("unknown key", MobileNode + "\nlifetim = 60", 11, 1, "unknown key 'lifetim' in [mobile_node]");
        yield return Case("unknown section", Correspondent + "\n[bogus]\nx = 1", 6, 2, "unknown section [bogus]");
        yield return Case("unknown table array", Correspondent + "\n[[bogus]]\nx = 1", 6, 3, "unknown section [[bogus]]");
        yield return Case("unknown top-level key", "lifetime = 5\n" + Correspondent, 1, 1, "unknown key 'lifetime' at the top level");
        yield return Case("unknown key in an entry", HomeAgent + "\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::100\"\nsecret = 1", 12, 1, "unknown key 'secret' in [[home_agent.mobile_node]]");
        yield return Case("unknown sub-table", MobileNode + "\n[mobile_node.extra]\na = 1", 11, 14, "unknown key 'extra' in [mobile_node]");
        yield return Case("wrong type: integer", MobileNode + "\nlifetime = \"60\"", 11, 12, "key 'lifetime' must be an integer, found a string");
        yield return Case("wrong type: float", MobileNode + "\nlifetime = 60.5", 11, 12, "key 'lifetime' must be an integer, found a float");
        yield return Case("wrong type: boolean", Correspondent.Replace("= true", "= \"yes\"", StringComparison.Ordinal), 5, 22, "key 'route_optimization' must be a boolean");
        yield return Case("wrong type: array", MobileNode.Replace("interfaces = [\"mn0\"]", "interfaces = \"mn0\"", StringComparison.Ordinal), 10, 14, "key 'interfaces' must be an array, found a string");
        yield return Case("wrong type: array item", MobileNode.Replace("[\"mn0\"]", "[\"mn0\", 7]", StringComparison.Ordinal), 10, 22, "key 'interfaces' must be an array of strings, found an integer");
        yield return Case("section not a table", "correspondent_node = 1\n" + Correspondent.Replace("[correspondent_node]\nroute_optimization = true", "", StringComparison.Ordinal), 1, 22, "'correspondent_node' must be a table, found an integer");
        yield return Case("interface as a table", Correspondent + "\n[interface]\nname = \"lo\"\nlink = \"home\"", 6, 2, "'interface' must be an array of tables: write [[interface]]");
        yield return Case("node as a table array", Correspondent.Replace("[node]", "[[node]]", StringComparison.Ordinal), 1, 3, "'node' must be a table, not an array of tables");
        yield return Case("prefix length 129", HomeAgent.Replace("2001:db8:1::/64", "2001:db8::1/129", StringComparison.Ordinal), 9, 10, "'2001:db8::1/129' is not an IPv6 prefix");
        yield return Case("prefix without length", HomeAgent.Replace("2001:db8:1::/64", "2001:db8:1::", StringComparison.Ordinal), 9, 10, "'2001:db8:1::' is not an IPv6 prefix");
        yield return Case("prefix with host bits", HomeAgent.Replace("2001:db8:1::/64", "2001:db8:1::1/64", StringComparison.Ordinal), 9, 10, "'2001:db8:1::1/64' has host bits set (did you mean 2001:db8:1::/64?)");
        yield return Case("IPv4 home address", MobileNode.Replace("\"2001:db8:1::100\"", "\"192.0.2.1\"", StringComparison.Ordinal), 8, 16, "'192.0.2.1' is not an IPv6 address");
        yield return Case("address with a length", MobileNode.Replace("\"2001:db8:1::1\"", "\"2001:db8:1::1/64\"", StringComparison.Ordinal), 9, 14, "'2001:db8:1::1/64' is not an IPv6 address (or \"discover\")");
        yield return Case("multicast home agent address", HomeAgent.Replace("\"2001:db8:1::1\"", "\"ff02::1\"", StringComparison.Ordinal), 8, 11, "'ff02::1' is not a global unicast IPv6 address");
        yield return Case("lifetime 0", MobileNode + "\nlifetime = 0", 11, 12, "key 'lifetime' is 0, out of range: 1..262140 seconds");
        yield return Case("lifetime over 65535 units of 4 s", MobileNode + "\nlifetime = 262141", 11, 12, "out of range: 1..262140 seconds (RFC 6275 6.1.7");
        yield return Case("lifetime at the maximum is fine, the next one is not", MobileNode + "\nlifetime = 262140\n[x]", 12, 2, "unknown section [x]");
        yield return Case("max_lifetime too long", HomeAgent + "\nmax_lifetime = 300000", 10, 16, "key 'max_lifetime' is 300000, out of range");
        yield return Case("max_bindings 0", HomeAgent + "\nmax_bindings = 0", 10, 16, "key 'max_bindings' is 0, out of range: 1..");
        yield return Case("reserved SPI", MobileNode + "\nspi = 255\nkey = \"00ff\"", 11, 7, "key 'spi' is 255, out of range: 256..4294967295 (RFC 4285 reserves 0-255)");
        yield return Case("SPI over 32 bits", MobileNode + "\nspi = 4294967296\nkey = \"00ff\"", 11, 7, "out of range: 256..4294967295");
        yield return Case("key of odd length", MobileNode + "\nspi = 256\nkey = \"abc\"", 12, 7, "key 'key' must be hexadecimal digits of even length");
        yield return Case("key not hex", MobileNode + "\nspi = 256\nkey = \"zz\"", 12, 7, "hexadecimal digits");
        yield return Case("spi without key", MobileNode + "\nspi = 256", 11, 1, "key 'spi' needs key 'key' in [mobile_node]");
        yield return Case("home prefix length 0", MobileNode + "\nhome_prefix_length = 0", 11, 22, "key 'home_prefix_length' is 0, out of range: 1..128");
        yield return Case("missing key", MobileNode.Replace("home_address = \"2001:db8:1::100\"\n", "", StringComparison.Ordinal), 7, 2, "missing key 'home_address' in [mobile_node]");
        yield return Case("missing key in an entry", HomeAgent + "\n[[home_agent.mobile_node]]\nspi = 300\nkey = \"00\"", 10, 3, "missing key 'home_address' in [[home_agent.mobile_node]]");
        yield return Case("missing interface link", Correspondent + "\n[[interface]]\nname = \"lo\"", 6, 3, "missing key 'link' in [[interface]]");
        yield return Case("missing [node]", "[correspondent_node]\nroute_optimization = true", 1, 1, "missing section [node]");
        yield return Case("empty name", Correspondent.Replace("\"cn\"", "\"\"", StringComparison.Ordinal), 2, 8, "key 'name' in [node] must not be empty");
        yield return Case("empty state directory", WithStateDirectory("\"\""), 4, 19, "key 'state_directory' in [node] must not be empty");
        yield return Case("relative state directory", WithStateDirectory("\"state\""), 4, 19, "key 'state_directory' must be an absolute path, not 'state'");
        yield return Case("state directory not a string", WithStateDirectory("1"), 4, 19, "key 'state_directory'");
        yield return Case("state directory with a control character", WithStateDirectory("\"/var/lib/\\u0001\""), 4, 19, "key 'state_directory' must not contain control characters");
        yield return Case("unknown role", Correspondent.Replace("[\"correspondent_node\"]", "[\"correspondent_node\", \"router\"]", StringComparison.Ordinal), 3, 32, "unknown role 'router' (expected mobile_node, mobile_router, home_agent, correspondent_node, movement_detector)");
        yield return Case("no roles", Correspondent.Replace("[\"correspondent_node\"]", "[]", StringComparison.Ordinal), 1, 2, "key 'roles' in [node] must name at least one role");
        yield return Case("role listed twice", Correspondent.Replace("[\"correspondent_node\"]", "[\"correspondent_node\", \"correspondent_node\"]", StringComparison.Ordinal), 3, 32, "role 'correspondent_node' is listed twice");
        yield return Case("role without its section", HomeAgent.Replace("[\"home_agent\"]", "[\"home_agent\", \"correspondent_node\"]", StringComparison.Ordinal), 3, 24, "role 'correspondent_node' needs a [correspondent_node] section");
        yield return Case("section without its role", Correspondent + "\n[movement_detector]", 6, 2, "section [movement_detector] is present but role 'movement_detector' is not in [node] roles");
        yield return Case("mobile router without mobile node", """
            [node]
            name = "mr"
            roles = ["mobile_router"]
            [[interface]]
            name = "mr1"
            link = "mobile_network"
            [mobile_router]
            prefixes = ["2001:db8:1:100::/56"]
            ingress = ["mr1"]
            """, 3, 10, "role 'mobile_router' needs role 'mobile_node' and its [mobile_node] section");
        yield return Case("mobile router whose mobile node section is missing", MobileRouter.Replace("""
            [mobile_node]
            home_address = "2001:db8:1::200"
            home_agent = "2001:db8:1::1"
            interfaces = ["mn0"]

            """, "", StringComparison.Ordinal), 3, 10, "role 'mobile_node' needs a [mobile_node] section");
        yield return Case("mobile node and home agent", HomeAgent.Replace("[\"home_agent\"]", "[\"home_agent\", \"mobile_node\"]", StringComparison.Ordinal) + """

            [mobile_node]
            home_address = "2001:db8:1::100"
            home_agent = "2001:db8:1::1"
            interfaces = ["ha0"]
            """, 3, 24, "roles 'mobile_node' and 'home_agent' cannot be combined");
        yield return Case("movement detector alone", """
            [node]
            name = "md"
            roles = ["movement_detector"]
            [movement_detector]
            method = ["ra"]
            """, 3, 10, "role 'movement_detector' needs role 'mobile_node'");
        yield return Case("unknown link kind", Correspondent + "\n[[interface]]\nname = \"lo\"\nlink = \"wifi\"", 8, 8, "key 'link' must be one of home, foreign, mobile_network, backbone; not 'wifi'");
        yield return Case("unknown mode", MobileRouter + "\nmode = \"auto\"", 17, 8, "key 'mode' must be one of explicit, implicit; not 'auto'");
        yield return Case("unknown method", WithDetector("method = [\"link\", \"gps\"]"), 12, 19, "key 'method' lists 'gps'; each entry must be one of link, ra, nud, dna");
        yield return Case("method twice", WithDetector("method = [\"ra\", \"ra\"]"), 12, 17, "key 'method' lists 'ra' twice");
        yield return Case("method not a list", WithDetector("method = \"nud\""), 12, 10, "key 'method' must be an array, found");
        yield return Case("no method", WithDetector("method = []"), 11, 2, "key 'method' is empty");
        yield return Case("bad interface name", Correspondent + "\n[[interface]]\nname = \"a/b\"\nlink = \"home\"", 7, 8, "'a/b' is not an interface name");
        yield return Case("duplicate interface", MobileNode + "\n[[interface]]\nname = \"mn0\"\nlink = \"home\"", 12, 8, "duplicate interface 'mn0' (first declared at line 5)");
        yield return Case("undeclared egress interface", MobileNode.Replace("[\"mn0\"]", "[\"mn1\"]", StringComparison.Ordinal), 10, 15, "interface 'mn1' in [mobile_node] interfaces is not declared in [[interface]]");
        yield return Case("undeclared ingress interface", MobileRouter.Replace("[\"mr1\"]", "[\"mr2\"]", StringComparison.Ordinal), 16, 12, "interface 'mr2' in [mobile_router] ingress is not declared in [[interface]]");
        yield return Case("ingress not a mobile network link", MobileRouter.Replace("[\"mr1\"]", "[\"mn0\"]", StringComparison.Ordinal), 16, 12, "interface 'mn0' in [mobile_router] ingress has link = \"foreign\"; ingress interfaces must have link = \"mobile_network\"");
        yield return Case("egress on the mobile network link", MobileRouter.Replace("interfaces = [\"mn0\"]", "interfaces = [\"mr1\"]", StringComparison.Ordinal), 13, 15, "a mobile node's egress cannot be a mobile network link");
        yield return Case("egress listed twice", MobileNode.Replace("[\"mn0\"]", "[\"mn0\", \"mn0\"]", StringComparison.Ordinal), 10, 22, "interface 'mn0' is listed twice");
        yield return Case("mobile network prefix overlapping the home prefix", MobileRouter.Replace("2001:db8:1:100::/56", "2001:db8:1::/48", StringComparison.Ordinal), 15, 13, "mobile network prefix 2001:db8:1::/48 overlaps the home prefix 2001:db8:1::/64 of [mobile_node]");
        yield return Case("overlapping mobile network prefixes", MobileRouter.Replace("[\"2001:db8:1:100::/56\"]", "[\"2001:db8:1:100::/56\", \"2001:db8:1:100::/64\"]", StringComparison.Ordinal), 15, 36, "prefix 2001:db8:1:100::/64 overlaps 2001:db8:1:100::/56");
        yield return Case("explicit mode without prefixes", MobileRouter.Replace("prefixes = [\"2001:db8:1:100::/56\"]\n", "", StringComparison.Ordinal), 14, 2, "missing key 'prefixes' in [mobile_router]");
        yield return Case("home agent outside the home prefix", MobileNode.Replace("\"2001:db8:1::1\"", "\"2001:db8:2::1\"", StringComparison.Ordinal), 9, 14, "home agent 2001:db8:2::1 is outside the home prefix 2001:db8:1::/64");
        yield return Case("home agent address outside its prefix", HomeAgent.Replace("\"2001:db8:1::1\"", "\"2001:db8:2::1\"", StringComparison.Ordinal), 8, 11, "home agent address 2001:db8:2::1 is outside its home prefix 2001:db8:1::/64");
        yield return Case("home agent without a home link", HomeAgent.Replace("link = \"home\"", "link = \"backbone\"", StringComparison.Ordinal), 7, 2, "[home_agent] needs an [[interface]] with link = \"home\"");
        yield return Case("authorized node without authentication", HomeAgent + "\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::100\"", 11, 16, "mobile node 2001:db8:1::100 has no spi and key: RFC 4285 authentication is required");
        yield return Case("authentication other than none", HomeAgent + "\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::100\"\nauthentication = \"off\"", 12, 18, "key 'authentication' in [[home_agent.mobile_node]] takes only \"none\"");
        yield return Case("authentication none with a key", HomeAgent + "\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::100\"\nspi = 300\nkey = \"00\"\nauthentication = \"none\"", 14, 18, "authentication = \"none\" contradicts the entry's spi and key");
        yield return Case("authorized home address outside the prefix", HomeAgent + "\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:2::100\"", 11, 16, "home address 2001:db8:2::100 is outside the home agent's prefix 2001:db8:1::/64");
        yield return Case("authorized home address twice", HomeAgent + "\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::100\"\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::100\"", 13, 16, "home address 2001:db8:1::100 is authorized twice (first at line 11)");
        yield return Case("authorized prefix overlapping the home link", HomeAgent + "\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::100\"\nprefixes = [\"2001:db8:1::/56\"]", 12, 13, "mobile network prefix 2001:db8:1::/56 overlaps the home link's prefix 2001:db8:1::/64");
        yield return Case("two routers claiming one prefix", HomeAgent + "\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::100\"\nprefixes = [\"2001:db8:1:100::/56\"]\n[[home_agent.mobile_node]]\nhome_address = \"2001:db8:1::200\"\nprefixes = [\"2001:db8:1:180::/57\"]", 15, 13, "overlaps 2001:db8:1:100::/56 of another entry (line 12)");
        yield return Case("listen without a port", Correspondent + "\n[status]\nlisten = \"127.0.0.1\"", 7, 10, "'127.0.0.1' is not an ip:port listen address");
        yield return Case("listen with IPv6 outside brackets", Correspondent + "\n[status]\nlisten = \"::1:8780\"", 7, 10, "'::1:8780' is not an ip:port listen address");
        yield return Case("listen port 0", Correspondent + "\n[status]\nlisten = \"[::1]:0\"", 7, 10, "'[::1]:0' is not an ip:port listen address");
        yield return Case("listen not a string", Correspondent + "\n[status]\nlisten = 8780", 7, 10, "key 'listen' must be a string");
        yield return Case("plugins without a directory", Correspondent + "\n[plugins]", 6, 2, "missing key 'directory' in [plugins]");
        yield return Case("syntax error: unterminated string", Correspondent.Replace("\"cn\"", "\"cn", StringComparison.Ordinal), 2, 11, "Invalid newline in a string", -1);
        yield return Case("syntax error: missing value", Correspondent.Replace("= true", "=", StringComparison.Ordinal), 5, 21, "", -1);
        yield return Case("syntax error: unclosed header", Correspondent.Replace("[correspondent_node]", "[correspondent_node", StringComparison.Ordinal), 4, 20, "", -1);
        yield return Case("TOML error: key defined twice", Correspondent + "\nroute_optimization = false", 6, 1, "already defined");
        yield return Case("TOML error: table defined twice", Correspondent + "\n[node]", 6, 1, "already defined");
    }

    private static string WithStateDirectory(string value) =>
        Correspondent.Replace("roles = [\"correspondent_node\"]", "roles = [\"correspondent_node\"]\nstate_directory = " + value, StringComparison.Ordinal);

    private static string WithDetector(string method) =>
        MobileNode.Replace("[\"mobile_node\"]", "[\"mobile_node\", \"movement_detector\"]", StringComparison.Ordinal) + "\n[movement_detector]\n" + method;

    private static TestCaseData Case(string name, string text, int line, int column, string fragment, int count = 1) =>
        new TestCaseData(text, line, column, fragment, count).SetName("Broken profile: " + name);

    /// <param name="count">How many errors the file has in all; -1 when Tomlyn decides (syntax errors).</param>
    [TestCaseSource(nameof(Cases))]
    public void Reports_the_error_at_its_position(string text, int line, int column, string fragment, int count)
    {
        var result = ProfileLoader.Parse(text, File);
        var printed = string.Join("\n", result.Errors);

        Assert.That(result.Profile, Is.Null);
        Assert.That(result.Errors, Has.Some.Matches<ProfileError>(e => e.Line == line && e.Column == column && e.Message.Contains(fragment, StringComparison.Ordinal)),
            $"expected {File}:{line}:{column}: ...{fragment}... among:\n{printed}");
        Assert.That(result.Errors.All(e => e.File == File), Is.True);
        if (count >= 0)
        {
            Assert.That(result.Errors, Has.Count.EqualTo(count), printed);
        }
    }
}
