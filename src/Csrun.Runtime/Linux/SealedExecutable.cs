namespace Csrun.Runtime.Linux;

/// <summary>
/// A handle on the running csrun binary that container-side csrun processes are exec'd from,
/// such that /proc/PID/exe inside a container never leads to a writable host binary
/// (CVE-2019-5736).
///
/// First choice (root, Linux 5.2+): the binary seen through a private, detached, read-only
/// overlayfs mount whose layers are all lower layers (the binary's directory over an empty
/// one). An overlay without an upper layer refuses every write, the mount has no path on the
/// host or in the container, and nothing is copied: init runs from the host binary's page
/// cache. (runc 1.2 protects its binary the same way.) Anything unexpected on that path, and
/// any failure, falls back to the second choice: a sealed memfd copy of the binary (5.5 MB
/// copied per create: no write, grow or shrink, no path).
/// </summary>
public static unsafe class SealedExecutable
{
    private const long SYS_fsopen = 430, SYS_fsconfig = 431, SYS_fsmount = 432;
    private const int FSOPEN_CLOEXEC = 1, FSCONFIG_SET_STRING = 1, FSCONFIG_CMD_CREATE = 6, FSMOUNT_CLOEXEC = 1;
    private const long MOUNT_ATTR_RDONLY = 1, MOUNT_ATTR_NOSUID = 2, MOUNT_ATTR_NODEV = 4;

    /// <summary>An fd init can be execveat(AT_EMPTY_PATH)'d from. <paramref name="emptyDir"/>:
    /// an existing directory not containing the binary's directory (nor inside it), e.g. the
    /// container's state dir; it is the overlay's bottom layer.</summary>
    public static int Create(string? emptyDir = null)
    {
        if (emptyDir is not null && Environment.GetEnvironmentVariable("_CSRUN_SEALED_COPY") != "1")
        {
            int fd = TryOverlay(emptyDir);
            if (fd >= 0) return fd;
        }
        return CopyToMemfd();
    }

    /// <summary>How the last <see cref="Create"/> protected the binary ("overlay" or "memfd"), for --debug.</summary>
    public static string LastKind { get; private set; } = "";

    private static int TryOverlay(string emptyDir)
    {
        string exe;
        try { exe = File.ResolveLinkTarget("/proc/self/exe", returnFinalTarget: false)?.FullName ?? ""; }
        catch (IOException) { return -1; }
        // A deleted or replaced binary reads as "... (deleted)": only a plain, present path will do.
        if (exe.Length == 0 || !exe.StartsWith('/') || exe.EndsWith(" (deleted)")) return -1;
        string dir = Path.GetDirectoryName(exe)!, name = Path.GetFileName(exe);
        if (name.Length == 0 || dir.Length == 0) return -1;

        int ctx = -1, mnt = -1, exeFd = -1;
        try
        {
            fixed (byte* fsName = "overlay\0"u8)
                ctx = (int)Native.Syscall(SYS_fsopen, (long)fsName, FSOPEN_CLOEXEC, 0, 0, 0, 0);
            if (ctx < 0) return -1;
            // The binary's directory on top, so nothing in the empty layer can shadow it.
            if (!SetString(ctx, "lowerdir", EscapeLayer(dir) + ":" + EscapeLayer(emptyDir))) return -1;
            SetString(ctx, "xino", "off"); // only to keep dmesg quiet; older kernels may refuse it
            if (Native.Syscall(SYS_fsconfig, ctx, FSCONFIG_CMD_CREATE, 0, 0, 0, 0) < 0) return -1;
            mnt = (int)Native.Syscall(SYS_fsmount, ctx, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0, 0);
            if (mnt < 0) return -1;
            fixed (byte* p = Sys.Z(name))
                exeFd = Native.OpenAt(mnt, p, K.O_PATH | K.O_NOFOLLOW | K.O_CLOEXEC, 0);
            if (exeFd < 0) return -1;
            if (!SameSizeRegularFile(exeFd) || WritableThroughProc(exeFd))
            {
                Native.Close(exeFd);
                exeFd = -1;
                return -1;
            }
            LastKind = "overlay";
            int result = exeFd;
            exeFd = -1;
            return result;
        }
        finally
        {
            if (exeFd >= 0) Native.Close(exeFd);
            if (mnt >= 0) Native.Close(mnt);
            if (ctx >= 0) Native.Close(ctx);
        }
    }

    private static bool SetString(int ctx, string key, string value)
    {
        fixed (byte* k = Sys.Z(key))
        fixed (byte* v = Sys.Z(value))
            return Native.Syscall(SYS_fsconfig, ctx, FSCONFIG_SET_STRING, (long)k, (long)v, 0, 0) == 0;
    }

    /// <summary>overlayfs splits lowerdir at ':' and takes '\' as an escape.</summary>
    private static string EscapeLayer(string path) => path.Replace("\\", "\\\\").Replace(":", "\\:");

    /// <summary>The overlay shows the file csrun runs from: a regular file of the same size.</summary>
    private static bool SameSizeRegularFile(int fd)
    {
        long a = FileSize(fd, out bool regular);
        if (!regular || a <= 0) return false;
        int self;
        fixed (byte* p = "/proc/self/exe\0"u8)
            self = Native.Open(p, K.O_PATH | K.O_CLOEXEC, 0);
        if (self < 0) return false;
        try { return FileSize(self, out bool r) == a && r; }
        finally { Native.Close(self); }
    }

    private static long FileSize(int fd, out bool regular)
    {
        // struct statx: stx_mode at offset 28 (u16), stx_size at offset 40 (u64).
        byte* buf = stackalloc byte[256];
        const int STATX_TYPE = 1, STATX_SIZE = 0x200;
        fixed (byte* empty = "\0"u8)
        {
            if (Native.Syscall(332 /* statx */, fd, (long)empty, K.AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, (long)buf, 0) < 0)
            {
                regular = false;
                return -1;
            }
        }
        regular = (*(ushort*)(buf + 28) & 0xf000) == 0x8000;
        return *(long*)(buf + 40);
    }

    /// <summary>The whole point: opening the file for writing must fail (EROFS). If it somehow
    /// works, the overlay is not used.</summary>
    private static bool WritableThroughProc(int fd)
    {
        int w;
        fixed (byte* p = Sys.Z($"/proc/self/fd/{fd}"))
            w = Native.Open(p, K.O_WRONLY | K.O_CLOEXEC, 0);
        if (w < 0) return false;
        Native.Close(w);
        return true;
    }

    /// <summary>True when this process runs from a sealed copy (its exe refuses writes): a
    /// sealed memfd, or the binary seen through the detached read-only overlay.</summary>
    public static bool RunningSealed()
    {
        int fd = Sys.TryOpen("/proc/self/exe", K.O_RDONLY, out _);
        if (fd < 0) return false;
        try
        {
            int seals = Native.Fcntl(fd, K.F_GET_SEALS, 0);
            if (seals >= 0) return (seals & K.F_SEAL_WRITE) != 0;
            // A running binary refuses writers with ETXTBSY wherever it lives: only EROFS on an
            // overlay says it is csrun's read-only view.
            if (SysAt.FsType(fd, "/proc/self/exe") != OVERLAYFS_SUPER_MAGIC) return false;
            int w = Sys.TryOpen($"/proc/self/fd/{fd}", K.O_WRONLY, out int errno);
            if (w >= 0) { Native.Close(w); return false; }
            return errno == Errno.EROFS;
        }
        finally { Native.Close(fd); }
    }

    private const long OVERLAYFS_SUPER_MAGIC = 0x794c7630;

    /// <summary>
    /// Re-executes this process, with the same arguments and environment, from a sealed view
    /// of itself (<see cref="Create"/>, <paramref name="emptyDir"/> as there), unless it already
    /// runs from one. `exec` does this first: its children join the container before they
    /// exec, and a container process that opened their /proc/PID/exe (non-dumpable stops that,
    /// unless the container holds CAP_SYS_PTRACE) would find only the sealed view, never the
    /// host binary.
    /// </summary>
    public static void ReexecSealedIfNeeded(string? emptyDir)
    {
        if (RunningSealed()) return;
        byte[][] argv = SplitNul(File.ReadAllBytes("/proc/self/cmdline"));
        byte[][] envp = SplitNul(File.ReadAllBytes("/proc/self/environ"));
        int sealedFd = Create(emptyDir);
        using var arena = new NativeArena();
        byte** a = (byte**)arena.Alloc(sizeof(byte*) * (argv.Length + 1));
        byte** e = (byte**)arena.Alloc(sizeof(byte*) * (envp.Length + 1));
        for (int i = 0; i < argv.Length; i++) a[i] = Copy(arena, argv[i]);
        for (int i = 0; i < envp.Length; i++) e[i] = Copy(arena, envp[i]);
        byte empty = 0;
        Native.Syscall(Native.SYS_execveat, sealedFd, (long)&empty, (long)a, (long)e, K.AT_EMPTY_PATH, 0);
        var error = Sys.Fail("execveat", $"{LastKind} view of csrun (exec runs from a sealed csrun)");
        Native.Close(sealedFd);
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

    private static int CopyToMemfd()
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
                LastKind = "memfd";
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
