namespace Csrun.Runtime.Spec;

public static partial class SpecValidator
{
    /// <summary>Syscalls take at most six arguments.</summary>
    private const uint MaxSyscallArgs = 6;

    private static void CheckSeccomp(LinuxSeccomp? seccomp)
    {
        if (seccomp is null)
            return;
        const string path = "linux.seccomp";
        string defaultPath = SpecPath.Field(path, "defaultAction");

        // Like runc: no default action and no rules means "no filter".
        if (string.IsNullOrEmpty(seccomp.DefaultAction))
        {
            if (seccomp.Syscalls is { Count: > 0 })
                throw Missing(defaultPath);
            return;
        }
        if (!SeccompNames.IsAction(seccomp.DefaultAction))
            throw Fail(defaultPath, $"unknown action {SpecPath.Quote(seccomp.DefaultAction)}");
        // The runtime itself must still write the notify fd back to its parent after the
        // filter is loaded; a notifying default would deadlock that.
        if (seccomp.DefaultAction == SeccompNames.ActNotify)
            throw Fail(defaultPath, "SCMP_ACT_NOTIFY cannot be the default action");
        if (seccomp.DefaultErrnoRet is not null && !SeccompNames.AcceptsErrno(seccomp.DefaultAction))
            throw Fail(SpecPath.Field(path, "defaultErrnoRet"),
                $"only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {seccomp.DefaultAction}");

        CheckNameList(seccomp.Architectures, SpecPath.Field(path, "architectures"), SeccompNames.IsArchitecture, "architecture");
        CheckNameList(seccomp.Flags, SpecPath.Field(path, "flags"), SeccompNames.IsFlag, "seccomp flag");

        if (!string.IsNullOrEmpty(seccomp.ListenerMetadata) && string.IsNullOrEmpty(seccomp.ListenerPath))
            throw Fail(SpecPath.Field(path, "listenerMetadata"), "must not be set without listenerPath");

        bool usesNotify = false;
        if (seccomp.Syscalls is { } syscalls)
        {
            string listPath = SpecPath.Field(path, "syscalls");
            for (int i = 0; i < syscalls.Count; i++)
                usesNotify |= CheckSyscallRule(syscalls[i], SpecPath.Index(listPath, i));
        }
        if (usesNotify && string.IsNullOrEmpty(seccomp.ListenerPath))
            throw Fail(SpecPath.Field(path, "listenerPath"), "required when a rule uses SCMP_ACT_NOTIFY");
    }

    /// <summary>Returns whether the rule uses SCMP_ACT_NOTIFY.</summary>
    private static bool CheckSyscallRule(LinuxSyscall? rule, string path)
    {
        if (rule is null)
            throw NullEntry(path);
        string namesPath = SpecPath.Field(path, "names");
        if (rule.Names is not { Count: > 0 })
            throw Fail(namesPath, "must contain at least one syscall name");

        string actionPath = SpecPath.Field(path, "action");
        if (string.IsNullOrEmpty(rule.Action))
            throw Missing(actionPath);
        if (!SeccompNames.IsAction(rule.Action))
            throw Fail(actionPath, $"unknown action {SpecPath.Quote(rule.Action)}");
        bool notify = rule.Action == SeccompNames.ActNotify;

        for (int i = 0; i < rule.Names.Count; i++)
        {
            string? name = rule.Names[i];
            if (string.IsNullOrEmpty(name))
                throw Fail(SpecPath.Index(namesPath, i), "syscall names must not be empty");
            // Same deadlock as a notifying default: the runtime writes the fd after loading.
            if (notify && name == "write")
                throw Fail(SpecPath.Index(namesPath, i), "SCMP_ACT_NOTIFY cannot be used for the write syscall");
        }

        if (rule.ErrnoRet is not null && !SeccompNames.AcceptsErrno(rule.Action))
            throw Fail(SpecPath.Field(path, "errnoRet"), $"only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {rule.Action}");

        if (rule.Args is { } args)
        {
            string argsPath = SpecPath.Field(path, "args");
            for (int i = 0; i < args.Count; i++)
            {
                string argPath = SpecPath.Index(argsPath, i);
                LinuxSeccompArg? arg = args[i];
                if (arg is null)
                    throw NullEntry(argPath);
                if (arg.Index >= MaxSyscallArgs)
                    throw Fail(SpecPath.Field(argPath, "index"), $"must be between 0 and {MaxSyscallArgs - 1}, got {arg.Index}");
                if (string.IsNullOrEmpty(arg.Op))
                    throw Missing(SpecPath.Field(argPath, "op"));
                if (!SeccompNames.IsOperator(arg.Op))
                    throw Fail(SpecPath.Field(argPath, "op"), $"unknown operator {SpecPath.Quote(arg.Op)}");
            }
        }
        return notify;
    }

    private static void CheckNameList(List<string>? names, string path, Func<string?, bool> isKnown, string what)
    {
        if (names is null)
            return;
        for (int i = 0; i < names.Count; i++)
            if (!isKnown(names[i]))
                throw Fail(SpecPath.Index(path, i), $"unknown {what} {SpecPath.Quote(names[i])}");
    }
}
