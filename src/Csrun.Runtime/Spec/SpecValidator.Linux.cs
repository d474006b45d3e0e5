namespace Csrun.Runtime.Spec;

public static partial class SpecValidator
{
    /// <summary>IFNAMSIZ including the terminating NUL: names have at most 15 bytes.</summary>
    private const int InterfaceNameSize = 16;

    // Sysctls the IPC namespace isolates (besides fs.mqueue.*), as listed by runc.
    private static readonly string[] IpcSysctls =
    [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    ];

    private static void CheckLinux(Context ctx)
    {
        LinuxSpec? linux = ctx.Spec.Linux;
        if (linux is null)
            return;
        CheckDevices(linux.Devices);
        CheckNetDevices(ctx, linux.NetDevices);
        CheckResources(linux.Resources);
        if (HasNul(linux.CgroupsPath))
            throw Fail("linux.cgroupsPath", "contains a NUL byte");
        if (!string.IsNullOrEmpty(linux.RootfsPropagation) && !MountOptionNames.IsPropagation(linux.RootfsPropagation))
            throw Fail("linux.rootfsPropagation",
                $"unknown value {SpecPath.Quote(linux.RootfsPropagation)}, expected one of {string.Join(", ", MountOptionNames.Propagation)}");
        CheckSeccomp(linux.Seccomp);
        CheckSysctl(ctx, linux.Sysctl);
        CheckContainerPaths(ctx, linux.MaskedPaths, "linux.maskedPaths");
        CheckContainerPaths(ctx, linux.ReadonlyPaths, "linux.readonlyPaths");
        CheckIntelRdt(linux.IntelRdt);
        CheckMemoryPolicy(linux.MemoryPolicy);
        CheckPersonality(linux.Personality, ctx.Warnings);
    }

    private static void CheckDevices(List<LinuxDevice>? devices)
    {
        if (devices is null)
            return;
        for (int i = 0; i < devices.Count; i++)
        {
            string entryPath = SpecPath.Index("linux.devices", i);
            LinuxDevice? device = devices[i];
            if (device is null)
                throw NullEntry(entryPath);
            string typePath = SpecPath.Field(entryPath, "type");
            if (string.IsNullOrEmpty(device.Type))
                throw Missing(typePath);
            if (device.Type is not ("c" or "b" or "u" or "p"))
                throw Fail(typePath, $"unknown device type {SpecPath.Quote(device.Type)}, expected one of c, b, u, p");
            string pathPath = SpecPath.Field(entryPath, "path");
            if (string.IsNullOrEmpty(device.Path))
                throw Missing(pathPath);
            if (!IsAbsolute(device.Path))
                throw NotAbsolute(pathPath, device.Path);
            if (HasNul(device.Path))
                throw Fail(pathPath, "contains a NUL byte");
        }
    }

    private static void CheckNetDevices(Context ctx, Dictionary<string, LinuxNetDevice>? netDevices)
    {
        if (netDevices is null || netDevices.Count == 0)
            return;
        const string path = "linux.netDevices";
        if (!ctx.Has(LinuxNamespaceTypes.Network))
            throw Fail(path, "unable to move network devices without a network namespace (add {\"type\": \"network\"} to linux.namespaces)");
        if (ctx.Rootless)
            throw Fail(path, "network devices cannot be moved by a rootless container");
        foreach ((string hostName, LinuxNetDevice? device) in netDevices)
        {
            string entryPath = SpecPath.Key(path, hostName);
            if (!IsValidInterfaceName(hostName))
                throw Fail(entryPath, $"invalid network device name {SpecPath.Quote(hostName)}");
            if (device is null)
                throw NullEntry(entryPath);
            if (!string.IsNullOrEmpty(device.Name) && !IsValidInterfaceName(device.Name))
                throw Fail(SpecPath.Field(entryPath, "name"), $"invalid network device name {SpecPath.Quote(device.Name)}");
        }
    }

    // The kernel's dev_valid_name().
    private static bool IsValidInterfaceName(string name)
    {
        if (name.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(name) >= InterfaceNameSize)
            return false;
        if (name is "." or "..")
            return false;
        foreach (char c in name)
            if (c == '/' || c == ':' || char.IsWhiteSpace(c) || c == '\0')
                return false;
        return true;
    }

    /// <summary>
    /// /proc/sys is only partly namespaced; a sysctl is allowed when the namespace that
    /// isolates it is part of the container, as runc decides it.
    /// </summary>
    private static void CheckSysctl(Context ctx, Dictionary<string, string>? sysctl)
    {
        if (sysctl is null)
            return;
        foreach (string rawKey in sysctl.Keys)
        {
            string entryPath = SpecPath.Key("linux.sysctl", rawKey);
            if (rawKey.Length == 0)
                throw Fail(entryPath, "sysctl names must not be empty");
            string key = ToDotSeparated(rawKey);

            if (Array.IndexOf(IpcSysctls, key) >= 0 || key.StartsWith("fs.mqueue.", StringComparison.Ordinal))
            {
                if (!ctx.Has(LinuxNamespaceTypes.Ipc))
                    throw Fail(entryPath, $"sysctl {SpecPath.Quote(key)} is not allowed without an ipc namespace");
                continue;
            }
            if (key.StartsWith("net.", StringComparison.Ordinal))
            {
                // A joined network namespace could be the host's; runc compares inodes,
                // which is left to the code that applies sysctls.
                if (!ctx.Has(LinuxNamespaceTypes.Network))
                    throw Fail(entryPath, $"sysctl {SpecPath.Quote(key)} is not allowed without a network namespace");
                continue;
            }
            if (ctx.Has(LinuxNamespaceTypes.Uts))
            {
                if (key == "kernel.domainname")
                    continue;
                if (key == "kernel.hostname")
                    throw Fail(entryPath, "sysctl \"kernel.hostname\" is not allowed, use the \"hostname\" field");
            }
            if (key.StartsWith("user.", StringComparison.Ordinal))
            {
                if (!ctx.Has(LinuxNamespaceTypes.User))
                    throw Fail(entryPath, $"sysctl {SpecPath.Quote(key)} is not allowed without a user namespace");
                continue;
            }
            throw Fail(entryPath, $"sysctl {SpecPath.Quote(key)} is not in a separate kernel namespace, so the container cannot set it");
        }
    }

    /// <summary>sysctl(8) also accepts "/" as separator, in which case "." means a literal dot.</summary>
    private static string ToDotSeparated(string key)
    {
        int first = key.AsSpan().IndexOfAny('.', '/');
        if (first < 0 || key[first] == '.')
            return key;
        var chars = key.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            chars[i] = chars[i] switch { '.' => '/', '/' => '.', _ => chars[i] };
        return new string(chars);
    }

    private static void CheckContainerPaths(Context ctx, List<string>? paths, string path)
    {
        if (paths is null || paths.Count == 0)
            return;
        for (int i = 0; i < paths.Count; i++)
        {
            if (!IsAbsolute(paths[i]))
                throw NotAbsolute(SpecPath.Index(path, i), paths[i]);
            if (HasNul(paths[i]))
                throw Fail(SpecPath.Index(path, i), "contains a NUL byte");
        }
        // Masking host paths would change the host itself.
        if (!ctx.Has(LinuxNamespaceTypes.Mount))
            throw Fail(path, "cannot be applied without a mount namespace (add {\"type\": \"mount\"} to linux.namespaces)");
    }

    private static void CheckIntelRdt(LinuxIntelRdt? rdt)
    {
        if (rdt is null)
            return;
        const string path = "linux.intelRdt";
        string? clos = rdt.ClosId;
        if (clos is "." or ".." || (clos is { Length: > 1 } && clos.Contains('/')) || HasNul(clos))
            throw Fail(SpecPath.Field(path, "closID"), $"invalid resctrl group name {SpecPath.Quote(clos)}");
        if (rdt.L3CacheSchema is { } l3 && l3.Contains('\n'))
            throw Fail(SpecPath.Field(path, "l3CacheSchema"), "must not contain newlines");
        if (!string.IsNullOrEmpty(rdt.MemBwSchema))
        {
            if (!rdt.MemBwSchema.StartsWith("MB:", StringComparison.Ordinal))
                throw Fail(SpecPath.Field(path, "memBwSchema"), $"must start with \"MB:\", got {SpecPath.Quote(rdt.MemBwSchema)}");
            if (rdt.MemBwSchema.Contains('\n'))
                throw Fail(SpecPath.Field(path, "memBwSchema"), "must not contain newlines");
        }
        if (rdt.Schemata is { } schemata)
            for (int i = 0; i < schemata.Count; i++)
                if (schemata[i] is null || schemata[i].Contains('\n'))
                    throw Fail(SpecPath.Index(SpecPath.Field(path, "schemata"), i), "must be a single line");
    }

    // Mirrors runc's conversion and mode checks, which follow set_mempolicy(2).
    private static void CheckMemoryPolicy(LinuxMemoryPolicy? policy)
    {
        if (policy is null)
            return;
        const string path = "linux.memoryPolicy";
        string modePath = SpecPath.Field(path, "mode");
        if (string.IsNullOrEmpty(policy.Mode))
            throw Missing(modePath);
        if (!MemoryPolicyNames.Modes.ContainsKey(policy.Mode))
            throw Fail(modePath, $"unknown mode {SpecPath.Quote(policy.Mode)}, expected one of {string.Join(", ", MemoryPolicyNames.Modes.Keys)}");

        bool isStatic = false, isRelative = false;
        if (policy.Flags is { } flags)
        {
            for (int i = 0; i < flags.Count; i++)
            {
                if (flags[i] is null || !MemoryPolicyNames.Flags.ContainsKey(flags[i]))
                    throw Fail(SpecPath.Index(SpecPath.Field(path, "flags"), i), $"unknown flag {SpecPath.Quote(flags[i])}");
                isStatic |= flags[i] == "MPOL_F_STATIC_NODES";
                isRelative |= flags[i] == "MPOL_F_RELATIVE_NODES";
            }
        }
        if (isStatic && isRelative)
            throw Fail(SpecPath.Field(path, "flags"), "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES cannot be combined");

        string nodesPath = SpecPath.Field(path, "nodes");
        if (!CpuList.TryParse(policy.Nodes, out List<int> nodes, out string? error))
            throw Fail(nodesPath, error!);
        if (MemoryPolicyNames.ForbidsNodes(policy.Mode) && nodes.Count != 0)
            throw Fail(nodesPath, $"must be empty for {policy.Mode}");
        if (MemoryPolicyNames.NeedsNodes(policy.Mode) && nodes.Count == 0)
            throw Fail(nodesPath, $"{policy.Mode} needs at least one node");
    }

    private static void CheckPersonality(LinuxPersonality? personality, List<string> warnings)
    {
        if (personality is null)
            return;
        string domainPath = "linux.personality.domain";
        if (string.IsNullOrEmpty(personality.Domain))
            throw Missing(domainPath);
        if (!PersonalityNames.Domains.ContainsKey(personality.Domain))
            throw Fail(domainPath, $"unknown domain {SpecPath.Quote(personality.Domain)}, expected \"LINUX\" or \"LINUX32\"");
        // The spec defines no flags yet: runc warns and goes on, so does csrun.
        if (personality.Flags is { Count: > 0 } flags)
            warnings.Add($"linux.personality.flags: ignoring unsupported personality flags {string.Join(", ", flags.Select(SpecPath.Quote))}: the spec defines none yet");
    }
}
