using System.Text;
using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Hooks;

/// <summary>
/// Runs OCI hooks: path with args (args[0] is argv[0]) and env, the state JSON on stdin, the
/// timeout enforced by killing the hook. Output is captured and quoted in the error.
/// </summary>
public static unsafe class HookRunner
{
    public static void RunAll(string phase, IEnumerable<SpecHook>? hooks, byte[] stateJson)
    {
        int index = 0;
        foreach (var hook in hooks ?? Enumerable.Empty<SpecHook>())
        {
            Run(phase, index, hook, stateJson);
            index++;
        }
    }

    public static void Run(string phase, int index, SpecHook hook, byte[] stateJson)
    {
        string path = hook.Path!;
        var argv = hook.Args is { Count: > 0 } a ? a : new List<string> { path };
        int* inPipe = stackalloc int[2];
        int* outPipe = stackalloc int[2];
        if (Tmds.Linux.LibC.pipe2(inPipe, K.O_CLOEXEC) < 0) throw Sys.Fail("pipe2", null);
        if (Tmds.Linux.LibC.pipe2(outPipe, K.O_CLOEXEC) < 0)
        {
            Native.Close(inPipe[0]); Native.Close(inPipe[1]);
            throw Sys.Fail("pipe2", null);
        }
        int pidfd = -1;
        try
        {
            pidfd = Spawner.Spawn(path, argv, hook.Env ?? new List<string>(), inPipe[0], outPipe[1], outPipe[1], out _);
            Native.Close(inPipe[0]); inPipe[0] = -1;
            Native.Close(outPipe[1]); outPipe[1] = -1;
            // A hook that does not read its stdin must not block us: the state is small and the
            // pipe buffer holds it; a broken pipe is fine.
            Native.Fcntl(inPipe[1], K.F_SETFL, K.O_NONBLOCK);
            fixed (byte* s = stateJson) Native.Write(inPipe[1], s, stateJson.Length);
            Native.Close(inPipe[1]); inPipe[1] = -1;

            var output = new StringBuilder();
            long deadline = hook.Timeout is int t && t > 0 ? Environment.TickCount64 + t * 1000L : long.MaxValue;
            bool open = true;
            byte* buf = stackalloc byte[4096];
            var fds = stackalloc Native.PollFd[2];
            while (true)
            {
                long left = deadline == long.MaxValue ? -1 : Math.Max(0, deadline - Environment.TickCount64);
                fds[0] = new Native.PollFd { Fd = open ? outPipe[0] : -1, Events = Native.POLLIN };
                fds[1] = new Native.PollFd { Fd = pidfd, Events = Native.POLLIN };
                int n = Native.Poll(fds, 2, (int)Math.Min(left, int.MaxValue));
                if (n < 0 && Sys.LastErrno == Errno.EINTR) continue;
                if (n == 0)
                {
                    Sys.PidfdSendSignal(pidfd, K.SIGKILL);
                    Sys.WaitPidfd(pidfd);
                    throw new HookFailedException($"{phase} hook #{index} ({path}) timed out after {hook.Timeout} seconds and was killed");
                }
                if (open && (fds[0].REvents & (Native.POLLIN | Native.POLLHUP)) != 0)
                {
                    nint got = Native.Read(outPipe[0], buf, 4096);
                    if (got <= 0) open = false;
                    else if (output.Length < 4096) output.Append(Encoding.UTF8.GetString(buf, (int)got));
                }
                // The hook's exit ends the wait, even if a child it left behind keeps the pipe open.
                if ((fds[1].REvents & Native.POLLIN) != 0) break;
            }
            int status = Sys.WaitPidfd(pidfd);
            if (status != 0)
            {
                string text = output.ToString().Trim().Replace('\n', ' ');
                string why = status == 127 && text.Length == 0 ? $"exit status 127 (could {path} be executed?)" : $"exit status {status}";
                throw new HookFailedException($"{phase} hook #{index} ({path}) failed: {why}{(text.Length > 0 ? ", output: " + text : "")}");
            }
        }
        finally
        {
            for (int i = 0; i < 2; i++) { if (inPipe[i] >= 0) Native.Close(inPipe[i]); if (outPipe[i] >= 0) Native.Close(outPipe[i]); }
            Sys.Close(pidfd);
        }
    }
}

public sealed class HookFailedException : Exception
{
    public HookFailedException(string message) : base(message) { }
}
