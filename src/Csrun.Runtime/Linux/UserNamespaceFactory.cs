namespace Csrun.Runtime.Linux;

/// <summary>
/// A user namespace with chosen uid and gid maps, held by an fd (what MOUNT_ATTR_IDMAP takes):
/// a child is cloned into a new user namespace, waits while its maps are written, and is
/// killed and reaped once the namespace is opened; the fd keeps the namespace alive.
/// The caller must be quiet (no other thread allocating: shared/notes/aot.md), as for any clone.
/// </summary>
public static unsafe class UserNamespaceFactory
{
    private const long SYS_prctl = 157, SYS_pause = 34, SYS_getppid = 110;

    /// <summary>Returns a close-on-exec fd of a new user namespace whose uid_map and gid_map
    /// are <paramref name="uidMap"/> and <paramref name="gidMap"/> ("inside outside count" lines).</summary>
    public static int Create(string uidMap, string gidMap, string what)
    {
        int parent = Environment.ProcessId;
        int pid = Clone3.Clone(K.CLONE_NEWUSER, -1, out int pidfd);
        if (pid == 0)
        {
            // Raw system calls only. Dies with its parent; otherwise waits to be killed.
            RawNative.Syscall(SYS_prctl, K.PR_SET_PDEATHSIG, K.SIGKILL, 0, 0, 0, 0);
            if (RawNative.Syscall(SYS_getppid, 0, 0, 0, 0, 0, 0) != parent) RawNative.Exit(1);
            while (true) RawNative.Syscall(SYS_pause, 0, 0, 0, 0, 0, 0);
        }
        try
        {
            WriteMap($"/proc/{pid}/uid_map", uidMap, what);
            WriteMap($"/proc/{pid}/gid_map", gidMap, what);
            int fd = Sys.TryOpen($"/proc/{pid}/ns/user", K.O_RDONLY | K.O_CLOEXEC, out int errno);
            if (fd < 0) throw new SyscallException("open", $"/proc/{pid}/ns/user ({what})", errno);
            return fd;
        }
        finally { Sys.KillReapAndClose(pidfd); }
    }

    private static void WriteMap(string path, string map, string what)
    {
        try { Sys.WriteFile(path, map); }
        catch (SyscallException e) { throw new SyscallException("write", $"{path} ({what}: {map.Trim().Replace('\n', ',')})", e.Errno); }
    }
}
