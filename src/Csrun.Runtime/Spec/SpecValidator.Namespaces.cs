namespace Csrun.Runtime.Spec;

public static partial class SpecValidator
{
    /// <summary>HOST_NAME_MAX: sethostname(2) and setdomainname(2) refuse longer names.</summary>
    private const int MaxHostnameLength = 64;

    private static void CheckNamespaces(Context ctx)
    {
        LinuxSpec? linux = ctx.Spec.Linux;
        if (linux?.Namespaces is { } namespaces)
        {
            const string listPath = "linux.namespaces";
            var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < namespaces.Count; i++)
            {
                string entryPath = SpecPath.Index(listPath, i);
                LinuxNamespace? ns = namespaces[i];
                if (ns is null)
                    throw NullEntry(entryPath);
                string typePath = SpecPath.Field(entryPath, "type");
                if (string.IsNullOrEmpty(ns.Type))
                    throw Missing(typePath);
                if (!LinuxNamespaceTypes.IsKnown(ns.Type))
                    throw Fail(typePath, $"unknown namespace {SpecPath.Quote(ns.Type)}, expected one of {string.Join(", ", LinuxNamespaceTypes.All)}");
                if (firstIndex.TryGetValue(ns.Type, out int first))
                    throw Fail(typePath, $"duplicate namespace {SpecPath.Quote(ns.Type)}, already listed at {SpecPath.Index(listPath, first)}");
                if (!string.IsNullOrEmpty(ns.Path) && !IsAbsolute(ns.Path))
                    throw NotAbsolute(SpecPath.Field(entryPath, "path"), ns.Path);
                if (HasNul(ns.Path))
                    throw Fail(SpecPath.Field(entryPath, "path"), "contains a NUL byte");
                firstIndex.Add(ns.Type, i);
                ctx.Namespaces.Add(ns.Type, ns);
            }
        }

        CheckUserNamespace(ctx, linux);
        CheckTimeNamespace(ctx, linux);
    }

    private static void CheckUserNamespace(Context ctx, LinuxSpec? linux)
    {
        List<LinuxIdMapping>? uids = linux?.UidMappings;
        List<LinuxIdMapping>? gids = linux?.GidMappings;
        bool anyMappings = uids is { Count: > 0 } || gids is { Count: > 0 };

        if (!ctx.Has(LinuxNamespaceTypes.User))
        {
            if (anyMappings)
                throw Fail(uids is { Count: > 0 } ? "linux.uidMappings" : "linux.gidMappings",
                    "id mappings are given but linux.namespaces has no user namespace");
            if (ctx.Rootless)
                throw Fail("linux.namespaces", "a rootless container needs a user namespace");
            return;
        }

        // Joining an existing user namespace takes its mappings; a new one needs both maps,
        // because the kernel leaves unmapped ids as the overflow id and setgid(0) would fail.
        if (ctx.IsNew(LinuxNamespaceTypes.User))
        {
            if (uids is not { Count: > 0 })
                throw Fail("linux.uidMappings", "a new user namespace needs at least one uid mapping");
            if (gids is not { Count: > 0 })
                throw Fail("linux.gidMappings", "a new user namespace needs at least one gid mapping");
        }
        CheckIdMappings(uids, "linux.uidMappings");
        CheckIdMappings(gids, "linux.gidMappings");
    }

    /// <summary>The checks the kernel applies when the map is written: non-empty, no wrap, no overlap.</summary>
    private static void CheckIdMappings(List<LinuxIdMapping>? mappings, string path)
    {
        if (mappings is null)
            return;
        for (int i = 0; i < mappings.Count; i++)
        {
            string entryPath = SpecPath.Index(path, i);
            LinuxIdMapping? m = mappings[i];
            if (m is null)
                throw NullEntry(entryPath);
            if (m.Size == 0)
                throw Fail(SpecPath.Field(entryPath, "size"), "must be greater than 0");
            if ((ulong)m.ContainerId + m.Size > 1UL << 32)
                throw Fail(entryPath, $"containerID {m.ContainerId} + size {m.Size} goes past the largest id 4294967295");
            if ((ulong)m.HostId + m.Size > 1UL << 32)
                throw Fail(entryPath, $"hostID {m.HostId} + size {m.Size} goes past the largest id 4294967295");
            for (int j = 0; j < i; j++)
            {
                LinuxIdMapping other = mappings[j];
                if (Overlaps(m.ContainerId, other.ContainerId, m.Size, other.Size))
                    throw Fail(entryPath, $"container id range overlaps {SpecPath.Index(path, j)}");
                if (Overlaps(m.HostId, other.HostId, m.Size, other.Size))
                    throw Fail(entryPath, $"host id range overlaps {SpecPath.Index(path, j)}");
            }
        }
    }

    private static bool Overlaps(uint startA, uint startB, uint sizeA, uint sizeB) =>
        (ulong)startA < (ulong)startB + sizeB && (ulong)startB < (ulong)startA + sizeA;

    private static void CheckTimeNamespace(Context ctx, LinuxSpec? linux)
    {
        Dictionary<string, LinuxTimeOffset>? offsets = linux?.TimeOffsets;
        if (offsets is null)
            return;
        const string path = "linux.timeOffsets";
        if (!ctx.Has(LinuxNamespaceTypes.Time))
            throw Fail(path, "time offsets are given but linux.namespaces has no time namespace");
        if (!ctx.IsNew(LinuxNamespaceTypes.Time))
            throw Fail(path, "time offsets cannot be applied when joining an existing time namespace (linux.namespaces has a path for it)");
        foreach ((string clock, LinuxTimeOffset? offset) in offsets)
        {
            string entryPath = SpecPath.Key(path, clock);
            if (clock is not ("monotonic" or "boottime"))
                throw Fail(entryPath, $"unknown clock {SpecPath.Quote(clock)}, expected \"monotonic\" or \"boottime\"");
            if (offset is null)
                throw NullEntry(entryPath);
            if (offset.Nanosecs >= 1_000_000_000)
                throw Fail(SpecPath.Field(entryPath, "nanosecs"), $"must be less than 1000000000, got {offset.Nanosecs}");
        }
    }

    private static void CheckUts(Context ctx)
    {
        CheckUtsName(ctx, ctx.Spec.Hostname, "hostname");
        CheckUtsName(ctx, ctx.Spec.Domainname, "domainname");
    }

    private static void CheckUtsName(Context ctx, string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
            return;
        if (!ctx.Has(LinuxNamespaceTypes.Uts))
            throw Fail(field, $"unable to set {field} without a private UTS namespace (add {{\"type\": \"uts\"}} to linux.namespaces)");
        if (System.Text.Encoding.UTF8.GetByteCount(value) > MaxHostnameLength)
            throw Fail(field, $"longer than {MaxHostnameLength} bytes");
        if (HasNul(value))
            throw Fail(field, "contains a NUL byte");
    }
}
