namespace Csrun.Runtime.Linux;

/// <summary>
/// A sealed, in-memory copy of the running csrun binary. Container-side csrun processes are
/// exec'd from it, so /proc/PID/exe inside a container never leads to the host binary
/// (CVE-2019-5736): the memfd cannot be written, grown or shrunk, and has no path on the host.
/// </summary>
public static unsafe class SealedExecutable
{
    /// <summary>True when this process runs from a sealed copy (its exe refuses writes).</summary>
    public static bool RunningSealed()
    {
        int fd = Sys.TryOpen("/proc/self/exe", K.O_RDONLY, out _);
        if (fd < 0) return false;
        try
        {
            int seals = Native.Fcntl(fd, K.F_GET_SEALS, 0);
            return seals >= 0 && (seals & K.F_SEAL_WRITE) != 0;
        }
        finally { Native.Close(fd); }
    }

    /// <summary>
    /// Re-executes this process, with the same arguments and environment, from a sealed copy
    /// of itself, unless it already runs from one. `exec` does this first: its children join
    /// the container before they exec, and a container process that opened their
    /// /proc/PID/exe (non-dumpable stops that, unless the container holds CAP_SYS_PTRACE)
    /// would find only the sealed copy, never the host binary.
    /// </summary>
    public static void ReexecSealedIfNeeded()
    {
        if (RunningSealed()) return;
        byte[][] argv = SplitNul(File.ReadAllBytes("/proc/self/cmdline"));
        byte[][] envp = SplitNul(File.ReadAllBytes("/proc/self/environ"));
        int memfd = Create();
        using var arena = new NativeArena();
        byte** a = (byte**)arena.Alloc(sizeof(byte*) * (argv.Length + 1));
        byte** e = (byte**)arena.Alloc(sizeof(byte*) * (envp.Length + 1));
        for (int i = 0; i < argv.Length; i++) a[i] = Copy(arena, argv[i]);
        for (int i = 0; i < envp.Length; i++) e[i] = Copy(arena, envp[i]);
        byte empty = 0;
        Native.Syscall(Native.SYS_execveat, memfd, (long)&empty, (long)a, (long)e, K.AT_EMPTY_PATH, 0);
        var error = Sys.Fail("execveat", "memfd:csrun (exec runs from a sealed copy of csrun)");
        Native.Close(memfd);
        throw error;
    }

    private static byte[][] SplitNul(byte[] data)
    {
        var parts = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != 0) continue;
            parts.Add(data[start..i]);
            start = i + 1;
        }
        if (start < data.Length) parts.Add(data[start..]);
        return parts.ToArray();
    }

    private static byte* Copy(NativeArena arena, byte[] s)
    {
        byte* p = (byte*)arena.Alloc(s.Length + 1);
        s.CopyTo(new Span<byte>(p, s.Length));
        p[s.Length] = 0;
        return p;
    }

    public static int Create()
    {
        int src = Sys.Open("/proc/self/exe", K.O_RDONLY);
        try
        {
            int memfd;
            fixed (byte* name = "csrun\0"u8)
                memfd = Native.MemfdCreate(name, K.MFD_CLOEXEC | K.MFD_ALLOW_SEALING);
            if (memfd < 0) throw Sys.Fail("memfd_create", "csrun");
            try
            {
                while (true)
                {
                    nint n = Native.SendFile(memfd, src, null, 1 << 30);
                    if (n == 0) break;
                    if (n < 0)
                    {
                        if (Sys.LastErrno == Errno.EINTR) continue;
                        throw Sys.Fail("sendfile", "/proc/self/exe");
                    }
                }
                int seals = K.F_SEAL_SEAL | K.F_SEAL_SHRINK | K.F_SEAL_GROW | K.F_SEAL_WRITE;
                if (Native.Fcntl(memfd, K.F_ADD_SEALS, seals) < 0) throw Sys.Fail("fcntl(F_ADD_SEALS)", "memfd:csrun");
                return memfd;
            }
            catch
            {
                Native.Close(memfd);
                throw;
            }
        }
        finally
        {
            Native.Close(src);
        }
    }
}
