namespace Csrun.Runtime.Linux;

/// <summary>The mount flags a path's mount already has: a bind remount inside a user namespace
/// must keep the locked ones (nosuid, nodev, noexec, ro, atime) or the kernel refuses it.</summary>
internal static unsafe class StatVfs
{
    private const ulong ST_RDONLY = 1, ST_NOSUID = 2, ST_NODEV = 4, ST_NOEXEC = 8,
        ST_NOATIME = 1024, ST_NODIRATIME = 2048, ST_RELATIME = 4096;

    /// <summary>For the mount an fd is on (fstatvfs).</summary>
    public static ulong LockedFlags(int fd, string what)
    {
        byte* buf = stackalloc byte[128];
        if (Native.Fstatvfs(fd, buf) < 0) throw Sys.Fail("fstatvfs", what);
        return ToMountFlags(*(ulong*)(buf + 72));
    }

    private static ulong ToMountFlags(ulong f)
    {
        ulong flags = 0;
        if ((f & ST_RDONLY) != 0) flags |= K.MS_RDONLY;
        if ((f & ST_NOSUID) != 0) flags |= K.MS_NOSUID;
        if ((f & ST_NODEV) != 0) flags |= K.MS_NODEV;
        if ((f & ST_NOEXEC) != 0) flags |= K.MS_NOEXEC;
        if ((f & ST_NOATIME) != 0) flags |= K.MS_NOATIME;
        if ((f & ST_NODIRATIME) != 0) flags |= K.MS_NODIRATIME;
        if ((f & ST_RELATIME) != 0) flags |= K.MS_RELATIME;
        return flags;
    }
}
