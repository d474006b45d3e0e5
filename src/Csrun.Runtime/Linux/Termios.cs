using System.Runtime.InteropServices;

namespace Csrun.Runtime.Linux;

/// <summary>Terminal attributes (termios(3)) and window sizes (TIOCGWINSZ/TIOCSWINSZ) for the
/// terminal proxy of a foreground `run`/`exec`.</summary>
public static unsafe partial class Termios
{
    // asm-generic/termbits.h
    private const uint IGNBRK = 0x1, BRKINT = 0x2, PARMRK = 0x8, ISTRIP = 0x20, INLCR = 0x40, IGNCR = 0x80,
        ICRNL = 0x100, IXON = 0x400;
    private const uint OPOST = 0x1, ONLCR = 0x4;
    private const uint CSIZE = 0x30, CS8 = 0x30, PARENB = 0x100;
    private const uint ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHONL = 0x40, IEXTEN = 0x8000;
    private const int VTIME = 5, VMIN = 6;
    private const int TCSANOW = 0;
    private const ulong TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;

    /// <summary>struct termios as glibc lays it out (x86_64: 60 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Attributes
    {
        public uint InputFlags, OutputFlags, ControlFlags, LocalFlags;
        public byte Line;
        public fixed byte ControlChars[32];
        public uint InputSpeed, OutputSpeed;
    }

    /// <summary>struct winsize.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct WindowSize
    {
        public ushort Rows, Columns, XPixels, YPixels;
    }

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, Attributes* attributes);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int TcSetAttr(int fd, int optionalActions, Attributes* attributes);

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsATty(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, WindowSize* size);

    public static bool IsTerminal(int fd) => IsATty(fd) == 1;

    public static Attributes Get(int fd, string what)
    {
        Attributes a;
        while (TcGetAttr(fd, &a) < 0)
            if (Sys.LastErrno != Errno.EINTR) throw Sys.Fail("tcgetattr", what);
        return a;
    }

    public static void Set(int fd, Attributes a, string what)
    {
        if (!TrySet(fd, a, out int errno)) throw new SyscallException("tcsetattr", what, errno);
    }

    /// <summary>For restoring on the way out, where a hung-up terminal is no reason to fail.</summary>
    public static bool TrySet(int fd, Attributes a, out int errno)
    {
        while (TcSetAttr(fd, TCSANOW, &a) < 0)
        {
            errno = Sys.LastErrno;
            if (errno != Errno.EINTR) return false;
        }
        errno = 0;
        return true;
    }

    /// <summary>cfmakeraw(3), but output processing (OPOST) stays on, as containerd/console's
    /// SetRaw (what runc uses) does: the host terminal still turns "\n" into "\r\n".</summary>
    public static Attributes MakeRaw(Attributes a)
    {
        a.InputFlags &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        a.OutputFlags |= OPOST;
        a.LocalFlags &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
        a.ControlFlags &= ~(CSIZE | PARENB);
        a.ControlFlags |= CS8;
        a.ControlChars[VMIN] = 1;
        a.ControlChars[VTIME] = 0;
        return a;
    }

    /// <summary>Turns off "\n" to "\r\n" translation on a pty (through its master), as runc does
    /// for the pty it proxies: the output lands in files and pipes unchanged.</summary>
    public static void ClearOnlcr(int fd, string what)
    {
        var a = Get(fd, what);
        if ((a.OutputFlags & ONLCR) == 0) return;
        a.OutputFlags &= ~ONLCR;
        Set(fd, a, what);
    }

    public static bool TryGetWindowSize(int fd, out WindowSize size)
    {
        WindowSize ws;
        if (Ioctl(fd, TIOCGWINSZ, &ws) < 0)
        {
            size = default;
            return false;
        }
        size = ws;
        return true;
    }

    public static void SetWindowSize(int fd, WindowSize size, string what)
    {
        if (Ioctl(fd, TIOCSWINSZ, &size) < 0) throw Sys.Fail("ioctl(TIOCSWINSZ)", what);
    }
}
