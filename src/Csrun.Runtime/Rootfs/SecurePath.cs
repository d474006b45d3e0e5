using System.Text;
using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Rootfs;

/// <summary>
/// Joins a path to a root the way the container would see it: symlinks inside the rootfs are
/// followed relative to the rootfs, ".." stops at the root, so an image's symlink to /etc can
/// never lead a mount onto the host. (Races against a changing rootfs are the job of the
/// O_PATH/openat2 mount path of the security work; this closes the static escape.)
/// </summary>
public static unsafe class SecurePath
{
    private const int MaxSymlinks = 255;

    public static string Join(string root, string unsafePath)
    {
        root = root.TrimEnd('/');
        var resolved = new List<string>();
        var pending = new Queue<string>(Split(unsafePath));
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Dequeue();
            if (part == ".") continue;
            if (part == "..") { if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1); continue; }
            string candidate = root + "/" + string.Join('/', resolved.Append(part));
            string? target = ReadLink(candidate);
            if (target is null) { resolved.Add(part); continue; }
            if (++links > MaxSymlinks) throw new SyscallException("resolve", $"{unsafePath} in {root}", Errno.ELOOP);
            if (target.StartsWith('/')) resolved.Clear();
            var rest = Split(target).Concat(pending).ToList();
            pending = new Queue<string>(rest);
        }
        return resolved.Count == 0 ? root : root + "/" + string.Join('/', resolved);
    }

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The symlink's target, or null when the path is not a symlink (or does not exist).</summary>
    private static string? ReadLink(string path)
    {
        byte* buf = stackalloc byte[4096];
        nint n;
        fixed (byte* p = Sys.Z(path))
            n = ReadLinkNative(p, buf, 4096);
        return n < 0 ? null : Encoding.UTF8.GetString(buf, (int)n);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "readlink")]
    private static extern nint ReadLinkNative(byte* path, byte* buf, nint size);
}
