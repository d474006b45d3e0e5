using Csrun.Runtime.Linux;

namespace Csrun.Runtime.State;

/// <summary>Where container state lives when `--root` is not given: runc's choice between
/// /run/runc and $XDG_RUNTIME_DIR/runc, with csrun's name.</summary>
public static class StateRoot
{
    public const string System = "/run/csrun";

    /// <summary>$XDG_RUNTIME_DIR/csrun when runc would honour XDG_RUNTIME_DIR (shouldHonorXDGRuntimeDir):
    /// it is set and the caller is not root, or is root only inside a user namespace and not
    /// called "root" by $USER; otherwise null. Real root keeps /run/csrun even with
    /// XDG_RUNTIME_DIR=/run/user/0 set by a login session.</summary>
    public static string? XdgRoot(string? xdgRuntimeDir, uint euid, bool inChildUserNamespace, string? user)
    {
        if (string.IsNullOrEmpty(xdgRuntimeDir)) return null;
        bool honour = euid != 0 || inChildUserNamespace && user != "root";
        return honour ? Path.Combine(xdgRuntimeDir, "csrun") : null;
    }

    /// <summary>The default root for this process, made if it is the XDG one.</summary>
    public static string Default()
    {
        string? xdg = XdgRoot(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"), Native.GetEuid(),
            Native.GetEuid() == 0 && Procfs.InChildUserNamespace(), Environment.GetEnvironmentVariable("USER"));
        if (xdg is null) return System;
        PrepareXdg(xdg);
        return xdg;
    }

    /// <summary>Made 0700 and sticky, as runc does: the XDG base directory spec lets the session
    /// manager clean out files in XDG_RUNTIME_DIR that lack the sticky bit.</summary>
    private static void PrepareXdg(string root)
    {
        try
        {
            Sys.MkdirAll(root, 0x1c0 /* 0700 */);
            Sys.Chmod(root, 0x3c0 /* 01700 */);
        }
        catch (SyscallException e)
        {
            throw new IOException($"{e.Message}: the state root in $XDG_RUNTIME_DIR must be writable by uid {Native.GetEuid()} (or give --root)", e);
        }
    }
}
