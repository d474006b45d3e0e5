using System.Runtime.InteropServices;

namespace Csrun.Runtime.Seccomp;

/// <summary>The architectures csrun has syscall tables for. x32 shares x86_64's AUDIT_ARCH
/// value: its syscalls are told apart by bit 30 of the number.</summary>
public enum SeccompArch
{
    X86_64,
    X86,
    X32,
    Aarch64,
    Arm,
    Riscv64,
}

public static class SeccompArchitectures
{
    /// <summary>x32 syscall numbers carry this bit (__X32_SYSCALL_BIT).</summary>
    public const uint X32SyscallBit = 0x40000000;

    /// <summary>AUDIT_ARCH_* (linux/audit.h): what seccomp_data.arch holds.</summary>
    public static uint AuditArch(SeccompArch arch) => arch switch
    {
        SeccompArch.X86_64 or SeccompArch.X32 => 0xC000003E,
        SeccompArch.X86 => 0x40000003,
        SeccompArch.Aarch64 => 0xC00000B7,
        SeccompArch.Arm => 0x40000028,
        SeccompArch.Riscv64 => 0xC00000F3,
        _ => throw new ArgumentOutOfRangeException(nameof(arch)),
    };

    /// <summary>Whether syscall arguments are 64 bits wide (x32 passes 64-bit registers).</summary>
    public static bool Is64Bit(SeccompArch arch) => arch is not (SeccompArch.X86 or SeccompArch.Arm);

    /// <summary>The SCMP_ARCH_* name of the spec; false for names csrun has no table for.</summary>
    public static bool TryParse(string? name, out SeccompArch arch)
    {
        switch (name)
        {
            case "SCMP_ARCH_X86_64": arch = SeccompArch.X86_64; return true;
            case "SCMP_ARCH_X86": arch = SeccompArch.X86; return true;
            case "SCMP_ARCH_X32": arch = SeccompArch.X32; return true;
            case "SCMP_ARCH_AARCH64": arch = SeccompArch.Aarch64; return true;
            case "SCMP_ARCH_ARM": arch = SeccompArch.Arm; return true;
            case "SCMP_ARCH_RISCV64": arch = SeccompArch.Riscv64; return true;
            default: arch = default; return false;
        }
    }

    public static string Name(SeccompArch arch) => arch switch
    {
        SeccompArch.X86_64 => "SCMP_ARCH_X86_64",
        SeccompArch.X86 => "SCMP_ARCH_X86",
        SeccompArch.X32 => "SCMP_ARCH_X32",
        SeccompArch.Aarch64 => "SCMP_ARCH_AARCH64",
        SeccompArch.Arm => "SCMP_ARCH_ARM",
        SeccompArch.Riscv64 => "SCMP_ARCH_RISCV64",
        _ => throw new ArgumentOutOfRangeException(nameof(arch)),
    };

    /// <summary>The architecture this process runs as: its filter section is always present.</summary>
    public static SeccompArch Native => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => SeccompArch.X86_64,
        Architecture.X86 => SeccompArch.X86,
        Architecture.Arm64 => SeccompArch.Aarch64,
        Architecture.Arm => SeccompArch.Arm,
        Architecture.RiscV64 => SeccompArch.Riscv64,
        var other => throw new PlatformNotSupportedException($"seccomp: csrun has no syscall table for {other}"),
    };
}
