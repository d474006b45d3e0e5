namespace Csrun.Runtime.Linux;

/// <summary>
/// A sealed, in-memory copy of the running csrun binary. Container-side csrun processes are
/// exec'd from it, so /proc/PID/exe inside a container never leads to the host binary
/// (CVE-2019-5736): the memfd cannot be written, grown or shrunk, and has no path on the host.
/// </summary>
public static unsafe class SealedExecutable
{
    public static int Create()
    {
        int src = Sys.Open("/proc/self/exe", K.O_RDONLY);
        try
        {
            int memfd;
            fixed (byte* name = "csrun\0"u8)
                memfd = Native.MemfdCreate(name, K.MFD_CLOEXEC | K.MFD_ALLOW_SEALING);
            if (memfd < 0) throw Sys.Fail("memfd_create", "csrun");
            try
            {
                while (true)
                {
                    nint n = Native.SendFile(memfd, src, null, 1 << 30);
                    if (n == 0) break;
                    if (n < 0)
                    {
                        if (Sys.LastErrno == Errno.EINTR) continue;
                        throw Sys.Fail("sendfile", "/proc/self/exe");
                    }
                }
                int seals = K.F_SEAL_SEAL | K.F_SEAL_SHRINK | K.F_SEAL_GROW | K.F_SEAL_WRITE;
                if (Native.Fcntl(memfd, K.F_ADD_SEALS, seals) < 0) throw Sys.Fail("fcntl(F_ADD_SEALS)", "memfd:csrun");
                return memfd;
            }
            catch
            {
                Native.Close(memfd);
                throw;
            }
        }
        finally
        {
            Native.Close(src);
        }
    }
}
