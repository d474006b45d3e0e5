namespace Csrun.Runtime.Seccomp;

/// <summary>
/// The classic BPF opcodes the seccomp compiler emits (linux/bpf_common.h): the kernel's seccomp
/// checker accepts a few more, but these are all a filter over seccomp_data needs.
/// </summary>
internal static class BpfOpcodes
{
    /// <summary>BPF_LD | BPF_W | BPF_ABS: A = 32-bit word of seccomp_data at offset K.</summary>
    public const ushort LoadWordAbsolute = 0x20;

    /// <summary>BPF_ALU | BPF_AND | BPF_K: A &amp;= K.</summary>
    public const ushort AndConstant = 0x54;

    /// <summary>BPF_JMP | BPF_JA: unconditional, with a 32-bit forward offset in K.</summary>
    public const ushort JumpAlways = 0x05;

    /// <summary>BPF_JMP | BPF_JEQ | BPF_K.</summary>
    public const ushort JumpIfEqual = 0x15;

    /// <summary>BPF_JMP | BPF_JGT | BPF_K (unsigned).</summary>
    public const ushort JumpIfGreater = 0x25;

    /// <summary>BPF_JMP | BPF_JGE | BPF_K (unsigned).</summary>
    public const ushort JumpIfGreaterOrEqual = 0x35;

    /// <summary>BPF_JMP | BPF_JSET | BPF_K: taken when A &amp; K is non-zero.</summary>
    public const ushort JumpIfAnySet = 0x45;

    /// <summary>BPF_RET | BPF_K: the filter's verdict.</summary>
    public const ushort ReturnConstant = 0x06;

    /// <summary>The kernel refuses longer programs (BPF_MAXINSNS).</summary>
    public const int MaxInstructions = 4096;

    /// <summary>jt/jf are 8-bit: a conditional jump reaches at most this many instructions ahead.</summary>
    public const int MaxConditionalOffset = 255;

    public static bool IsConditionalJump(ushort code) =>
        code is JumpIfEqual or JumpIfGreater or JumpIfGreaterOrEqual or JumpIfAnySet;
}
