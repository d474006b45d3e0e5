using System.Text;
using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Terminal;

/// <summary>process.terminal: a pty from the container's own devpts, its master sent to the
/// console socket (one fd, one sendmsg), its slave made init's controlling terminal and stdio.</summary>
public static unsafe class ConsoleSetup
{
    public static void CreateAndSend(int consoleSocket, SpecConsoleSize? size)
    {
        var pty = Pty.Open();
        int master = pty.Master, slave = pty.Slave;
        string slavePath = pty.SlaveName;
        try
        {
            if (size is not null)
            {
                ushort* ws = stackalloc ushort[4];
                ws[0] = (ushort)size.Height; ws[1] = (ushort)size.Width; ws[2] = 0; ws[3] = 0;
                Native.Ioctl(slave, K.TIOCSWINSZ, (nint)ws);
            }
            // /dev/console is the container's terminal too.
            if (File.Exists("/dev/console") || !Directory.Exists("/dev/console"))
            {
                try
                {
                    if (!File.Exists("/dev/console")) File.WriteAllBytes("/dev/console", Array.Empty<byte>());
                    Sys.Mount(slavePath, "/dev/console", "bind", K.MS_BIND, null);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or SyscallException) { }
            }
            FdPassing.SendFd(consoleSocket, master, Encoding.UTF8.GetBytes(slavePath), "console socket");
            Native.Close(consoleSocket);

            if (Native.Setsid() < 0) throw Sys.Fail("setsid", null);
            if (Native.Ioctl(slave, K.TIOCSCTTY, 0) < 0) throw Sys.Fail("ioctl(TIOCSCTTY)", slavePath);
            for (int fd = 0; fd < 3; fd++)
                if (Native.Dup3(slave, fd, 0) < 0) throw Sys.Fail("dup3", slavePath);
            if (slave > 2) Native.Close(slave);
        }
        finally
        {
            Native.Close(master);
        }
    }
}
