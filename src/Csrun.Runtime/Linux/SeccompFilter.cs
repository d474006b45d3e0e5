namespace Csrun.Runtime.Linux;

/// <summary>seccomp(2): installs a compiled filter on the calling thread (or all threads with
/// TSYNC). The raw exec child has its own copy of this call: it may not allocate.</summary>
public static unsafe class SeccompFilter
{
    public const long SYS_seccomp = 317;
    public const int SECCOMP_SET_MODE_FILTER = 1;
    public const uint FLAG_NEW_LISTENER = 8;

    /// <summary>Returns the notify listener fd when NEW_LISTENER is in <paramref name="flags"/>, else -1.</summary>
    public static int Install(byte[] program, uint flags)
    {
        if (program.Length == 0 || program.Length % 8 != 0 || program.Length / 8 > ushort.MaxValue)
            throw new ArgumentException($"seccomp: a BPF program of {program.Length} bytes is not a whole number of instructions");
        fixed (byte* insns = program)
        {
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            byte* fprog = stackalloc byte[16];
            *(ulong*)fprog = (ulong)(program.Length / 8);
            *(ulong*)(fprog + 8) = (ulong)insns;
            long rc = Native.Syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, (long)fprog, 0, 0, 0);
            if (rc < 0)
                throw new SyscallException("seccomp(SECCOMP_SET_MODE_FILTER)", $"linux.seccomp ({program.Length / 8} instructions, flags 0x{flags:x})", Sys.LastErrno);
            return (flags & FLAG_NEW_LISTENER) != 0 ? (int)rc : -1;
        }
    }
}
