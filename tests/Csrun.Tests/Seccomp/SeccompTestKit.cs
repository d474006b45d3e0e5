using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Xunit;

namespace Csrun.Tests.Seccomp;

/// <summary>Profiles, syscall numbers and verdicts for the compiler tests.</summary>
public static class SeccompTestKit
{
    public const uint Allow = 0x7fff0000;
    public const uint KillThread = 0;
    public const uint KillProcess = 0x80000000;
    public const uint Trap = 0x00030000;
    public const uint Log = 0x7ffc0000;
    public const uint Notify = 0x7fc00000;
    public static uint Errno(uint errno) => 0x00050000 | errno;
    public static uint Trace(uint message) => 0x7ff00000 | message;
    public static readonly uint Eperm = Errno(1);
    public static readonly uint Enosys = Errno(38);

    public const uint AuditX86_64 = 0xC000003E, AuditI386 = 0x40000003, AuditAarch64 = 0xC00000B7, AuditArm = 0x40000028;
    public const uint X32Bit = 0x40000000;

    public static readonly ulong[] Boundaries =
    [
        0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x100000000, 0x100000001,
        0x1ffffffff, 0xffffffff00000000, 0xffffffff00000001, 0x8000000000000000, ulong.MaxValue - 1, ulong.MaxValue,
    ];

    public static uint Nr(SeccompArch arch, string name)
    {
        Assert.True(SyscallTable.TryGetNumber(arch, name, out int number), $"{name} has no number on {arch}");
        return (uint)number;
    }

    public static uint Audit(SeccompArch arch) => SeccompArchitectures.AuditArch(arch);

    public static LinuxSeccomp Profile(string defaultAction, uint? defaultErrno, params LinuxSyscall[] rules) => new()
    {
        DefaultAction = defaultAction,
        DefaultErrnoRet = defaultErrno,
        Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        Syscalls = [.. rules],
    };

    public static LinuxSyscall Rule(string action, params string[] names) => new() { Names = [.. names], Action = action };

    public static LinuxSyscall Rule(string action, uint? errno, string[] names, params LinuxSeccompArg[] args) =>
        new() { Names = [.. names], Action = action, ErrnoRet = errno, Args = [.. args] };

    public static LinuxSeccompArg Arg(uint index, string op, ulong value, ulong valueTwo = 0) =>
        new() { Index = index, Op = op, Value = value, ValueTwo = valueTwo };

    /// <summary>Compiles for an x86_64 host and checks the program as the kernel would.</summary>
    public static CompiledFilter Compile(LinuxSeccomp profile, SeccompArch native = SeccompArch.X86_64)
    {
        CompiledFilter filter = SeccompCompiler.Compile(profile, native);
        BpfInterpreter.Check(filter.Program);
        return filter;
    }

    public static uint Run(CompiledFilter filter, SeccompArch arch, string name, params ulong[] args) =>
        BpfInterpreter.Run(filter.Program, Audit(arch), Nr(arch, name), args);

    public static uint RunNr(CompiledFilter filter, SeccompArch arch, uint nr, params ulong[] args) =>
        BpfInterpreter.Run(filter.Program, Audit(arch), nr, args);

    public static string Hex(uint value) => $"0x{value:x8}";
}
