using System.Text;
using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Process;

/// <summary>
/// Writes a new user namespace's uid_map and gid_map from the parent, while the clone child
/// waits. Root writes them itself. Without root the kernel lets a process map only its own
/// euid (and its egid once /proc/PID/setgroups says "deny"), one id each: such maps are written
/// directly, as runc does; anything else goes through the setuid helpers newuidmap/newgidmap
/// (package uidmap), which check the ranges against /etc/subuid and /etc/subgid.
/// </summary>
public static class IdMapWriter
{
    public static void Write(int pid, LinuxSpec linux, bool rootlessEuid)
    {
        var uids = linux.UidMappings ?? new();
        var gids = linux.GidMappings ?? new();
        if (!rootlessEuid)
        {
            WriteFile(pid, "uid_map", uids);
            WriteFile(pid, "gid_map", gids);
            return;
        }
        if (IsOwnId(uids, Native.GetEuid())) WriteFile(pid, "uid_map", uids);
        else RunHelper("newuidmap", "linux.uidMappings", pid, uids);
        if (IsOwnId(gids, Native.GetEgid()))
        {
            // The kernel's rule for an unprivileged gid_map (Linux 3.19+): setgroups must be
            // denied first, so that nobody can drop a group to get around a "deny" ACL. The
            // container then cannot call setgroups either (init knows: it reads the file).
            string setgroups = $"/proc/{pid}/setgroups";
            try { Sys.WriteFile(setgroups, "deny"); }
            catch (SyscallException e) { throw new SyscallException("write", $"{setgroups} (deny)", e.Errno); }
            WriteFile(pid, "gid_map", gids);
        }
        else RunHelper("newgidmap", "linux.gidMappings", pid, gids);
    }

    /// <summary>One mapping of size 1 whose host id is <paramref name="own"/>: the one map an
    /// unprivileged process may write.</summary>
    public static bool IsOwnId(List<LinuxIdMapping> mappings, uint own) =>
        mappings.Count == 1 && mappings[0].Size == 1 && mappings[0].HostId == own;

    private static void WriteFile(int pid, string file, List<LinuxIdMapping> mappings)
    {
        string path = $"/proc/{pid}/{file}";
        var sb = new StringBuilder();
        foreach (var m in mappings)
            sb.Append(m.ContainerId).Append(' ').Append(m.HostId).Append(' ').Append(m.Size).Append('\n');
        try { Sys.WriteFile(path, sb.ToString()); }
        catch (SyscallException e) { throw new SyscallException("write", $"{path} ({sb.ToString().Trim().Replace('\n', ',')})", e.Errno); }
    }

    /// <summary>newuidmap PID ID HOSTID COUNT...; the helper's own message names what
    /// /etc/subuid (or /etc/subgid) lacks.</summary>
    private static void RunHelper(string helper, string field, int pid, List<LinuxIdMapping> mappings)
    {
        string path;
        try { path = ExecutableLookup.Find(helper, Environment.GetEnvironmentVariable("PATH") is { } p ? new[] { "PATH=" + p } : Array.Empty<string>()); }
        catch (InvalidOperationException)
        {
            throw new InvalidOperationException($"{field}: mapping more than the caller's own id without root needs {helper} (package uidmap), which is not in $PATH");
        }
        var argv = new List<string> { helper, pid.ToString() };
        foreach (var m in mappings)
        {
            argv.Add(m.ContainerId.ToString());
            argv.Add(m.HostId.ToString());
            argv.Add(m.Size.ToString());
        }
        int status = Spawner.RunToEnd(path, argv, Array.Empty<string>(), out string output);
        if (status != 0)
        {
            string said = output.Trim().Replace('\n', ' ');
            throw new InvalidOperationException($"{field}: {string.Join(' ', argv)} failed with exit status {status}{(said.Length > 0 ? ": " + said : "")} (are the ranges in /etc/sub{(helper == "newuidmap" ? "uid" : "gid")} for uid {Native.GetUid()}?)");
        }
    }
}
