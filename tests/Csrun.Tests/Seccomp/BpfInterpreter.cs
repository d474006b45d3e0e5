using System.Buffers.Binary;
using Csrun.Runtime.Seccomp;
using Xunit;

namespace Csrun.Tests.Seccomp;

/// <summary>
/// Runs a seccomp cBPF program the way the kernel would, for the tests. It knows only the
/// instructions the compiler is meant to emit (ld [k], and #k, ja, jeq/jgt/jge/jset #k, ret #k)
/// and fails the test on anything else, on a load outside seccomp_data or unaligned, on a jump
/// out of the program, and on running off its end.
/// </summary>
public static class BpfInterpreter
{
    private const ushort Ld = 0x20, And = 0x54, Ja = 0x05, Jeq = 0x15, Jgt = 0x25, Jge = 0x35, Jset = 0x45, Ret = 0x06;
    private const int SeccompDataSize = 64;

    /// <summary>What the kernel's seccomp_check_filter and bpf_check_classic look at before loading.</summary>
    public static void Check(SockFilter[] program)
    {
        if (program.Length is 0 or > 4096)
            Assert.Fail($"program length {program.Length} is outside 1..4096");
        for (int pc = 0; pc < program.Length; pc++)
        {
            SockFilter ins = program[pc];
            switch (ins.Code)
            {
                case Ld:
                    if (ins.K >= SeccompDataSize || (ins.K & 3) != 0)
                        Assert.Fail($"[{pc}] ld [{ins.K}] is not an aligned word of seccomp_data");
                    break;
                case And:
                case Ret:
                    break;
                case Ja:
                    if ((ulong)pc + 1 + ins.K >= (ulong)program.Length)
                        Assert.Fail($"[{pc}] ja +{ins.K} leaves the program");
                    break;
                case Jeq:
                case Jgt:
                case Jge:
                case Jset:
                    if (pc + 1 + ins.Jt >= program.Length || pc + 1 + ins.Jf >= program.Length)
                        Assert.Fail($"[{pc}] jump +{ins.Jt}/+{ins.Jf} leaves the program");
                    break;
                default:
                    Assert.Fail($"[{pc}] opcode 0x{ins.Code:x2} is not one the compiler should emit");
                    break;
            }
        }
        if (program[^1].Code != Ret)
            Assert.Fail("the last instruction is not a ret");
    }

    /// <summary>The filter's return value for one syscall.</summary>
    public static uint Run(SockFilter[] program, uint arch, uint nr, params ulong[] args)
    {
        Span<byte> data = stackalloc byte[SeccompDataSize];
        data.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(data, nr);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], arch);
        for (int i = 0; i < args.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(data[(16 + 8 * i)..], args[i]);

        uint a = 0;
        int pc = 0;
        while (true)
        {
            if (pc >= program.Length)
                Assert.Fail($"ran off the end of the program (pc {pc})");
            SockFilter ins = program[pc];
            switch (ins.Code)
            {
                case Ld:
                    if (ins.K >= SeccompDataSize || (ins.K & 3) != 0)
                        Assert.Fail($"[{pc}] ld [{ins.K}] outside seccomp_data");
                    a = BinaryPrimitives.ReadUInt32LittleEndian(data[(int)ins.K..]);
                    pc++;
                    break;
                case And:
                    a &= ins.K;
                    pc++;
                    break;
                case Ja:
                    pc = checked(pc + 1 + (int)ins.K);
                    break;
                case Jeq:
                    pc += 1 + (a == ins.K ? ins.Jt : ins.Jf);
                    break;
                case Jgt:
                    pc += 1 + (a > ins.K ? ins.Jt : ins.Jf);
                    break;
                case Jge:
                    pc += 1 + (a >= ins.K ? ins.Jt : ins.Jf);
                    break;
                case Jset:
                    pc += 1 + ((a & ins.K) != 0 ? ins.Jt : ins.Jf);
                    break;
                case Ret:
                    return ins.K;
                default:
                    Assert.Fail($"[{pc}] unsupported opcode 0x{ins.Code:x2}");
                    return 0;
            }
        }
    }

    /// <summary>One line per instruction, jump targets as absolute indexes, for failure messages.</summary>
    public static string Disassemble(SockFilter[] program)
    {
        var text = new System.Text.StringBuilder();
        for (int pc = 0; pc < program.Length; pc++)
        {
            SockFilter ins = program[pc];
            string name = ins.Code switch
            {
                Ld => $"ld [{ins.K}]",
                And => $"and #0x{ins.K:x}",
                Ja => $"ja {pc + 1 + ins.K}",
                Jeq => $"jeq #0x{ins.K:x} {pc + 1 + ins.Jt} {pc + 1 + ins.Jf}",
                Jgt => $"jgt #0x{ins.K:x} {pc + 1 + ins.Jt} {pc + 1 + ins.Jf}",
                Jge => $"jge #0x{ins.K:x} {pc + 1 + ins.Jt} {pc + 1 + ins.Jf}",
                Jset => $"jset #0x{ins.K:x} {pc + 1 + ins.Jt} {pc + 1 + ins.Jf}",
                Ret => $"ret #0x{ins.K:x8}",
                _ => $"?? 0x{ins.Code:x2}",
            };
            text.Append(pc.ToString().PadLeft(4)).Append(": ").AppendLine(name);
        }
        return text.ToString();
    }
}
