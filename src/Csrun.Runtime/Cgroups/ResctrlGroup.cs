using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Cgroups;

/// <summary>
/// linux.intelRdt: the container's class of service, a directory of the resctrl filesystem
/// (closID, or the container id), its schemata, and the pid in its tasks file, as runc does it.
/// Found (or refused) before create makes anything; made once init is in its cgroup; removed
/// at delete when csrun named it after the container (a given closID is shared and external).
/// </summary>
public sealed class ResctrlGroup
{
    /// <summary>Where the kernel's resctrl support puts the filesystem by default.</summary>
    public const string DefaultMountPoint = "/sys/fs/resctrl";

    private readonly LinuxIntelRdt _rdt;
    private readonly string _root;

    /// <summary>The group's directory; the resctrl root when closID is "/" (the default group).</summary>
    public string Path { get; }

    /// <summary>True when the group is the container's own (no closID): delete removes it.</summary>
    public bool Owned { get; }

    private ResctrlGroup(LinuxIntelRdt rdt, string root, string path, bool owned)
    {
        _rdt = rdt;
        _root = root;
        Path = path;
        Owned = owned;
    }

    /// <summary>
    /// The group a config asks for, or one line in runc's words when this host cannot give it:
    /// no resctrl filesystem mounted (/proc/self/mountinfo has no fstype resctrl), or a schema
    /// for a resource the kernel does not offer (no info/L3 or info/MB).
    /// </summary>
    public static ResctrlGroup For(LinuxIntelRdt rdt, string containerId, string mountinfo)
    {
        string? root = FindMountPoint(mountinfo);
        bool cat = root is not null && Directory.Exists(System.IO.Path.Combine(root, "info", "L3"));
        bool mba = root is not null && Directory.Exists(System.IO.Path.Combine(root, "info", "MB"));
        // runc 1.2's texts for a schema the host cannot apply; where runc 1.2 would skip the
        // setting silently (no schema), newer runc's text: never run without what was asked.
        if (!cat && !string.IsNullOrEmpty(rdt.L3CacheSchema))
            throw new NotSupportedException("intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled");
        if (!mba && !string.IsNullOrEmpty(rdt.MemBwSchema))
            throw new NotSupportedException("intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled");
        if (root is null)
            throw new NotSupportedException("intelRdt is specified in config, but Intel RDT is not enabled");

        bool owned = string.IsNullOrEmpty(rdt.ClosId);
        string path = owned ? System.IO.Path.Combine(root, containerId)
            : rdt.ClosId == "/" ? root : System.IO.Path.Combine(root, rdt.ClosId!);
        return new ResctrlGroup(rdt, root, path, owned);
    }

    /// <summary>The mount point of the first resctrl filesystem in a mountinfo text, or null.</summary>
    public static string? FindMountPoint(string mountinfo)
    {
        foreach (string line in mountinfo.Split('\n'))
        {
            string[] fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (dash >= 5 && dash + 1 < fields.Length && fields[dash + 1] == "resctrl")
                return CgroupHierarchies.Unescape(fields[4]);
        }
        return null;
    }

    /// <summary>The lines written to the group's schemata file, in runc's order; empty when none.</summary>
    public static string SchemataText(LinuxIntelRdt rdt)
    {
        var lines = new List<string>();
        if (!string.IsNullOrEmpty(rdt.L3CacheSchema)) lines.Add(rdt.L3CacheSchema);
        if (!string.IsNullOrEmpty(rdt.MemBwSchema)) lines.Add(rdt.MemBwSchema);
        foreach (string line in rdt.Schemata ?? new()) if (!string.IsNullOrEmpty(line)) lines.Add(line);
        return string.Join('\n', lines);
    }

    /// <summary>Makes the group (a named closID without schemata must exist already, as the
    /// runtime-spec says), writes its schemata and puts <paramref name="pid"/> in it.</summary>
    public void Apply(int pid)
    {
        string schemata = SchemataText(_rdt);
        if (!Owned && schemata.Length == 0 && !Directory.Exists(Path))
            throw new InvalidOperationException($"linux.intelRdt.closID: clos dir not accessible (must be pre-created when l3CacheSchema and memBwSchema are empty): {Path}");
        Sys.MkdirAll(Path, 0x1ed);
        if (schemata.Length > 0) WriteControl("schemata", schemata);
        WriteControl("tasks", pid.ToString());
    }

    /// <summary>Removes the container's own group (its tasks have left once init is gone).</summary>
    public static void Remove(string? path)
    {
        if (string.IsNullOrEmpty(path)) return;
        try { Directory.Delete(path); }
        catch (DirectoryNotFoundException) { }
        catch (IOException e) { throw new IOException($"rmdir {path} (linux.intelRdt group): {e.Message}", e); }
    }

    private void WriteControl(string file, string content)
    {
        string path = System.IO.Path.Combine(Path, file);
        try { Sys.WriteFile(path, content); }
        catch (SyscallException e)
        {
            // The kernel explains a refused write in info/last_cmd_status.
            string status = "";
            try { status = File.ReadAllText(System.IO.Path.Combine(_root, "info", "last_cmd_status")).Trim(); }
            catch (IOException) { }
            throw new SyscallException("write", $"{path} (linux.intelRdt{(status.Length > 0 ? ", last_cmd_status: " + status : "")})", e.Errno);
        }
    }
}
