using System.Text;

namespace Csrun.Runtime.Linux;

/// <summary>bpf(2) for cgroup v2 device programs: load, then attach to a cgroup directory.</summary>
public static unsafe class Bpf
{
    private const long SYS_bpf = 321;
    private const int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9, BPF_PROG_GET_FD_BY_ID = 13, BPF_PROG_QUERY = 16;
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

    /// <summary>
    /// Loads the program and makes it the cgroup's only device program: programs attached with
    /// BPF_F_ALLOW_MULTI all have to allow an access, so an update that only added one could
    /// never give access back. The new one is attached before the old ones are detached: in
    /// between both apply, which is never more permissive than either.
    /// </summary>
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
        var oldFds = new List<int>();
        try
        {
            cgroupFd = Sys.Open(cgroupDir, K.O_RDONLY | K.O_DIRECTORY);
            foreach (uint id in AttachedDevicePrograms(cgroupFd, cgroupDir))
            {
                // A program detached meanwhile (ENOENT) needs no replacing.
                int fd = ProgramFdById(id, attr);
                if (fd >= 0) oldFds.Add(fd);
                else if (Sys.LastErrno != Errno.ENOENT) throw Sys.Fail("bpf(BPF_PROG_GET_FD_BY_ID)", $"device program {id} of {cgroupDir}");
            }
            AttachOrDetach(BPF_PROG_ATTACH, cgroupFd, progFd, BPF_F_ALLOW_MULTI, attr, cgroupDir);
            foreach (int old in oldFds)
                AttachOrDetach(BPF_PROG_DETACH, cgroupFd, old, 0, attr, cgroupDir);
        }
        finally
        {
            // The attachment holds the program: it lives as long as the cgroup.
            Native.Close(progFd);
            foreach (int fd in oldFds) Native.Close(fd);
            Sys.Close(cgroupFd);
        }
    }

    private static void AttachOrDetach(int command, int cgroupFd, int progFd, uint flags, byte* attr, string cgroupDir)
    {
        new Span<byte>(attr, 128).Clear();
        *(uint*)(attr + 0) = (uint)cgroupFd;
        *(uint*)(attr + 4) = (uint)progFd;
        *(uint*)(attr + 8) = BPF_CGROUP_DEVICE;
        *(uint*)(attr + 12) = flags;
        if (Native.Syscall(SYS_bpf, command, (long)attr, 128, 0, 0, 0) == 0) return;
        // Someone else detached it first: gone is what was wanted.
        if (command == BPF_PROG_DETACH && Sys.LastErrno == Errno.ENOENT) return;
        throw Sys.Fail(command == BPF_PROG_ATTACH ? "bpf(BPF_PROG_ATTACH)" : "bpf(BPF_PROG_DETACH)", cgroupDir);
    }

    /// <summary>The ids of the device programs attached to the cgroup itself (not inherited).</summary>
    public static List<uint> AttachedDevicePrograms(int cgroupFd, string cgroupDir)
    {
        const int capacity = 64;
        uint* ids = stackalloc uint[capacity];
        byte* attr = stackalloc byte[128];
        new Span<byte>(attr, 128).Clear();
        *(uint*)(attr + 0) = (uint)cgroupFd;
        *(uint*)(attr + 4) = BPF_CGROUP_DEVICE;
        *(ulong*)(attr + 16) = (ulong)ids;
        *(uint*)(attr + 24) = capacity;
        if (Native.Syscall(SYS_bpf, BPF_PROG_QUERY, (long)attr, 128, 0, 0, 0) < 0)
            throw Sys.Fail("bpf(BPF_PROG_QUERY)", cgroupDir);
        uint count = *(uint*)(attr + 24);
        var result = new List<uint>((int)count);
        for (int i = 0; i < count && i < capacity; i++) result.Add(ids[i]);
        return result;
    }

    private static int ProgramFdById(uint id, byte* attr)
    {
        new Span<byte>(attr, 128).Clear();
        *(uint*)(attr + 0) = id;
        return (int)Native.Syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, (long)attr, 128, 0, 0, 0);
    }
}
