namespace Csrun.Runtime.Spec;

public static partial class SpecValidator
{
    private static void CheckMounts(Context ctx)
    {
        List<SpecMount>? mounts = ctx.Spec.Mounts;
        if (mounts is null)
            return;
        for (int i = 0; i < mounts.Count; i++)
        {
            string path = SpecPath.Index("mounts", i);
            SpecMount? mount = mounts[i];
            if (mount is null)
                throw NullEntry(path);
            CheckMount(ctx, mount, path);
        }
    }

    private static void CheckMount(Context ctx, SpecMount mount, string path)
    {
        string destinationPath = SpecPath.Field(path, "destination");
        if (string.IsNullOrEmpty(mount.Destination))
            throw Missing(destinationPath);

        // Mount arguments travel to the init process as NUL-terminated strings.
        if (HasNul(mount.Destination))
            throw Fail(destinationPath, "contains a NUL byte");
        if (HasNul(mount.Source))
            throw Fail(SpecPath.Field(path, "source"), "contains a NUL byte");
        if (HasNul(mount.Type))
            throw Fail(SpecPath.Field(path, "type"), "contains a NUL byte");

        // Linux allows relative destinations (taken from "/") for old configs; runc only warns.
        if (!IsAbsolute(mount.Destination))
            ctx.Warnings.Add($"{destinationPath}: {SpecPath.Quote(mount.Destination)} is relative and is taken as relative to \"/\"; relative destinations are deprecated");

        string optionsPath = SpecPath.Field(path, "options");
        if (mount.Options is { } options)
            for (int j = 0; j < options.Count; j++)
                if (options[j] is null)
                    throw Fail(SpecPath.Index(optionsPath, j), "expected a string, got null");

        bool bind = MountOptionNames.IsBind(mount.Options);
        if (bind)
        {
            if (string.IsNullOrEmpty(mount.Source))
                throw Fail(SpecPath.Field(path, "source"), "required for a bind mount");
            // A bind mount takes no filesystem data: runc ignores options such as "size=" or
            // "mode=" there (configs in the wild carry them), so csrun ignores them too, and says so.
            for (int j = 0; mount.Options is not null && j < mount.Options.Count; j++)
                if (!MountOptionNames.IsKnown(mount.Options[j]))
                    ctx.Warnings.Add($"{SpecPath.Index(optionsPath, j)}: {SpecPath.Quote(mount.Options[j])} is a filesystem option, which a bind mount ignores");
        }
        else if (string.IsNullOrEmpty(mount.Type) && !ChangesExistingMount(mount.Options))
        {
            throw Fail(SpecPath.Field(path, "type"),
                "required for a mount that is not a bind mount (for a bind mount add \"bind\" or \"rbind\" to options)");
        }

        CheckIdMappedMount(ctx, mount, path, bind);
        if (ctx.Rootless)
            CheckRootlessMountIds(ctx, mount, optionsPath);
    }

    /// <summary>remount and propagation-only entries act on an existing mount and need no type.</summary>
    private static bool ChangesExistingMount(List<string>? options)
    {
        if (options is null || options.Count == 0)
            return false;
        bool propagationOnly = true;
        foreach (string option in options)
        {
            if (option == "remount")
                return true;
            if (!MountOptionNames.IsPropagation(option))
                propagationOnly = false;
        }
        return propagationOnly;
    }

    private static void CheckIdMappedMount(Context ctx, SpecMount mount, string path, bool bind)
    {
        bool hasUids = mount.UidMappings is not null;
        bool hasGids = mount.GidMappings is not null;
        bool idmapOption = MountOptionNames.IsIdMap(mount.Options);
        if (!hasUids && !hasGids && !idmapOption)
            return;

        if (hasUids || hasGids)
        {
            if (mount.UidMappings is not { Count: > 0 })
                throw Fail(SpecPath.Field(path, "uidMappings"), "required (non-empty) when gidMappings is given; both maps must be set");
            if (mount.GidMappings is not { Count: > 0 })
                throw Fail(SpecPath.Field(path, "gidMappings"), "required (non-empty) when uidMappings is given; both maps must be set");
            CheckIdMappings(mount.UidMappings, SpecPath.Field(path, "uidMappings"));
            CheckIdMappings(mount.GidMappings, SpecPath.Field(path, "gidMappings"));
            // runc takes mappings alone as "idmap"; the spec wants the option to say whether the
            // mapping reaches submounts, and csrun does not guess.
            if (!idmapOption)
                throw Fail(SpecPath.Field(path, "uidMappings"), "given without the \"idmap\" or \"ridmap\" option (add one to options: ridmap maps submounts too)");
        }
        else if (!ctx.Has(LinuxNamespaceTypes.User))
        {
            throw Fail(SpecPath.Field(path, "options"),
                "an id-mapped mount needs uidMappings and gidMappings on the mount, or a user namespace to take them from");
        }

        if (!bind)
            throw Fail(SpecPath.Field(path, "options"), "id-mapped mounts are only supported for bind mounts (add \"bind\" or \"rbind\")");
        if (ctx.Rootless)
            throw Fail(path, "id-mapped mounts are not supported for rootless containers");
    }

    /// <summary>
    /// Without root the runtime cannot chown, so uid=/gid= mount options must name ids the
    /// container's user namespace maps (runc's rootlessEUIDMount).
    /// </summary>
    private static void CheckRootlessMountIds(Context ctx, SpecMount mount, string optionsPath)
    {
        if (mount.Options is null || !ctx.IsNew(LinuxNamespaceTypes.User))
            return;
        for (int j = 0; j < mount.Options.Count; j++)
        {
            string option = mount.Options[j];
            bool isUid = option.StartsWith("uid=", StringComparison.Ordinal);
            bool isGid = option.StartsWith("gid=", StringComparison.Ordinal);
            if (!isUid && !isGid)
                continue;
            if (!uint.TryParse(option.AsSpan(4), out uint id))
                continue; // not a number: a filesystem-specific option, not ours to judge
            List<LinuxIdMapping>? map = isUid ? ctx.Spec.Linux?.UidMappings : ctx.Spec.Linux?.GidMappings;
            if (!IsMapped(map, id))
                throw Fail(SpecPath.Index(optionsPath, j),
                    $"{option} names an id that linux.{(isUid ? "uidMappings" : "gidMappings")} does not map, which a rootless container cannot use");
        }
    }

    private static bool IsMapped(List<LinuxIdMapping>? map, uint containerId)
    {
        if (map is null)
            return false;
        foreach (LinuxIdMapping m in map)
            if (containerId >= m.ContainerId && (ulong)containerId < (ulong)m.ContainerId + m.Size)
                return true;
        return false;
    }

    private static void CheckHooks(SpecHooks? hooks)
    {
        if (hooks is null)
            return;
        CheckHookList(hooks.Prestart, "hooks.prestart");
        CheckHookList(hooks.CreateRuntime, "hooks.createRuntime");
        CheckHookList(hooks.CreateContainer, "hooks.createContainer");
        CheckHookList(hooks.StartContainer, "hooks.startContainer");
        CheckHookList(hooks.Poststart, "hooks.poststart");
        CheckHookList(hooks.Poststop, "hooks.poststop");
    }

    private static void CheckHookList(List<SpecHook>? list, string path)
    {
        if (list is null)
            return;
        for (int i = 0; i < list.Count; i++)
        {
            string entryPath = SpecPath.Index(path, i);
            SpecHook? hook = list[i];
            if (hook is null)
                throw NullEntry(entryPath);
            string hookPath = SpecPath.Field(entryPath, "path");
            if (string.IsNullOrEmpty(hook.Path))
                throw Missing(hookPath);
            if (!IsAbsolute(hook.Path))
                throw NotAbsolute(hookPath, hook.Path);
            if (HasNul(hook.Path))
                throw Fail(hookPath, "contains a NUL byte");
            if (hook.Timeout is int timeout && timeout <= 0)
                throw Fail(SpecPath.Field(entryPath, "timeout"), $"must be greater than zero, got {timeout}");
            if (hook.Args is { } args)
                for (int j = 0; j < args.Count; j++)
                    if (args[j] is null || HasNul(args[j]))
                        throw Fail(SpecPath.Index(SpecPath.Field(entryPath, "args"), j), "must be a string without NUL bytes");
            CheckEnv(hook.Env, SpecPath.Field(entryPath, "env"));
        }
    }
}
