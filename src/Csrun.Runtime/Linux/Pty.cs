namespace Csrun.Runtime.Linux;

/// <summary>A pseudo-terminal from the devpts instance under <c>root</c> ("" for this mount
/// namespace, /proc/PID/root for a container's): master unlocked, slave opened.</summary>
public static unsafe class Pty
{
    public readonly record struct Pair(int Master, int Slave, string SlaveName);

    public static Pair Open(string root = "")
    {
        string ptmx = root + "/dev/ptmx";
        int master = Sys.Open(ptmx, K.O_RDWR | K.O_NOCTTY);
        try
        {
            int unlock = 0;
            if (Native.Ioctl(master, K.TIOCSPTLCK, (nint)(&unlock)) < 0) throw Sys.Fail("ioctl(TIOCSPTLCK)", ptmx);
            int number = 0;
            if (Native.Ioctl(master, K.TIOCGPTN, (nint)(&number)) < 0) throw Sys.Fail("ioctl(TIOCGPTN)", ptmx);
            string name = $"/dev/pts/{number}";
            return new Pair(master, Sys.Open(root + name, K.O_RDWR | K.O_NOCTTY), name);
        }
        catch
        {
            Native.Close(master);
            throw;
        }
    }
}
