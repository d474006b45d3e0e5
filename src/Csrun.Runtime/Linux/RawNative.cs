using System.Runtime.InteropServices;

namespace Csrun.Runtime.Linux;

/// <summary>
/// The only calls a clone child may make before it execs: no SetLastError bookkeeping (which
/// touches managed thread statics), errno read straight from libc.
/// </summary>
internal static unsafe partial class RawNative
{
    [LibraryImport("libc", EntryPoint = "syscall")]
    public static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport("libc", EntryPoint = "read")]
    public static partial nint Read(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "write")]
    public static partial nint Write(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "_exit")]
    public static partial void Exit(int status);

    [LibraryImport("libc", EntryPoint = "__errno_location")]
    public static partial int* ErrnoLocation();

    public static int Errno => *ErrnoLocation();
}
