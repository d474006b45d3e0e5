using System.Runtime.InteropServices;

namespace Csrun.Runtime.Linux;

/// <summary>
/// Starts a program with chosen stdin/stdout/stderr, by clone3 + execve with everything
/// prepared before the clone (the child allocates nothing: shared/notes/aot.md). Used for hooks,
/// from processes that must stay free of the threads System.Diagnostics.Process brings.
/// </summary>
public static unsafe class Spawner
{
    private const long SYS_dup3 = 292, SYS_execve = 59, SYS_close_range = 436;

    /// <summary>Returns the child's pidfd; the child's pid comes out in <paramref name="pid"/>.</summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, int stdinFd, int stdoutFd, int stderrFd, out int pid)
    {
        using var arena = new NativeArena();
        byte* p = arena.String(path);
        byte** args = arena.StringArray(argv);
        byte** env = arena.StringArray(envp);
        pid = Clone3.Clone(0, -1, out int pidfd);
        if (pid == 0)
        {
            // Move the wanted fds to 0-2 (through high numbers first, so none overwrites another).
            RawNative.Syscall(SYS_dup3, stdinFd, 100, 0, 0, 0, 0);
            RawNative.Syscall(SYS_dup3, stdoutFd, 101, 0, 0, 0, 0);
            RawNative.Syscall(SYS_dup3, stderrFd, 102, 0, 0, 0, 0);
            RawNative.Syscall(SYS_dup3, 100, 0, 0, 0, 0, 0);
            RawNative.Syscall(SYS_dup3, 101, 1, 0, 0, 0, 0);
            RawNative.Syscall(SYS_dup3, 102, 2, 0, 0, 0, 0);
            RawNative.Syscall(SYS_close_range, 3, uint.MaxValue, 0, 0, 0, 0);
            RawNative.Syscall(SYS_execve, (long)p, (long)args, (long)env, 0, 0, 0);
            RawNative.Exit(127);
        }
        return pidfd;
    }
}
