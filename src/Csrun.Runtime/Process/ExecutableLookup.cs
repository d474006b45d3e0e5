using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Process;

/// <summary>Finds process.args[0] inside the container the way runc (Go's exec.LookPath) does,
/// with the container's PATH, so a missing binary is a create-time error.</summary>
public static class ExecutableLookup
{
    public static string Find(string name, IEnumerable<string> env)
    {
        if (name.Contains('/'))
        {
            Check(name, name);
            return name;
        }
        string path = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?.Substring(5) ?? "";
        foreach (var dir in path.Split(':'))
        {
            string candidate = Path.Combine(dir.Length == 0 ? "." : dir, name);
            if (IsExecutableFile(candidate)) return candidate;
        }
        throw new InvalidOperationException($"exec: \"{name}\": executable file not found in $PATH");
    }

    private static void Check(string shown, string path)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"exec: \"{shown}\": stat {path}: no such file or directory");
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
