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

    /// <summary>Runs a short-lived helper (newuidmap, say) to its end with stdin from /dev/null;
    /// returns its shell-style exit status, and its stdout and stderr together (the first 4 KiB).</summary>
    public static int RunToEnd(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, out string output)
    {
        int* pipe = stackalloc int[2];
        if (Tmds.Linux.LibC.pipe2(pipe, K.O_CLOEXEC) < 0) throw Sys.Fail("pipe2", null);
        int devNull = -1, pidfd = -1;
        try
        {
            devNull = Sys.Open("/dev/null", K.O_RDONLY | K.O_CLOEXEC);
            pidfd = Spawn(path, argv, envp, devNull, pipe[1], pipe[1], out _);
            Native.Close(pipe[1]); pipe[1] = -1;
            var text = new System.Text.StringBuilder();
            byte* buf = stackalloc byte[4096];
            while (true)
            {
                nint got = Native.Read(pipe[0], buf, 4096);
                if (got < 0 && Sys.LastErrno == Errno.EINTR) continue;
                if (got <= 0) break;
                if (text.Length < 4096) text.Append(System.Text.Encoding.UTF8.GetString(buf, (int)got));
            }
            int status = Sys.WaitPidfd(pidfd);
            output = text.ToString();
            return status;
        }
        finally
        {
            for (int i = 0; i < 2; i++) if (pipe[i] >= 0) Native.Close(pipe[i]);
            if (devNull >= 0) Native.Close(devNull);
            Sys.Close(pidfd);
        }
    }
}
