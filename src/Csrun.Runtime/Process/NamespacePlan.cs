using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Process;

/// <summary>
/// How the spec's namespaces are made: which are born with clone3, which are joined by path
/// (and where), and which are unshared after joining a user namespace so the joined one owns them.
/// Pure logic: no system call.
/// </summary>
public sealed class NamespacePlan
{
    public static readonly IReadOnlyDictionary<string, ulong> Flags = new Dictionary<string, ulong>
    {
        ["user"] = K.CLONE_NEWUSER, ["pid"] = K.CLONE_NEWPID, ["mount"] = K.CLONE_NEWNS,
        ["network"] = K.CLONE_NEWNET, ["ipc"] = K.CLONE_NEWIPC, ["uts"] = K.CLONE_NEWUTS,
        ["cgroup"] = K.CLONE_NEWCGROUP, ["time"] = K.CLONE_NEWTIME,
    };

    /// <summary>Namespaces created by clone3 itself.</summary>
    public ulong CloneFlags { get; private set; }
    /// <summary>Namespaces the child unshares after joining (only with a joined user namespace).</summary>
    public ulong UnshareFlags { get; private set; }
    /// <summary>
    /// A new time namespace is unshared by the child before it waits for the parent: a process
    /// born into one (clone3 CLONE_NEWTIME) freezes its offsets at once, so the parent writes
    /// timens_offsets in between, and the child enters the namespace when it execs.
    /// </summary>
    public ulong EarlyUnshareFlags { get; private set; }
    /// <summary>A pid namespace the parent enters (for its children) before cloning.</summary>
    public string? PidNamespacePath { get; private set; }
    /// <summary>(type, path) joined by the child, user namespace first.</summary>
    public List<(string Type, string Path)> Joins { get; } = new();

    public bool NewUser => (CloneFlags & K.CLONE_NEWUSER) != 0;
    public bool NewPid => ((CloneFlags | EarlyUnshareFlags) & K.CLONE_NEWPID) != 0;
    public bool NewTime => (EarlyUnshareFlags & K.CLONE_NEWTIME) != 0;
    /// <summary>
    /// Before Linux 6.x's "switch timens on exec", a process whose time namespace differs from
    /// its children's cannot start threads, and .NET needs threads. So with a time namespace the
    /// clone child unshares it (and the pid namespace) and forks once more: the grandchild is
    /// born inside both and becomes init; the middle child reports its pid and exits.
    /// </summary>
    public bool ForkAfterGo => NewTime;
    /// <summary>
    /// A new cgroup namespace is rooted at the cgroup its creator is in, and init enters the
    /// container's cgroup only once its runtime has started (so that start-up memory stays
    /// charged to the caller): init unshares it itself, after the parent moved it. Neither
    /// clone3 nor the clone child make it.
    /// </summary>
    public bool NewCgroup { get; private set; }
    public bool Has(string type) => Types.Contains(type);
    public HashSet<string> Types { get; } = new();

    public static NamespacePlan From(IEnumerable<(string Type, string? Path)> namespaces)
    {
        var plan = new NamespacePlan();
        ulong created = 0;
        string? userPath = null;
        foreach (var (type, path) in namespaces)
        {
            if (!Flags.TryGetValue(type, out ulong flag)) throw new ArgumentException($"unknown namespace \"{type}\"");
            plan.Types.Add(type);
            if (string.IsNullOrEmpty(path)) { created |= flag; continue; }
            if (type == "pid") plan.PidNamespacePath = path;
            else if (type == "user") userPath = path;
            else plan.Joins.Add((type, path));
        }
        if (userPath is not null)
        {
            plan.Joins.Insert(0, ("user", userPath));
            // Namespaces unshared after setns(user) belong to the joined user namespace. A new pid
            // or time namespace only applies to children, so those are made by clone3.
            // (init's own unshare of the cgroup namespace happens in the joined one too.)
            plan.CloneFlags = created & K.CLONE_NEWPID;
            plan.UnshareFlags = created & ~(K.CLONE_NEWPID | K.CLONE_NEWTIME | K.CLONE_NEWCGROUP);
        }
        else plan.CloneFlags = created & ~(K.CLONE_NEWCGROUP | K.CLONE_NEWTIME);
        plan.NewCgroup = (created & K.CLONE_NEWCGROUP) != 0;
        plan.EarlyUnshareFlags = created & K.CLONE_NEWTIME;
        if (plan.EarlyUnshareFlags != 0)
        {
            // The middle child must not be pid 1 of the new pid namespace: it is about to exit.
            plan.EarlyUnshareFlags |= plan.CloneFlags & K.CLONE_NEWPID;
            plan.CloneFlags &= ~K.CLONE_NEWPID;
        }
        return plan;
    }
}
