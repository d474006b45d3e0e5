namespace Csrun.ManagerTests.Harness;

/// <summary>
/// Files and dirs the managers create outside their private dirs whatever they are told (shim
/// sockets in /run/containerd/s, dockerd's /etc/docker/key.json, podman's blob cache...). The
/// first fixture to name a path records whether it existed before this test run; when the last
/// fixture holding it is done, what did not exist before is removed in the order given: files
/// deleted, dirs only when empty (another test run on the machine may be using them).
/// </summary>
public static class OutsideDroppings
{
    private static readonly object s_lock = new();
    private static readonly Dictionary<string, (bool IsDir, bool Existed, int Holders)> s_paths = new();
    private static readonly List<string> s_order = new();

    public static void Hold(string path, bool isDir)
    {
        lock (s_lock)
        {
            if (s_paths.TryGetValue(path, out var e))
                s_paths[path] = e with { Holders = e.Holders + 1 };
            else
            {
                s_paths[path] = (isDir, File.Exists(path) || Directory.Exists(path), 1);
                s_order.Add(path);
            }
        }
    }

    /// <summary>Releases the paths; returns what could not be removed.</summary>
    public static IReadOnlyList<string> Release(IEnumerable<string> paths)
    {
        var problems = new List<string>();
        lock (s_lock)
        {
            var released = new HashSet<string>(paths);
            foreach (string path in s_order.ToList())
            {
                if (!released.Contains(path)) continue;
                var e = s_paths[path];
                if (e.Holders > 1)
                {
                    s_paths[path] = e with { Holders = e.Holders - 1 };
                    continue;
                }
                s_paths.Remove(path);
                s_order.Remove(path);
                if (e.Existed) continue;
                try
                {
                    if (e.IsDir && Directory.Exists(path) && !Directory.EnumerateFileSystemEntries(path).Any()) Directory.Delete(path);
                    else if (!e.IsDir && File.Exists(path)) File.Delete(path);
                }
                catch (Exception x) when (x is IOException or UnauthorizedAccessException) { problems.Add($"{path}: {x.Message}"); }
            }
        }
        return problems;
    }
}
