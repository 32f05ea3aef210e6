using System.Runtime.InteropServices;

namespace Shisa.DataPlane.Ports;

/// <summary>One classic BPF instruction (struct sock_filter).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct ClassicBpfInstruction(ushort Code, byte JumpTrue, byte JumpFalse, uint K);

/// <summary>
/// A classic BPF program to attach to a packet socket (SO_ATTACH_FILTER) so the port only sees what it handles;
/// the kernel filters before the frame is queued, so unwanted traffic costs no system call.
/// </summary>
public sealed class ClassicBpfProgram
{
    private const ushort LoadHalfAbsolute = 0x28;  // BPF_LD | BPF_H | BPF_ABS
    private const ushort LoadByteAbsolute = 0x30;  // BPF_LD | BPF_B | BPF_ABS
    private const ushort JumpIfEqual = 0x15;       // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort Return = 0x06;            // BPF_RET | BPF_K
    private const uint AcceptWhole = 0x40000;

    private readonly ClassicBpfInstruction[] _instructions;

    public ClassicBpfProgram(ReadOnlySpan<ClassicBpfInstruction> instructions)
    {
        if (instructions.Length is 0 or > 4096)
        {
            throw new ArgumentException("A classic BPF program has 1 to 4096 instructions.", nameof(instructions));
        }

        _instructions = instructions.ToArray();
    }

    /// <summary>The pcap expression it was compiled from, if any (for logs).</summary>
    public string? Expression { get; private init; }

    public ReadOnlySpan<ClassicBpfInstruction> Instructions => _instructions;

    private const int DltRaw = 12;

    /// <summary>
    /// Compiles a pcap filter expression (tcpdump syntax, e.g. "ip6 proto 135 or ip6[40] == 134") with libpcap
    /// for the given link type.
    /// </summary>
    public static ClassicBpfProgram Compile(string expression, PortFrameKind frameKind = PortFrameKind.Ethernet)
    {
        // Bare IP: DLT_RAW as libpcap numbers it on Linux (12). LinkLayers.Raw is the pcap file format's LINKTYPE_RAW
        // (101), which pcap_open_dead refuses for compiling.
        var linkType = frameKind == PortFrameKind.Ethernet ? PacketDotNet.LinkLayers.Ethernet : (PacketDotNet.LinkLayers)DltRaw;
        using var compiled = SharpPcap.LibPcap.BpfProgram.TryCreate(linkType, expression, 1, 0xFFFFFFFF)
            ?? throw new ArgumentException($"libpcap cannot compile the filter '{expression}'.", nameof(expression));

        // struct bpf_program { u_int bf_len; struct bpf_insn *bf_insns; }, bpf_insn has sock_filter's layout.
        nint program = compiled.DangerousGetHandle();
        int length = Marshal.ReadInt32(program);
        nint instructions = Marshal.ReadIntPtr(program, IntPtr.Size);
        var copy = new ClassicBpfInstruction[length];
        for (int i = 0; i < length; i++)
        {
            copy[i] = Marshal.PtrToStructure<ClassicBpfInstruction>(instructions + (i * 8));
        }

        return new ClassicBpfProgram(copy) { Expression = expression };
    }

    /// <summary>
    /// Ethernet frames carrying IPv6 whose first next-header value is one of <paramref name="nextHeaders"/>
    /// (e.g. 135 Mobility Header, 41 IPv6-in-IPv6, 60 Destination Options, 43 Routing, 58 ICMPv6).
    /// </summary>
    public static ClassicBpfProgram Ipv6NextHeaders(params ReadOnlySpan<byte> nextHeaders)
    {
        int n = nextHeaders.Length;
        if (n is 0 or > 200)
        {
            throw new ArgumentException("Give 1 to 200 next-header values.", nameof(nextHeaders));
        }

        var code = new ClassicBpfInstruction[n + 5];
        code[0] = new(LoadHalfAbsolute, 0, 0, 12);
        code[1] = new(JumpIfEqual, 0, (byte)(n + 1), 0x86DD);
        code[2] = new(LoadByteAbsolute, 0, 0, 14 + 6);
        for (int k = 0; k < n; k++)
        {
            code[3 + k] = new(JumpIfEqual, (byte)(n - k), 0, nextHeaders[k]);
        }

        code[3 + n] = new(Return, 0, 0, 0);
        code[4 + n] = new(Return, 0, 0, AcceptWhole);
        return new ClassicBpfProgram(code) { Expression = $"ip6 first next header in {{{string.Join(", ", nextHeaders.ToArray())}}}" };
    }

    public override string ToString() => Expression ?? $"classic BPF, {_instructions.Length} instructions";
}
