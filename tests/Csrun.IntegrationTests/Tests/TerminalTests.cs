using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// process.terminal / exec --tty. With --console-socket the pty master goes to the caller; without
/// it a foreground run/exec proxies the pty itself (as runc): the process sees a tty, its output
/// comes out on the runtime's stdout ("\n" not turned into "\r\n"), its exit status is the
/// runtime's; when the runtime's stdin is a terminal it goes raw for the session and comes back
/// as it was, and its window size follows to the pty.
/// </summary>
[Trait("Category", "Terminal")]
public sealed partial class TerminalTests(ITestOutputHelper output)
{
    private const string TtyProbe =
        "tty; test -t 0 && echo stdin-is-tty; test -t 1 && echo stdout-is-tty; read line; echo got:$line; exit 7";

    /// <summary>csrun-only: runc 1.1.5 needs a terminal of its own (one of its stdio fds or
    /// /dev/tty) to proxy a pty and fails when its stdio are files and it has no controlling tty.</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Run_With_Terminal_And_File_Stdio_Proxies_The_Pty()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle().Shell(TtyProbe);
        b.Process["terminal"] = true;
        string id = sb.NewId();
        RuntimeResult r = sb.Run(b, id, new RunOptions { Stdin = "hello\n" });

        Assert.True(r.ExitCode == 7, "exit status of the container process: " + r.Describe());
        Assert.DoesNotContain("\r", r.Stdout); // ONLCR off on the proxied pty, as runc
        string[] lines = Lines(r.Stdout);
        Assert.Contains(lines, l => PtsName().IsMatch(l));
        Assert.Contains("stdin-is-tty", lines);
        Assert.Contains("stdout-is-tty", lines);
        Assert.Contains("got:hello", lines);
        Assert.Equal("", r.Stderr);
        Leaks.AssertClean(sb, b, id);
    }

    /// <summary>End of file on stdin does not end the session: output keeps coming until the
    /// process exits. csrun-only for the same reason as above.</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Run_With_Terminal_Outlives_Stdin_Eof()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle().Shell("sleep 0.5; echo after-eof; sleep 0.2; echo still-here");
        b.Process["terminal"] = true;
        string id = sb.NewId();
        RuntimeResult r = sb.Run(b, id).AssertSuccess("run"); // stdin /dev/null: EOF at once
        Assert.Equal(new[] { "after-eof", "still-here" }, Lines(r.Stdout));
        Leaks.AssertClean(sb, b, id);
    }

    /// <summary>The same with a controlling terminal that is none of the runtime's stdio (files,
    /// under util-linux script), where runc 1.1.5 proxies too: the two agree.</summary>
    [Fact]
    public void Run_With_Terminal_And_File_Stdio_Under_A_Controlling_Terminal()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle().Shell(TtyProbe.Replace("exit 7", "sleep 0.3; echo after-eof; exit 7"));
        b.Process["terminal"] = true;
        b.Save();
        string id = sb.NewId();
        string dir = sb.HostDir("stdio");
        File.WriteAllText(Path.Combine(dir, "in"), "hello\n");
        Host.Result r = UnderScript(sb, id,
            $"{Sq(sb.R.Binary)} --root {Sq(sb.Root)} run --bundle {Sq(b.Dir)} {id} <{dir}/in >{dir}/out 2>{dir}/err");
        string stdout = File.ReadAllText(Path.Combine(dir, "out"));
        string stderr = File.ReadAllText(Path.Combine(dir, "err"));
        output.WriteLine($"run stdout: {stdout}\nrun stderr: {stderr}");

        Assert.True(r.ExitCode == 7, $"exit status through script: {r.ExitCode}");
        Assert.DoesNotContain("\r", stdout);
        string[] lines = Lines(stdout);
        Assert.Contains(lines, l => PtsName().IsMatch(l));
        Assert.Contains("stdin-is-tty", lines);
        Assert.Contains("got:hello", lines);
        Assert.Equal("after-eof", lines[^1]);
        Assert.Equal("", stderr);
        Leaks.AssertClean(sb, b, id);
    }

    [Fact]
    public void Run_Detached_With_Terminal_Needs_A_Console_Socket()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        b.Process["terminal"] = true;
        b.Save();
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, ["run", "--detach", "--bundle", b.Dir, id]);
        Leaks.AssertClean(sb, b, id);
    }

    /// <summary>csrun-only for the same reason as the run test.</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Exec_Tty_Proxies_The_Pty()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);

        RuntimeResult r = sb.Exec(new RunOptions { Stdin = "from-stdin\n" }, "exec", "--tty", id, "sh", "-c", TtyProbe);
        Assert.True(r.ExitCode == 7, "exit status of the exec'd process: " + r.Describe());
        // (the first line may still get "\r\n": the process can write before the runtime clears ONLCR)
        string[] lines = Lines(r.Stdout);
        Assert.Contains(lines, l => PtsName().IsMatch(l));
        Assert.Contains("stdin-is-tty", lines);
        Assert.Contains("stdout-is-tty", lines);
        Assert.Contains("got:from-stdin", lines);
        Assert.Equal("", r.Stderr);

        // the container goes on; a second one works too
        Assert.Equal("running", sb.Status(id));
        RuntimeResult again = sb.Exec("exec", "-t", id, "sh", "-c", "exit 4");
        Assert.True(again.ExitCode == 4, again.Describe());
        sb.Delete(id, force: true).AssertSuccess();
    }

    [Fact]
    public void Exec_Detached_Tty_Needs_A_Console_Socket()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        ErrorAssert.CleanError(sb, ["exec", "--detach", "--tty", id, "sleep", "4321"]);
        // nothing was started
        RuntimeResult ps = sb.Exec("ps", id).AssertSuccess();
        Assert.DoesNotContain("sleep 4321", ps.Stdout);
        sb.Delete(id, force: true).AssertSuccess();
    }

    /// <summary>A --console-socket that does not exist: create and exec fail with one line naming
    /// the path, create leaves nothing behind, exec starts nothing and writes no pid file.</summary>
    [Fact]
    public void Create_And_Exec_With_A_Missing_Console_Socket_Fail_Cleanly()
    {
        using var sb = new Sandbox(output);
        string missing = Path.Combine(sb.BaseDir, "no-such-dir", "console.sock");

        Bundle tty = sb.NewBundle("sleep", "1000");
        tty.Process["terminal"] = true;
        tty.Save();
        string failed = sb.NewId();
        ErrorAssert.CleanError(sb, ["create", "--bundle", tty.Dir, "--console-socket", missing, failed], "no such file or directory");
        Leaks.AssertClean(sb, tty, failed, rootMustBeEmpty: true);

        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        string pidFile = Path.Combine(sb.BaseDir, "exec.pid");
        ErrorAssert.CleanError(sb, ["exec", "--detach", "--tty", "--console-socket", missing, "--pid-file", pidFile, id, "sleep", "4321"],
            "no such file or directory");
        Assert.False(File.Exists(pidFile), "a pid file was written for an exec that failed");
        Assert.DoesNotContain("sleep 4321", sb.Exec("ps", id).AssertSuccess().Stdout);
        Assert.Equal("running", sb.Status(id));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>create --console-socket: the master arrives on the caller's socket (SCM_RIGHTS) and
    /// carries what the container prints.</summary>
    [Fact]
    public void Create_Sends_The_Pty_Master_To_The_Console_Socket()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle().Shell("echo console-says-hi; tty; test -t 0 && echo stdin-is-tty");
        b.Process["terminal"] = true;
        string id = sb.NewId();
        string socketPath = Path.Combine(sb.BaseDir, "console.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);

        // the runtime connects (and init sends) before create returns: the backlog holds it
        sb.Create(b, id, "--console-socket", socketPath).AssertSuccess("create");
        Assert.True(listener.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectRead), "nobody connected to the console socket");
        using Socket conn = listener.Accept();
        int master = ReceiveFd(conn);
        try
        {
            Assert.True(master >= 0, "no fd in the console socket message");
            Assert.Equal(1, isatty(master));
            sb.Start(id).AssertSuccess("start");
            string text = ReadUntilClosed(master, TimeSpan.FromSeconds(10));
            string[] lines = Lines(text);
            Assert.Contains("console-says-hi", lines);
            Assert.Contains(lines, l => PtsName().IsMatch(l));
            Assert.Contains("stdin-is-tty", lines);
        }
        finally
        {
            if (master >= 0) close(master);
        }
        sb.WaitForStatus(id, "stopped");
        sb.Delete(id).AssertSuccess();
        Leaks.AssertClean(sb, b, id);
    }

    /// <summary>
    /// A real terminal (util-linux script): the runtime's stdin is a tty. During the run it is raw
    /// (-icanon -echo -isig, output processing still on), its size (33x111) is the pty's, a resize
    /// of it (44x122, SIGWINCH) reaches the pty, and afterwards its settings are exactly as before.
    /// </summary>
    [Fact]
    public void Run_On_A_Real_Terminal_Goes_Raw_Follows_The_Size_And_Restores()
    {
        using var sb = new Sandbox(output);
        string shared = sb.HostDir("shared");
        Bundle b = sb.NewBundle().Shell(
            // runc sizes the pty only after the start: wait for a size to be there
            "i=0; while [ \"$(stty size)\" = '0 0' ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; " +
            "echo size1 $(stty size); echo ready > /shared/ready; " +
            "i=0; while [ ! -f /shared/go ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; " +
            "i=0; while [ \"$(stty size)\" != '44 122' ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; " +
            "echo size2 $(stty size); exit 5");
        b.Process["terminal"] = true;
        b.AddMount("/shared", "bind", shared, "rbind", "rw");
        b.Save();
        string id = sb.NewId();

        string S = shared;
        string command =
            $"stty rows 33 cols 111; stty -g > {S}/before; " +
            $"( i=0; while [ ! -f {S}/ready ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; " +
            $"  stty -a </dev/tty > {S}/during; stty rows 44 cols 122 </dev/tty; touch {S}/go ) & " +
            $"{Sq(sb.R.Binary)} --root {Sq(sb.Root)} run --bundle {Sq(b.Dir)} {id}; rc=$?; wait; " +
            $"stty -g > {S}/after; exit $rc";
        Host.Result r = UnderScript(sb, id, command);

        Assert.True(r.ExitCode == 5, $"exit status through script: {r.ExitCode}\n{r.Stdout}{r.Stderr}");
        // (script's pty may echo a control character before the runtime makes it raw)
        string[] lines = Lines(r.Stdout);
        Assert.Contains(lines, l => l.EndsWith("size1 33 111", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("size2 44 122", StringComparison.Ordinal));

        string during = File.ReadAllText(Path.Combine(S, "during"));
        output.WriteLine("during: " + during);
        foreach (string flag in new[] { "-icanon", "-echo", "-isig", "-icrnl", "opost" })
            Assert.True(HasFlag(during, flag), $"terminal during the run lacks {flag}: {during}");
        string before = File.ReadAllText(Path.Combine(S, "before")).Trim();
        string after = File.ReadAllText(Path.Combine(S, "after")).Trim();
        Assert.Equal(before, after);
        Leaks.AssertClean(sb, b, id);
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Runs a shell command on a fresh pty of its own (util-linux script, which also makes
    /// it the controlling terminal); `delete --force ID` afterwards, whatever happened.</summary>
    private Host.Result UnderScript(Sandbox sb, string id, string command)
    {
        output.WriteLine("$ script -qfec " + Sq(command) + " /dev/null");
        Host.Result r;
        try
        {
            r = Host.Run("/usr/bin/script", ["-qfec", command, "/dev/null"], TimeSpan.FromSeconds(60));
        }
        finally
        {
            sb.Delete(id, force: true);
        }
        output.WriteLine($"exit={r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
        return r;
    }

    [GeneratedRegex(@"^/dev/pts/[0-9]+$")]
    private static partial Regex PtsName();

    private static string[] Lines(string text) =>
        text.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static bool HasFlag(string sttyA, string flag) =>
        Regex.IsMatch(sttyA, @"(^|[\s;])" + Regex.Escape(flag) + @"($|[\s;])");

    private static string Sq(string s) => "'" + s.Replace("'", "'\\''") + "'";

    /// <summary>Reads the pty master until the slave side is gone (EIO) or the time is up.</summary>
    private static string ReadUntilClosed(int fd, TimeSpan timeout)
    {
        var sb = new StringBuilder();
        var buffer = new byte[4096];
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var pfd = new PollFd { Fd = fd, Events = 1 /* POLLIN */ };
            int n = poll(ref pfd, 1, 200);
            if (n <= 0) continue;
            nint r = read(fd, buffer, buffer.Length);
            if (r <= 0) break; // EIO: the container process is gone
            sb.Append(Encoding.UTF8.GetString(buffer, 0, (int)r));
        }
        return sb.ToString();
    }

    /// <summary>recvmsg with room for one SCM_RIGHTS fd; returns it or -1.</summary>
    private static unsafe int ReceiveFd(Socket conn)
    {
        int fd = (int)conn.SafeHandle.DangerousGetHandle();
        byte* data = stackalloc byte[256];
        byte* control = stackalloc byte[64];
        new Span<byte>(control, 64).Clear();
        var iov = new IoVec { Base = data, Len = 256 };
        var msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 64 };
        Assert.True(conn.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectRead), "no message on the console socket");
        nint n = recvmsg(fd, &msg, 0);
        if (n < 0) throw new XunitException($"recvmsg: errno {Marshal.GetLastPInvokeError()}");
        // cmsghdr: len (8), level (4), type (4), data
        if (msg.ControlLen >= 20 && *(int*)(control + 8) == 1 /* SOL_SOCKET */ && *(int*)(control + 12) == 1 /* SCM_RIGHTS */)
            return *(int*)(control + 16);
        return -1;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MsgHdr
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
    private unsafe struct IoVec
    {
        public void* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe nint recvmsg(int fd, MsgHdr* msg, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, byte[] buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern int poll(ref PollFd fds, ulong nfds, int timeout);

    [DllImport("libc")]
    private static extern int isatty(int fd);

    [DllImport("libc")]
    private static extern int close(int fd);
}
