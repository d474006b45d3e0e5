namespace Csrun.Runtime.Cgroups;

/// <summary>
/// One container's cgroup, whatever the host runs: chosen once per host (crun's and youki's
/// shape). Resource limits come with the cgroups issue; this is create, join, list, kill, remove.
/// </summary>
public interface ICgroupManager
{
    /// <summary>Directory per hierarchy ("" is the unified one), as recorded in state.json.</summary>
    IReadOnlyDictionary<string, string> Paths { get; }

    /// <summary>Creates the directories; returns the ones it made, deepest last.</summary>
    IReadOnlyList<string> Create();

    /// <summary>The directories <see cref="Create"/> would make now, deepest last: recorded
    /// before they exist, so a create killed halfway leaves nothing `delete` does not know of.</summary>
    IReadOnlyList<string> MissingDirs();

    /// <summary>Writes linux.resources into the cgroup (before any process is in it).</summary>
    void Apply(Csrun.Runtime.Spec.LinuxResources? resources, IEnumerable<Csrun.Runtime.Spec.LinuxDevice>? devices, bool forCreate = true);

    /// <summary>Freezes (pause) or thaws (resume) every process, returning once the kernel says done.</summary>
    void Freeze(bool frozen);

    /// <summary>An O_PATH fd of the cgroup for clone3's CLONE_INTO_CGROUP, or -1 when the host can't.</summary>
    int OpenForClone();

    /// <summary>Moves a process into the cgroup (every hierarchy).</summary>
    void Join(int pid);

    /// <summary>Host pids of every process in the cgroup.</summary>
    List<int> Pids();

    bool IsFrozen();

    /// <summary>SIGKILLs everything through cgroup.kill where the kernel has it; false otherwise.</summary>
    bool TryKillAll();

    /// <summary>Kills every process, waits until the cgroup is empty, and removes the
    /// directories <paramref name="created"/> lists (deepest first).</summary>
    void Destroy(IReadOnlyList<string> created);
}
