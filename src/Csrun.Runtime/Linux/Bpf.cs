using System.Text;

namespace Csrun.Runtime.Linux;

/// <summary>bpf(2) for cgroup v2 device programs: load, then attach to a cgroup directory.</summary>
public static unsafe class Bpf
{
    private const long SYS_bpf = 321;
    private const int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8;
    private const uint BPF_PROG_TYPE_CGROUP_DEVICE = 15, BPF_CGROUP_DEVICE = 6, BPF_F_ALLOW_MULTI = 2;

    private static int Load(ulong[] program, byte* attr, byte* log, int logSize)
    {
        fixed (ulong* insns = program)
        fixed (byte* license = "Apache\0"u8)
        {
            new Span<byte>(attr, 128).Clear();
            *(uint*)(attr + 0) = BPF_PROG_TYPE_CGROUP_DEVICE;
            *(uint*)(attr + 4) = (uint)program.Length;
            *(ulong*)(attr + 8) = (ulong)insns;
            *(ulong*)(attr + 16) = (ulong)license;
            if (log is not null)
            {
                *(uint*)(attr + 24) = 1;
                *(uint*)(attr + 28) = (uint)logSize;
                *(ulong*)(attr + 32) = (ulong)log;
            }
            return (int)Native.Syscall(SYS_bpf, BPF_PROG_LOAD, (long)attr, 128, 0, 0, 0);
        }
    }

    public static void AttachDeviceProgram(ulong[] program, string cgroupDir)
    {
        byte* attr = stackalloc byte[128];
        int progFd = Load(program, attr, null, 0);
        if (progFd < 0)
        {
            // Again with the verifier's log, only to say why: with a log, a long program can
            // overflow the buffer and fail with ENOSPC, so the first load runs without one.
            int errno = Sys.LastErrno;
            byte[] log = new byte[65536];
            fixed (byte* l = log) Load(program, attr, l, log.Length);
            int end = Array.IndexOf(log, (byte)0);
            string verifier = Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end).Trim();
            string last = verifier.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            throw new SyscallException("bpf(BPF_PROG_LOAD)", $"device filter for {cgroupDir}{(last.Length > 0 ? " (verifier: " + last + ")" : "")}", errno);
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
