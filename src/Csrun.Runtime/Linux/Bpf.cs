using System.Text;

namespace Csrun.Runtime.Linux;

/// <summary>bpf(2) for cgroup v2 device programs: load, then attach to a cgroup directory.</summary>
public static unsafe class Bpf
{
    private const long SYS_bpf = 321;
    private const int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8;
    private const uint BPF_PROG_TYPE_CGROUP_DEVICE = 15, BPF_CGROUP_DEVICE = 6, BPF_F_ALLOW_MULTI = 2;

    public static void AttachDeviceProgram(ulong[] program, string cgroupDir)
    {
        byte* attr = stackalloc byte[128];
        byte* log = stackalloc byte[4096];
        int progFd;
        fixed (ulong* insns = program)
        fixed (byte* license = "Apache\0"u8)
        {
            new Span<byte>(attr, 128).Clear();
            *(uint*)(attr + 0) = BPF_PROG_TYPE_CGROUP_DEVICE;
            *(uint*)(attr + 4) = (uint)program.Length;
            *(ulong*)(attr + 8) = (ulong)insns;
            *(ulong*)(attr + 16) = (ulong)license;
            *(uint*)(attr + 24) = 1;         // log_level: tell us why on failure
            *(uint*)(attr + 28) = 4096;
            *(ulong*)(attr + 32) = (ulong)log;
            log[0] = 0;
            progFd = (int)Native.Syscall(SYS_bpf, BPF_PROG_LOAD, (long)attr, 128, 0, 0, 0);
            if (progFd < 0)
            {
                int errno = Sys.LastErrno;
                string verifier = Encoding.UTF8.GetString(log, new ReadOnlySpan<byte>(log, 4096).IndexOf((byte)0) is int n and >= 0 ? n : 0).Trim().Replace('\n', ' ');
                throw new SyscallException("bpf(BPF_PROG_LOAD)", $"device filter for {cgroupDir}{(verifier.Length > 0 ? " (" + verifier + ")" : "")}", errno);
            }
        }
        int cgroupFd = -1;
        try
        {
            cgroupFd = Sys.Open(cgroupDir, K.O_RDONLY | K.O_DIRECTORY);
            new Span<byte>(attr, 128).Clear();
            *(uint*)(attr + 0) = (uint)cgroupFd;
            *(uint*)(attr + 4) = (uint)progFd;
            *(uint*)(attr + 8) = BPF_CGROUP_DEVICE;
            *(uint*)(attr + 12) = BPF_F_ALLOW_MULTI;
            if (Native.Syscall(SYS_bpf, BPF_PROG_ATTACH, (long)attr, 128, 0, 0, 0) < 0)
                throw Sys.Fail("bpf(BPF_PROG_ATTACH)", cgroupDir);
        }
        finally
        {
            // The attachment holds the program: it lives as long as the cgroup.
            Native.Close(progFd);
            Sys.Close(cgroupFd);
        }
    }
}
