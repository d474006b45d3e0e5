using System.Text;
using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Security;

/// <summary>
/// process.apparmorProfile and process.selinuxLabel (and exec's --apparmor, --process-label):
/// the label the container process gets at its execve, asked for by writing the thread's
/// procfs exec attribute ("exec PROFILE" for AppArmor, as aa_change_onexec does; the label for
/// SELinux, as setexeccon does). The kernel applies it at the next execve and resets it after.
/// A host without the LSM is refused up front, naming the setting: a profile silently not
/// applied would run the process less confined than asked.
/// </summary>
public static unsafe class LsmLabels
{
    /// <summary>AppArmor's own attribute directory (kernels with LSM stacking), or the shared one.</summary>
    public static string AppArmorExecAttr =>
        File.Exists("/proc/thread-self/attr/apparmor/exec") ? "/proc/thread-self/attr/apparmor/exec" : "/proc/thread-self/attr/exec";

    public const string SelinuxExecAttr = "/proc/thread-self/attr/exec";

    /// <summary>The kernel runs AppArmor (securityfs need not be mounted: profiles loaded
    /// elsewhere, and "unconfined", can still be asked for).</summary>
    public static bool AppArmorEnabled()
    {
        try { return File.ReadAllText("/sys/module/apparmor/parameters/enabled").StartsWith('Y'); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>selinuxfs is mounted where libselinux looks for it.</summary>
    public static bool SelinuxEnabled() => File.Exists("/sys/fs/selinux/enforce");

    /// <summary>
    /// linux.mountLabel as runc applies it: a `context="LABEL"` mount option added to the data of
    /// the filesystems csrun makes (tmpfs, devpts, ...), but not proc, sysfs or mqueue (which
    /// take no context= option) nor bind mounts; only where SELinux runs, as libselinux's
    /// FormatMountLabel. A data string that names a context already is left alone.
    /// </summary>
    public static string? WithMountLabel(string? data, string fsType, string? mountLabel, bool selinuxEnabled)
    {
        if (!selinuxEnabled || string.IsNullOrEmpty(mountLabel)) return data;
        if (fsType is "proc" or "sysfs" or "mqueue") return data;
        if (data is { Length: > 0 } && data.Split(',').Any(o => o.StartsWith("context=", StringComparison.Ordinal))) return data;
        string context = $"context=\"{mountLabel}\"";
        return string.IsNullOrEmpty(data) ? context : data + "," + context;
    }

    /// <summary>Throws unless this host can apply what is asked. The setting names say where the
    /// value came from ("--apparmor", "process.apparmorProfile", ...).</summary>
    public static void Require(string? profile, string profileSetting, string? label, string labelSetting)
    {
        if (profile is { Length: > 0 } && !AppArmorEnabled())
            throw new NotSupportedException($"{profileSetting} \"{profile}\": AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled is not Y)");
        if (label is { Length: > 0 } && !SelinuxEnabled())
            throw new NotSupportedException($"{labelSetting} \"{label}\": SELinux is disabled or not supported on this host (no selinuxfs at /sys/fs/selinux)");
    }

    /// <summary>What AppArmor's exec attribute takes: "exec PROFILE".</summary>
    public static string AppArmorValue(string profile) => "exec " + profile;

    /// <summary>For init (managed code, just before the container's setup drops privileges):
    /// writes the attributes through <paramref name="procFd"/>, a /proc opened before the
    /// container's mounts existed, so a /proc of the container's making can't divert the write.</summary>
    public static void ApplyOnExec(int procFd, string? profile, string? label)
    {
        if (profile is { Length: > 0 })
            Write(procFd, AppArmorExecAttr, AppArmorValue(profile), $"process.apparmorProfile \"{profile}\": apparmor failed to apply profile");
        if (label is { Length: > 0 })
            Write(procFd, SelinuxExecAttr, label, $"process.selinuxLabel \"{label}\": can't set process label");
    }

    private static void Write(int procFd, string path, string value, string what)
    {
        int fd;
        fixed (byte* rel = Sys.Z(path.Substring("/proc/".Length)))
        {
            do fd = Native.OpenAt(procFd, rel, K.O_WRONLY | K.O_CLOEXEC, 0); while (fd < 0 && Sys.LastErrno == Errno.EINTR);
        }
        if (fd < 0) throw new InvalidOperationException($"{what}: {SyscallException.Format("open", path, Sys.LastErrno)}");
        try
        {
            TrustedProc.RequireProcfs(fd, path);
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            nint n;
            fixed (byte* b = bytes)
                do n = Native.Write(fd, b, bytes.Length); while (n < 0 && Sys.LastErrno == Errno.EINTR);
            if (n < 0) throw new InvalidOperationException($"{what}: {SyscallException.Format("write", path, Sys.LastErrno)}");
            if (n != bytes.Length) throw new InvalidOperationException($"{what}: write {path}: short write ({n} of {bytes.Length} bytes)");
        }
        finally
        {
            Native.Close(fd);
        }
    }
}
