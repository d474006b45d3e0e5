using System.Runtime.InteropServices;

namespace Csrun.Runtime.Linux;

/// <summary>
/// The fd-based mount API (open_tree, mount_setattr, move_mount): what recursive mount
/// attributes and id-mapped mounts are made with. Every call works on fds, never on a path
/// the container could change, and its errors carry the call, what it acted on and the errno.
/// </summary>
public static unsafe class MountApi
{
    private const long SYS_open_tree = 428, SYS_move_mount = 429;
    private const uint OPEN_TREE_CLONE = 1, MOVE_MOUNT_F_EMPTY_PATH = 0x4, MOVE_MOUNT_T_EMPTY_PATH = 0x40;
    private const int AT_RECURSIVE = 0x8000;

    [StructLayout(LayoutKind.Sequential)]
    private struct MountAttr
    {
        public ulong AttrSet, AttrClr, Propagation, UsernsFd;
    }

    /// <summary>A detached copy of the mount at <paramref name="path"/> (with its submounts when
    /// <paramref name="recursive"/>), close-on-exec.</summary>
    public static int OpenTreeClone(string path, bool recursive, string what)
    {
        uint flags = OPEN_TREE_CLONE | K.O_CLOEXEC | (recursive ? (uint)AT_RECURSIVE : 0);
        fixed (byte* p = Sys.Z(path))
        {
            long fd = Native.Syscall(SYS_open_tree, K.AT_FDCWD, (long)p, flags, 0, 0, 0);
            if (fd < 0) throw new SyscallException("open_tree", $"{path} ({what}, OPEN_TREE_CLONE{(recursive ? "|AT_RECURSIVE" : "")})", Sys.LastErrno);
            return (int)fd;
        }
    }

    /// <summary>mount_setattr(2) on the mount an fd refers to (and below it when
    /// <paramref name="recursive"/>); <paramref name="usernsFd"/> goes with MOUNT_ATTR_IDMAP.</summary>
    public static void SetAttributes(int fd, ulong set, ulong clear, bool recursive, string shown, int usernsFd = 0)
    {
        var attr = new MountAttr { AttrSet = set, AttrClr = clear, UsernsFd = (ulong)usernsFd };
        int flags = K.AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
        fixed (byte* empty = Sys.Z(""))
        {
            if (Native.Syscall(Native.SYS_mount_setattr, fd, (long)empty, flags, (long)&attr, sizeof(MountAttr), 0) < 0)
                throw new SyscallException("mount_setattr", $"{shown} (set 0x{set:x}, clear 0x{clear:x}{(recursive ? ", AT_RECURSIVE" : "")})", Sys.LastErrno);
        }
    }

    /// <summary>Attaches the detached mount <paramref name="fromFd"/> on exactly the file
    /// <paramref name="toFd"/> refers to.</summary>
    public static void MoveOnto(int fromFd, int toFd, string shown)
    {
        fixed (byte* empty = Sys.Z(""))
        {
            if (Native.Syscall(SYS_move_mount, fromFd, (long)empty, toFd, (long)empty, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH, 0) < 0)
                throw new SyscallException("move_mount", shown, Sys.LastErrno);
        }
    }
}
