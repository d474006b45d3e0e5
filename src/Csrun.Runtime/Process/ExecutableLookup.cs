using Csrun.Runtime.Linux;
using Csrun.Runtime.Rootfs;

namespace Csrun.Runtime.Process;

/// <summary>Finds process.args[0] inside the container the way runc (Go's exec.LookPath) does,
/// with the container's PATH, so a missing binary is an error before anything runs. With a
/// <c>root</c> (for exec: /proc/PID/root) the container's files are looked at from outside,
/// symlinks resolved inside that root; the path returned is the one inside the container.</summary>
public static class ExecutableLookup
{
    public static string Find(string name, IEnumerable<string> env, string? root = null, string cwd = "/")
    {
        if (name.Contains('/'))
        {
            string inContainer = name.StartsWith('/') ? name : Path.Combine(cwd, name);
            Check(name, root is null ? name : SecurePath.Join(root, inContainer));
            return name;
        }
        string path = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?.Substring(5) ?? "";
        foreach (var dir in path.Split(':'))
        {
            string candidate = Path.Combine(dir.Length == 0 ? "." : dir, name);
            string inContainer = candidate.StartsWith('/') ? candidate : Path.Combine(cwd, candidate);
            if (IsExecutableFile(root is null ? candidate : SecurePath.Join(root, inContainer))) return candidate;
        }
        throw new InvalidOperationException($"exec: \"{name}\": executable file not found in $PATH");
    }

    private static void Check(string shown, string path)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"exec: \"{shown}\": stat {shown}: no such file or directory");
        if (!IsExecutableFile(path)) throw new InvalidOperationException($"exec: \"{shown}\": permission denied");
    }

    private static unsafe bool IsExecutableFile(string path)
    {
        if (!File.Exists(path)) return false;
        fixed (byte* p = Sys.Z(path))
            return Access(p, 1 /* X_OK */) == 0;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "access")]
    private static extern unsafe int Access(byte* path, int mode);
}
