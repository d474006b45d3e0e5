using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Seccomp;

/// <summary>
/// Compiles an OCI linux.seccomp profile into the classic BPF program seccomp(2) loads, with the
/// semantics runc 1.1 gets from libseccomp: same verdicts, same bad-architecture answer, same
/// ENOSYS stub for syscalls newer than the profile. The profile has been validated already.
/// </summary>
public static class SeccompCompiler
{
    private const string ProfilePath = "linux.seccomp";

    /// <summary>Syscalls take at most six arguments (seccomp_data.args).</summary>
    private const int MaxArgs = 6;

    private static readonly int ArchCount = Enum.GetValues<SeccompArch>().Length;

    /// <summary>
    /// <paramref name="native"/> is the architecture csrun runs as: its section is always in the
    /// filter, whatever the profile lists.
    /// </summary>
    public static CompiledFilter Compile(LinuxSeccomp profile, SeccompArch native)
    {
        ArgumentNullException.ThrowIfNull(profile);
        uint defaultReturn = ResolveReturn(profile.DefaultAction, profile.DefaultErrnoRet, SpecPath.Field(ProfilePath, "defaultAction"));

        // Native first: it is the architecture nearly every syscall comes from, so it is tested first.
        var order = new SeccompArch[ArchCount];
        var maps = new SyscallRuleMap?[ArchCount];
        int archCount = 0;
        AddArch(native, order, maps, ref archCount);
        if (profile.Architectures is { } listed)
        {
            for (int i = 0; i < listed.Count; i++)
            {
                // Architectures without a table here cannot run on this kernel; their processes
                // get the bad-architecture verdict like any other unlisted one.
                if (SeccompArchitectures.TryParse(listed[i], out SeccompArch arch))
                    AddArch(arch, order, maps, ref archCount);
            }
        }

        bool needsListener = AddRules(profile.Syscalls, defaultReturn, order, archCount, maps);

        var asm = new BpfAssembler();
        EmitProgram(asm, order, archCount, maps, defaultReturn);
        SockFilter[] program = asm.Assemble();
        if (program.Length > BpfOpcodes.MaxInstructions)
            throw new SpecException(
                $"{ProfilePath}: the filter needs {program.Length} BPF instructions, more than the kernel's limit of {BpfOpcodes.MaxInstructions}",
                ProfilePath);
        return new CompiledFilter(program, SeccompFilterFlags.For(profile.Flags, needsListener), needsListener);
    }

    private static void AddArch(SeccompArch arch, SeccompArch[] order, SyscallRuleMap?[] maps, ref int count)
    {
        if (maps[(int)arch] is not null)
            return;
        maps[(int)arch] = new SyscallRuleMap(arch);
        order[count++] = arch;
    }

    private static uint ResolveReturn(string? action, uint? errnoRet, string path)
    {
        if (string.IsNullOrEmpty(action))
            throw new SpecException($"{path}: required field is missing", path);
        if (!SeccompAction.TryGetReturnValue(action, errnoRet, out uint value))
            throw new SpecException($"{path}: unknown action {SpecPath.Quote(action)}", path);
        return value;
    }

    /// <summary>Files every rule under its syscall numbers; returns whether a notify rule made it into the filter.</summary>
    private static bool AddRules(List<LinuxSyscall>? syscalls, uint defaultReturn, SeccompArch[] order, int archCount, SyscallRuleMap?[] maps)
    {
        if (syscalls is null)
            return false;
        string listPath = SpecPath.Field(ProfilePath, "syscalls");
        bool needsListener = false;
        for (int i = 0; i < syscalls.Count; i++)
        {
            string rulePath = SpecPath.Index(listPath, i);
            LinuxSyscall rule = syscalls[i] ?? throw new SpecException($"{rulePath}: expected an object, got null", rulePath);
            uint ruleReturn = ResolveReturn(rule.Action, rule.ErrnoRet, SpecPath.Field(rulePath, "action"));
            // runc drops rules that repeat the default (libseccomp refuses them), but their names
            // still count for the ENOSYS stub's bound.
            FilterRule[]? filterRules = ruleReturn == defaultReturn ? null : FilterRules(rule, ruleReturn, rulePath);

            List<string>? names = rule.Names;
            if (names is null)
                continue;
            bool used = false;
            for (int n = 0; n < names.Count; n++)
            {
                string name = names[n];
                if (string.IsNullOrEmpty(name))
                    continue;
                for (int a = 0; a < archCount; a++)
                {
                    // Unknown on this architecture: skipped there only, as runc does.
                    if (!SyscallTable.TryGetNumber(order[a], name, out int number))
                        continue;
                    SyscallRuleMap map = maps[(int)order[a]]!;
                    uint nr = map.FilterNumber(number);
                    map.Note(nr);
                    if (filterRules is null)
                        continue;
                    for (int f = 0; f < filterRules.Length; f++)
                        map.Add(nr, filterRules[f]);
                    used = true;
                }
            }
            needsListener |= used && ruleReturn == SeccompReturn.UserNotif;
        }
        return needsListener;
    }

    /// <summary>
    /// The rule's conditions are ANDed. A rule that tests the same argument twice is taken, like
    /// runc's old behaviour, as one single-condition rule per condition.
    /// </summary>
    private static FilterRule[] FilterRules(LinuxSyscall rule, uint ruleReturn, string rulePath)
    {
        List<LinuxSeccompArg>? args = rule.Args;
        if (args is not { Count: > 0 })
            return [new FilterRule(ruleReturn, [])];

        string argsPath = SpecPath.Field(rulePath, "args");
        var conditions = new ArgumentCondition[args.Count];
        int seenIndexes = 0;
        bool repeatsIndex = false;
        for (int i = 0; i < args.Count; i++)
        {
            string argPath = SpecPath.Index(argsPath, i);
            LinuxSeccompArg arg = args[i] ?? throw new SpecException($"{argPath}: expected an object, got null", argPath);
            if (arg.Index >= MaxArgs)
            {
                string indexPath = SpecPath.Field(argPath, "index");
                throw new SpecException($"{indexPath}: must be between 0 and {MaxArgs - 1}, got {arg.Index}", indexPath);
            }
            if (!SeccompOperators.TryParse(arg.Op, out SeccompOperator op))
            {
                string opPath = SpecPath.Field(argPath, "op");
                throw new SpecException($"{opPath}: unknown operator {SpecPath.Quote(arg.Op)}", opPath);
            }
            int bit = 1 << (int)arg.Index;
            repeatsIndex |= (seenIndexes & bit) != 0;
            seenIndexes |= bit;
            conditions[i] = new ArgumentCondition((int)arg.Index, op, arg.Value, arg.ValueTwo);
        }

        if (!repeatsIndex)
            return [new FilterRule(ruleReturn, conditions)];
        var split = new FilterRule[conditions.Length];
        for (int i = 0; i < conditions.Length; i++)
            split[i] = new FilterRule(ruleReturn, [conditions[i]]);
        return split;
    }

    /// <summary>
    /// ld arch; one jeq per AUDIT_ARCH to its section; anything else gets libseccomp's
    /// bad-architecture verdict. Each section loads nr and dispatches.
    /// </summary>
    private static void EmitProgram(BpfAssembler asm, SeccompArch[] order, int archCount, SyscallRuleMap?[] maps, uint defaultReturn)
    {
        bool enosysStub = SeccompAction.NeedsEnosysStub(defaultReturn);

        // x86_64 and x32 share AUDIT_ARCH_X86_64, so there may be fewer sections than architectures.
        Span<uint> audits = stackalloc uint[ArchCount];
        Span<int> labels = stackalloc int[ArchCount];
        int sectionCount = 0;
        for (int a = 0; a < archCount; a++)
        {
            uint audit = SeccompArchitectures.AuditArch(order[a]);
            if (audits[..sectionCount].Contains(audit))
                continue;
            audits[sectionCount] = audit;
            labels[sectionCount++] = asm.NewLabel();
        }

        asm.LoadWord(SeccompData.ArchOffset);
        for (int s = 0; s < sectionCount; s++)
            asm.JumpIf(BpfOpcodes.JumpIfEqual, audits[s], labels[s], BpfAssembler.Next);
        asm.Return(SeccompReturn.BadArch);

        uint x86_64Audit = SeccompArchitectures.AuditArch(SeccompArch.X86_64);
        for (int s = 0; s < sectionCount; s++)
        {
            asm.Bind(labels[s]);
            asm.LoadWord(SeccompData.NrOffset);
            if (audits[s] == x86_64Audit)
            {
                EmitX86_64Section(asm, maps[(int)SeccompArch.X86_64], maps[(int)SeccompArch.X32], defaultReturn, enosysStub);
                continue;
            }
            for (int a = 0; a < archCount; a++)
            {
                if (SeccompArchitectures.AuditArch(order[a]) == audits[s])
                {
                    EmitArchPart(asm, maps[(int)order[a]]!, defaultReturn, enosysStub);
                    break;
                }
            }
        }
    }

    /// <summary>
    /// x32 syscall numbers have bit 30 set. Without x32 in the profile they are a foreign
    /// architecture (bad-arch verdict); without x86_64, the numbers lacking the bit are.
    /// </summary>
    private static void EmitX86_64Section(BpfAssembler asm, SyscallRuleMap? x86_64, SyscallRuleMap? x32, uint defaultReturn, bool enosysStub)
    {
        const uint bit = SeccompArchitectures.X32SyscallBit;
        if (x86_64 is not null && x32 is not null)
        {
            int x32Part = asm.NewLabel();
            asm.JumpIf(BpfOpcodes.JumpIfAnySet, bit, x32Part, BpfAssembler.Next);
            EmitArchPart(asm, x86_64, defaultReturn, enosysStub);
            asm.Bind(x32Part);
            EmitArchPart(asm, x32, defaultReturn, enosysStub);
        }
        else if (x86_64 is not null)
        {
            asm.JumpIf(BpfOpcodes.JumpIfGreaterOrEqual, bit, asm.ReturnTarget(SeccompReturn.BadArch), BpfAssembler.Next);
            EmitArchPart(asm, x86_64, defaultReturn, enosysStub);
        }
        else
        {
            asm.JumpIf(BpfOpcodes.JumpIfAnySet, bit, BpfAssembler.Next, asm.ReturnTarget(SeccompReturn.BadArch));
            EmitArchPart(asm, x32!, defaultReturn, enosysStub);
        }
    }

    /// <summary>
    /// One architecture's dispatch, A holding nr (never below the map's first number).
    /// runc's stub first: a number above every syscall the profile names is newer than the
    /// profile, and ENOSYS makes libc fall back (clone3 to clone) where EPERM would fail.
    /// </summary>
    private static void EmitArchPart(BpfAssembler asm, SyscallRuleMap map, uint defaultReturn, bool enosysStub)
    {
        bool stub = enosysStub && map.HasNumbers;
        if (stub)
            asm.JumpIf(BpfOpcodes.JumpIfGreater, map.MaxNumber, asm.ReturnTarget(SeccompReturn.Errno | SeccompReturn.Enosys), BpfAssembler.Next);
        List<DispatchSegment> segments = map.Segments(stub ? map.MaxNumber : uint.MaxValue);
        SyscallDispatchEmitter.Emit(asm, segments, SeccompArchitectures.Is64Bit(map.Arch), defaultReturn);
    }
}
