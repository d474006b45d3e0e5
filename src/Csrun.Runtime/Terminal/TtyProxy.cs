using System.Runtime.InteropServices;
using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Terminal;

/// <summary>
/// runc's terminal handling for a foreground process csrun gave a pty to (no --console-socket):
/// the pty master's "\n" stays "\n" (ONLCR off, as runc); when csrun's stdin is a terminal it goes
/// raw (restored on Dispose) and its window size is copied to the pty now and on SIGWINCH; then
/// <see cref="Run"/> copies stdin to the master and the master to stdout with poll(2) until the
/// process has exited and the master is drained. Attach before the process starts where possible
/// (`run`: before exec.fifo is opened), so the size and ONLCR are right from its first byte.
/// </summary>
public sealed unsafe class TtyProxy : IDisposable
{
    private const int BufferSize = 32 * 1024;

    private readonly int _input, _output;
    private readonly object _lock = new();
    private int _master;
    private Termios.Attributes? _saved;
    private PosixSignalRegistration? _winch;

    private TtyProxy(int master, int input, int output)
    {
        _master = master;
        _input = input;
        _output = output;
    }

    /// <summary>Takes ownership of <paramref name="master"/> (closed on Dispose, also when this throws).</summary>
    public static TtyProxy Attach(int master, int input = 0, int output = 1)
    {
        var proxy = new TtyProxy(master, input, output);
        try
        {
            Termios.ClearOnlcr(master, "pty master");
            int flags = Native.Fcntl(master, K.F_GETFL, 0);
            if (flags < 0 || Native.Fcntl(master, K.F_SETFL, flags | K.O_NONBLOCK) < 0)
                throw Sys.Fail("fcntl(O_NONBLOCK)", "pty master");
            if (Termios.IsTerminal(input))
            {
                var saved = Termios.Get(input, "stdin");
                proxy.Resize();
                Termios.Set(input, Termios.MakeRaw(saved), "stdin");
                proxy._saved = saved;
                // (The clone is done: .NET's signal thread is fine now.)
                proxy._winch = PosixSignalRegistration.Create((PosixSignal)28 /* SIGWINCH */, _ => proxy.Resize());
            }
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
        return proxy;
    }

    /// <summary>Copies the window size of stdin (a terminal) to the pty; the kernel then sends
    /// SIGWINCH to the pty's foreground process group. Errors are ignored, as runc does.</summary>
    private void Resize()
    {
        lock (_lock)
        {
            if (_master < 0) return;
            if (Termios.TryGetWindowSize(_input, out var size) && (size.Rows | size.Columns) != 0)
            {
                try { Termios.SetWindowSize(_master, size, "pty master"); }
                catch (SyscallException) { }
            }
        }
    }

    /// <summary>Proxies until the process behind <paramref name="pidfd"/> has exited and the master
    /// is drained (EIO: no slave left open; or nothing more to read once it has exited). End of file
    /// on stdin only stops reading stdin. Returns the exit status as <see cref="Sys.WaitPidfd"/>.</summary>
    public int Run(int pidfd)
    {
        byte[] inBuf = new byte[BufferSize];
        byte[] outBuf = new byte[BufferSize];
        int pendingOffset = 0, pendingLength = 0;   // stdin bytes not yet taken by the master
        bool inputOpen = true, masterOpen = true, outputOk = true, exited = false;
        var fds = stackalloc Native.PollFd[3];

        while (!exited)
        {
            fds[0] = new Native.PollFd { Fd = pidfd, Events = Native.POLLIN };
            fds[1] = new Native.PollFd
            {
                Fd = masterOpen ? _master : -1,
                Events = (short)(Native.POLLIN | (pendingLength > 0 ? POLLOUT : 0)),
            };
            fds[2] = new Native.PollFd { Fd = inputOpen && masterOpen && pendingLength == 0 ? _input : -1, Events = Native.POLLIN };
            int n = Native.Poll(fds, 3, -1);
            if (n < 0)
            {
                if (Sys.LastErrno == Errno.EINTR) continue;
                throw Sys.Fail("poll", "pty master");
            }

            if (fds[1].REvents != 0)
            {
                if ((fds[1].REvents & (Native.POLLIN | Native.POLLHUP | Native.POLLERR)) != 0)
                    masterOpen = CopyOutput(outBuf, ref outputOk);
                if (masterOpen && pendingLength > 0 && (fds[1].REvents & POLLOUT) != 0)
                {
                    fixed (byte* p = inBuf)
                    {
                        nint w = Native.Write(_master, p + pendingOffset, pendingLength);
                        if (w > 0) { pendingOffset += (int)w; pendingLength -= (int)w; }
                        else if (w < 0 && Sys.LastErrno is not (Errno.EINTR or Errno.EAGAIN))
                        {
                            pendingLength = 0;      // the pty is gone: the input has nowhere to go
                            inputOpen = false;
                        }
                    }
                }
                if (!masterOpen) pendingLength = 0;
            }

            if (fds[2].REvents != 0)
            {
                fixed (byte* p = inBuf)
                {
                    nint r = Native.Read(_input, p, inBuf.Length);
                    if (r > 0)
                    {
                        pendingOffset = 0;
                        pendingLength = (int)r;
                    }
                    else if (r == 0 || Sys.LastErrno is not (Errno.EINTR or Errno.EAGAIN))
                    {
                        inputOpen = false;          // EOF (or an unreadable stdin): keep the output going
                    }
                }
            }

            if ((fds[0].REvents & Native.POLLIN) != 0) exited = true;
        }

        // Its output is in the pty (a read flushes the kernel's pending work first): drain it.
        if (masterOpen) CopyOutput(outBuf, ref outputOk);
        return Sys.WaitPidfd(pidfd);
    }

    /// <summary>Reads the master until it would block; false once it is done (EIO / end).</summary>
    private bool CopyOutput(byte[] buffer, ref bool outputOk)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint r = Native.Read(_master, p, buffer.Length);
                if (r > 0)
                {
                    if (outputOk) outputOk = WriteOutput(p, (int)r);
                    continue;
                }
                if (r == 0) return false;
                int errno = Sys.LastErrno;
                if (errno == Errno.EINTR) continue;
                if (errno == Errno.EAGAIN) return true;
                if (errno == Errno.EIO) return false;
                throw new SyscallException("read", "pty master", errno);
            }
        }
    }

    /// <summary>Writes all of it to stdout (waiting if stdout is non-blocking); false when stdout
    /// is gone, after which the output is read and dropped so the process never blocks on it.</summary>
    private bool WriteOutput(byte* p, int length)
    {
        int done = 0;
        while (done < length)
        {
            nint w = Native.Write(_output, p + done, length - done);
            if (w > 0) { done += (int)w; continue; }
            int errno = Sys.LastErrno;
            if (errno == Errno.EINTR) continue;
            if (errno == Errno.EAGAIN)
            {
                var pfd = new Native.PollFd { Fd = _output, Events = POLLOUT };
                Native.Poll(&pfd, 1, -1);
                continue;
            }
            return false;
        }
        return true;
    }

    private const short POLLOUT = 4;

    /// <summary>Restores stdin's terminal attributes and closes the master.</summary>
    public void Dispose()
    {
        _winch?.Dispose();
        _winch = null;
        lock (_lock)
        {
            if (_saved is { } saved)
            {
                Termios.TrySet(_input, saved, out _);
                _saved = null;
            }
            if (_master >= 0)
            {
                Native.Close(_master);
                _master = -1;
            }
        }
    }
}
