using System.Runtime.InteropServices;

namespace Csrun.Runtime.Linux;

/// <summary>clone3(2): the way csrun starts container processes, in all their new namespaces at once.</summary>
public static unsafe class Clone3
{
    [StructLayout(LayoutKind.Sequential)]
    private struct CloneArgs
    {
        public ulong Flags, PidFd, ChildTid, ParentTid, ExitSignal, Stack, StackSize, Tls, SetTid, SetTidSize, Cgroup;
    }

    /// <summary>
    /// Forks with clone3. Returns 0 in the child (which must then make raw system calls only and
    /// exec or _exit), and the child's pid in the parent together with a pidfd.
    /// </summary>
    public static int Clone(ulong flags, int cgroupFd, out int pidfd)
    {
        int pidfdValue = -1;
        var args = new CloneArgs
        {
            Flags = flags | K.CLONE_PIDFD | (cgroupFd >= 0 ? K.CLONE_INTO_CGROUP : 0),
            PidFd = (ulong)(nint)(&pidfdValue),
            ExitSignal = K.SIGCHLD,
            Cgroup = cgroupFd >= 0 ? (ulong)cgroupFd : 0,
        };
        long pid = RawNative.Syscall(Native.SYS_clone3, (long)&args, sizeof(CloneArgs), 0, 0, 0, 0);
        if (pid < 0)
        {
            int errno = RawNative.Errno;
            throw new SyscallException("clone3", DescribeFlags(flags), errno);
        }
        pidfd = pidfdValue;
        return (int)pid;
    }

    public static string DescribeFlags(ulong flags)
    {
        var names = new List<string>();
        if ((flags & K.CLONE_NEWUSER) != 0) names.Add("user");
        if ((flags & K.CLONE_NEWPID) != 0) names.Add("pid");
        if ((flags & K.CLONE_NEWNS) != 0) names.Add("mount");
        if ((flags & K.CLONE_NEWNET) != 0) names.Add("network");
        if ((flags & K.CLONE_NEWIPC) != 0) names.Add("ipc");
        if ((flags & K.CLONE_NEWUTS) != 0) names.Add("uts");
        if ((flags & K.CLONE_NEWCGROUP) != 0) names.Add("cgroup");
        if ((flags & K.CLONE_NEWTIME) != 0) names.Add("time");
        return names.Count == 0 ? "(no new namespaces)" : "(new namespaces: " + string.Join(",", names) + ")";
    }
}
