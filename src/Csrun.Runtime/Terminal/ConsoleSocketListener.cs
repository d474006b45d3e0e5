using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Terminal;

/// <summary>
/// The console socket csrun gives itself when a foreground `run`/`exec` has a terminal and no
/// --console-socket (as runc does): a unix socket in a fresh 0700 temp dir, whose path goes to the
/// create/exec code like a user's --console-socket; the pty master that arrives on it is then
/// proxied by <see cref="TtyProxy"/>. Dispose closes it and removes the socket and the dir.
/// </summary>
public sealed class ConsoleSocketListener : IDisposable
{
    /// <summary>How long to wait for the connection and the fd. Both are normally there already
    /// (create and exec connect and send before they return): this only bounds a broken peer.</summary>
    private const int TimeoutMs = 10_000;

    private readonly string _dir;
    private int _fd;

    private ConsoleSocketListener(string dir, string path, int fd)
    {
        _dir = dir;
        Path = path;
        _fd = fd;
    }

    /// <summary>The socket's path, for CreateOptions.ConsoleSocket / ContainerExecutor.Options.ConsoleSocket.</summary>
    public string Path { get; }

    /// <summary>A listener when the process has a terminal and no console socket was given; null
    /// when none is needed. A detached process with a terminal has nobody to proxy it: an error.</summary>
    public static ConsoleSocketListener? ForForeground(bool terminal, string? consoleSocket, bool detach)
    {
        if (!terminal || consoleSocket is not null) return null;
        if (detach)
            throw new InvalidOperationException("--detach with a terminal needs --console-socket (or set process.terminal to false / drop --tty)");
        return Create();
    }

    public static ConsoleSocketListener Create()
    {
        string dir = MakePrivateDir();
        string path = System.IO.Path.Combine(dir, "console.sock");
        try
        {
            return new ConsoleSocketListener(dir, path, UnixListener.Listen(path));
        }
        catch
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>A new directory only we can enter, in $TMPDIR (or /tmp when $TMPDIR is too long
    /// for a socket path).</summary>
    private static string MakePrivateDir()
    {
        string parent = System.IO.Path.GetTempPath();
        if (System.Text.Encoding.UTF8.GetByteCount(parent) > 64) parent = "/tmp/";
        for (int attempt = 0; ; attempt++)
        {
            string dir = System.IO.Path.Combine(parent, "csrun-console-" + Guid.NewGuid().ToString("N")[..12]);
            if (Sys.TryMkdir(dir, 0x1C0 /* 0700 */, out int errno)) return dir;
            if (errno != Errno.EEXIST || attempt > 100) throw new SyscallException("mkdir", dir, errno);
        }
    }

    /// <summary>Accepts the one connection and receives the pty master it carries (close-on-exec).</summary>
    public int ReceiveMaster()
    {
        if (_fd < 0) throw new ObjectDisposedException(nameof(ConsoleSocketListener));
        int conn = UnixListener.Accept(_fd, TimeoutMs, Path);
        try
        {
            UnixListener.WaitReadable(conn, TimeoutMs, "recvmsg", Path);
            Span<byte> name = stackalloc byte[256];
            int master = FdPassing.ReceiveFd(conn, name, out _, $"console socket {Path}");
            if (master < 0) throw new InvalidOperationException($"console socket {Path}: no pty master received");
            return master;
        }
        finally
        {
            Sys.Close(conn);
        }
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        Sys.Close(_fd);
        _fd = -1;
        try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
