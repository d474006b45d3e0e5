using System.Runtime.InteropServices;

namespace Csrun.Runtime.Linux;

/// <summary>
/// libc entry points and raw system calls that Tmds.LibC lacks (see shared/notes/aot.md).
/// Everything here is safe to call from a clone child: no marshalling that allocates.
/// </summary>
internal static unsafe partial class Native
{
    // x86_64 system call numbers (asm/unistd_64.h).
    public const long SYS_capget = 125, SYS_capset = 126, SYS_pivot_root = 155, SYS_waitid = 247,
        SYS_prlimit64 = 302, SYS_setns = 308, SYS_execveat = 322, SYS_pidfd_send_signal = 424,
        SYS_pidfd_open = 434, SYS_clone3 = 435, SYS_close_range = 436, SYS_openat2 = 437,
        SYS_mount_setattr = 442, SYS_statx = 332, SYS_getcwd = 79, SYS_fchdir = 81;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, ulong a2, ulong a3, ulong a4, ulong a5);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true)]
    public static partial int Rename(byte* from, byte* to);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int dirfd, byte* path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "_exit")]
    public static partial void Exit(int status);

    [LibraryImport("libc", EntryPoint = "setresuid", SetLastError = true)]
    public static partial int SetResUid(uint r, uint e, uint s);

    [LibraryImport("libc", EntryPoint = "setresgid", SetLastError = true)]
    public static partial int SetResGid(uint r, uint e, uint s);

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    public static partial int SetGroups(nint size, uint* list);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int sig);

    [LibraryImport("libc", EntryPoint = "sendfile", SetLastError = true)]
    public static partial nint SendFile(int outFd, int inFd, long* offset, nint count);

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true)]
    public static partial int MemfdCreate(byte* name, uint flags);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true)]
    public static partial int Mount(byte* source, byte* target, byte* fstype, ulong flags, byte* data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true)]
    public static partial int Umount2(byte* target, int flags);

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);

    [LibraryImport("libc", EntryPoint = "sethostname", SetLastError = true)]
    public static partial int SetHostname(byte* name, nint len);

    [LibraryImport("libc", EntryPoint = "setdomainname", SetLastError = true)]
    public static partial int SetDomainname(byte* name, nint len);

    [LibraryImport("libc", EntryPoint = "chdir", SetLastError = true)]
    public static partial int Chdir(byte* path);

    [LibraryImport("libc", EntryPoint = "fchdir", SetLastError = true)]
    public static partial int Fchdir(int fd);

    [LibraryImport("libc", EntryPoint = "chroot", SetLastError = true)]
    public static partial int Chroot(byte* path);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    public static partial int Mkdir(byte* path, uint mode);

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true)]
    public static partial int Rmdir(byte* path);

    [LibraryImport("libc", EntryPoint = "mknod", SetLastError = true)]
    public static partial int Mknod(byte* path, uint mode, ulong dev);

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    public static partial int Mkfifo(byte* path, uint mode);

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true)]
    public static partial int Chown(byte* path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true)]
    public static partial int Lchown(byte* path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    public static partial int Fchown(int fd, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "chmod", SetLastError = true)]
    public static partial int Chmod(byte* path, uint mode);

    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true)]
    public static partial int Execve(byte* path, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    public static partial int SocketPair(int domain, int type, int protocol, int* sv);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, byte* addr, int addrlen);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, ulong nfds, int timeout);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, ulong request, nint arg);

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    public static partial int Setsid();

    [LibraryImport("libc", EntryPoint = "dup3", SetLastError = true)]
    public static partial int Dup3(int oldfd, int newfd, int flags);

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    public static partial uint GetEgid();

    [LibraryImport("libc", EntryPoint = "getuid")]
    public static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "getgid")]
    public static partial uint GetGid();

    [LibraryImport("libc", EntryPoint = "symlink", SetLastError = true)]
    public static partial int Symlink(byte* target, byte* linkpath);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true)]
    public static partial int SymlinkAt(byte* target, int dirfd, byte* linkpath);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    public static partial int MkdirAt(int dirfd, byte* path, uint mode);

    [LibraryImport("libc", EntryPoint = "mknodat", SetLastError = true)]
    public static partial int MknodAt(int dirfd, byte* path, uint mode, ulong dev);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    public static partial int UnlinkAt(int dirfd, byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadLinkAt(int dirfd, byte* path, byte* buf, nint size);

    [LibraryImport("libc", EntryPoint = "fchownat", SetLastError = true)]
    public static partial int FchownAt(int dirfd, byte* path, uint uid, uint gid, int flags);

    [LibraryImport("libc", EntryPoint = "fchmodat", SetLastError = true)]
    public static partial int FchmodAt(int dirfd, byte* path, uint mode, int flags);

    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    public static partial int Fstatfs(int fd, byte* buf);

    [LibraryImport("libc", EntryPoint = "fstatvfs", SetLastError = true)]
    public static partial int Fstatvfs(int fd, byte* buf);

    [LibraryImport("libc", EntryPoint = "getcwd", SetLastError = true)]
    public static partial byte* Getcwd(byte* buf, nuint size);

    [LibraryImport("libc", EntryPoint = "signal")]
    public static partial nint Signal(int sig, nint handler);

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    public const short POLLIN = 1, POLLHUP = 0x10, POLLERR = 8;
}
