// TEMPORARY stub (not committed): replaced by the real compiler from branch seccomp-compiler.
using Csrun.Runtime.Spec;
namespace Csrun.Runtime.Seccomp;
public static class SeccompCompiler
{
    public static CompiledFilter Compile(LinuxSeccomp profile, SeccompArch native)
    {
        static uint Ret(string? a, uint? e) => a switch
        {
            "SCMP_ACT_ALLOW" => 0x7fff0000, "SCMP_ACT_ERRNO" => 0x00050000 | (e ?? 1), "SCMP_ACT_NOTIFY" => 0x7fc00000,
            "SCMP_ACT_KILL_PROCESS" => 0x80000000, "SCMP_ACT_LOG" => 0x7ffc0000, "SCMP_ACT_TRAP" => 0x30000, _ => 0,
        };
        var p = new List<SockFilter> { new(0x20, 0, 0, 4), new(0x15, 1, 0, 0xC000003E), new(0x06, 0, 0, 0), new(0x20, 0, 0, 0) };
        bool notify = false;
        foreach (var r in profile.Syscalls ?? new())
            foreach (var n in r.Names!)
                if (SyscallTable.TryGetNumber(native, n, out int nr))
                {
                    p.Add(new(0x15, 0, 1, (uint)nr));
                    p.Add(new(0x06, 0, 0, Ret(r.Action, r.ErrnoRet)));
                    notify |= r.Action == "SCMP_ACT_NOTIFY";
                }
        p.Add(new(0x06, 0, 0, Ret(profile.DefaultAction, profile.DefaultErrnoRet)));
        return new CompiledFilter(p.ToArray(), notify ? 8u : 0u, notify);
    }
}
