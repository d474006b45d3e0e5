using System.Text;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Process;

/// <summary>uid_map / gid_map contents: one "containerID hostID size" line per mapping.</summary>
public static class IdMapText
{
    public static string Format(List<LinuxIdMapping>? mappings)
    {
        var sb = new StringBuilder();
        foreach (var m in mappings ?? new())
            sb.Append(m.ContainerId).Append(' ').Append(m.HostId).Append(' ').Append(m.Size).Append('\n');
        return sb.ToString();
    }
}
