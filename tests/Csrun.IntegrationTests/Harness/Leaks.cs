using Xunit.Sdk;

namespace Csrun.IntegrationTests.Harness;

/// <summary>
/// Checks, typically after a failing command, that the runtime left nothing behind for a container:
/// no state dir for the id under --root, no cgroup dir for the bundle's cgroupsPath in any hierarchy,
/// no live process whose cmdline, cwd or root references the bundle dir, no mount under the bundle dir.
/// Polls for a short grace period (teardown by pid 1 reaping is asynchronous) and then fails listing
/// everything found.
/// </summary>
public static class Leaks
{
    public static void AssertClean(Sandbox sb, Bundle? bundle, string? id, bool rootMustBeEmpty = false,
        TimeSpan? grace = null)
    {
        List<string> problems = [];
        bool clean = Wait.Until(() =>
        {
            problems = Find(sb, bundle, id, rootMustBeEmpty);
            return problems.Count == 0;
        }, grace ?? TimeSpan.FromSeconds(2), 100);
        if (!clean)
            throw new XunitException("leaks found:\n  " + string.Join("\n  ", problems));
    }

    public static List<string> Find(Sandbox sb, Bundle? bundle, string? id, bool rootMustBeEmpty)
    {
        var problems = new List<string>();

        if (!string.IsNullOrEmpty(id))
        {
            foreach (string candidate in StatePaths(sb.Root, id))
                if (Directory.Exists(candidate) || File.Exists(candidate))
                    problems.Add($"state dir/file for id '{Short(id)}' exists: {candidate}");
        }
        if (rootMustBeEmpty && Directory.Exists(sb.Root))
        {
            string[] entries = Directory.GetFileSystemEntries(sb.Root);
            if (entries.Length > 0)
                problems.Add($"--root {sb.Root} not empty: {string.Join(", ", entries.Select(Path.GetFileName))}");
        }

        if (bundle is not null)
        {
            foreach (string d in Cgroups.ExistingDirs(bundle.CgroupsPath))
                problems.Add($"cgroup dir exists: {d}");

            string dir = bundle.Dir;
            int self = Environment.ProcessId;
            foreach (int pid in Procs.AllPids())
            {
                if (pid == self || !Procs.IsAlive(pid)) continue;
                string? cmd = Procs.Cmdline(pid);
                string? cwd = Procs.Link(pid, "cwd");
                string? root = Procs.Link(pid, "root");
                if ((cmd is not null && References(cmd, dir)) || Procs.IsUnder(cwd, dir) || Procs.IsUnder(root, dir))
                    problems.Add($"process {pid} references bundle: cmdline='{cmd}' cwd={cwd} root={root}");
            }

            foreach (MountInfo m in Mounts.Under(dir))
                problems.Add($"mount under bundle: {m}");
        }
        return problems;
    }

    private static IEnumerable<string> StatePaths(string root, string id)
    {
        string p;
        try { p = Path.GetFullPath(Path.Combine(root, id)); }
        catch { yield break; }
        yield return p;
        int slash = id.IndexOf('/');
        if (slash > 0 && id[..slash] is not ("." or ".."))
            yield return Path.Combine(root, id[..slash]);
    }

    private static bool References(string cmdline, string dir)
    {
        int i = 0;
        while ((i = cmdline.IndexOf(dir, i, StringComparison.Ordinal)) >= 0)
        {
            int end = i + dir.Length;
            if (end == cmdline.Length || cmdline[end] is '/' or ' ') return true;
            i = end;
        }
        return false;
    }

    private static string Short(string s) => s.Length > 40 ? s[..20] + $"...({s.Length} chars)" : s;
}
