using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Xunit;
using Xunit.Abstractions;
using static Csrun.Tests.Seccomp.SeccompTestKit;

namespace Csrun.Tests.Seccomp;

public sealed class SeccompLargeProfileTests(ITestOutputHelper output)
{
    private static readonly SeccompArch[] Arches = [SeccompArch.X86_64, SeccompArch.X86, SeccompArch.X32];

    /// <summary>400 names (the union of x86_64's and x86's, sorted), rule i allows name i when arg0 == i.</summary>
    private static List<string> FourHundredNames()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string name in SyscallTable.For(SeccompArch.X86_64).Keys)
            names.Add(name);
        foreach (string name in SyscallTable.For(SeccompArch.X86).Keys)
            names.Add(name);
        var list = new List<string>(names);
        Assert.True(list.Count >= 400);
        return list.GetRange(0, 400);
    }

    /// <summary>
    /// Each 64-bit leaf is at least ld/jeq on each half plus its search node (5 instructions),
    /// a 32-bit one 3: 400 names on x86_64, x86 and x32 (about 1100 leaves) cannot fit in 4096,
    /// on x86_64 and x86 (about 750) they do.
    /// </summary>
    [Theory]
    [InlineData(400, new[] { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86" })]
    [InlineData(300, new[] { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" })]
    public void ConditionalRuleForEverySyscallNeedsTrampolines(int count, string[] architectures)
    {
        List<string> names = FourHundredNames().GetRange(0, count);
        var profile = Profile("SCMP_ACT_ERRNO", 38);
        profile.Architectures = [.. architectures];
        for (int i = 0; i < names.Count; i++)
            profile.Syscalls!.Add(Rule("SCMP_ACT_ALLOW", null, [names[i]], Arg(0, "SCMP_CMP_EQ", (ulong)i)));

        CompiledFilter filter = Compile(profile);
        SockFilter[] program = filter.Program;
        output.WriteLine($"{count} conditional rules on {string.Join(", ", architectures)}: {program.Length} instructions");
        Assert.Contains(program, ins => ins.Code == 0x05);   // at least one ja trampoline

        int checkedDecisions = 0;
        foreach (SeccompArch arch in Arches)
        {
            if (Array.IndexOf(architectures, SeccompArchitectures.Name(arch)) < 0)
            {
                Assert.Equal(KillThread, Run(filter, arch, "read", 0));
                continue;
            }
            for (int i = 0; i < names.Count; i++)
            {
                if (!SyscallTable.TryGetNumber(arch, names[i], out int nr))
                    continue;
                Assert.Equal(Allow, RunNr(filter, arch, (uint)nr, (ulong)i));
                Assert.Equal(Enosys, RunNr(filter, arch, (uint)nr, (ulong)i + 1));
                // 32-bit architectures only see the low word.
                uint highBitSet = SeccompArchitectures.Is64Bit(arch) ? Enosys : Allow;
                Assert.Equal(highBitSet, RunNr(filter, arch, (uint)nr, (ulong)i + 0x100000000));
                checkedDecisions++;
            }
        }
        Assert.True(checkedDecisions > 2 * count - 100, $"only {checkedDecisions} decisions checked");
    }

    [Fact]
    public void EveryNumberOfEveryArchitectureIsDecided()
    {
        // Alternate verdicts between neighbouring numbers so no intervals merge: the largest
        // dispatch tree a profile can make, walked number by number.
        var profile = Profile("SCMP_ACT_KILL_PROCESS", null);
        var verdicts = new Dictionary<(SeccompArch, uint), uint>();
        uint[] returns = [Allow, Eperm, Errno(2), Trap, Log];
        int ruleIndex = 0;
        foreach (string name in FourHundredNames())
            profile.Syscalls!.Add(Rule(ruleIndex % 2 == 0 ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO", (uint?)(ruleIndex++ % 2 == 0 ? null : (uint)ruleIndex), [name]));
        CompiledFilter filter = Compile(profile);
        output.WriteLine($"400 unconditional rules, alternating: {filter.Program.Length} instructions");

        foreach (SeccompArch arch in Arches)
        {
            var expected = new Dictionary<uint, uint>();
            uint max = 0;
            for (int i = 0; i < profile.Syscalls!.Count; i++)
            {
                LinuxSyscall rule = profile.Syscalls[i];
                if (!SyscallTable.TryGetNumber(arch, rule.Names![0], out int nr))
                    continue;
                SeccompAction.TryGetReturnValue(rule.Action, rule.ErrnoRet, out uint verdict);
                expected.TryAdd((uint)nr, verdict);
                max = Math.Max(max, (uint)nr);
            }
            uint first = arch == SeccompArch.X32 ? X32Bit : 0;
            for (uint nr = first; nr <= max + 2; nr++)
            {
                uint want = expected.TryGetValue(nr, out uint v) ? v : nr > max ? Enosys : KillProcess;
                Assert.True(want == RunNr(filter, arch, nr), $"{arch} nr {nr}: expected {Hex(want)}");
            }
        }
    }

    [Fact]
    public void ProgramsOverTheKernelLimitAreRefused()
    {
        var profile = Profile("SCMP_ACT_ERRNO", null);
        var args = new LinuxSeccompArg[6];
        for (int i = 0; i < 200; i++)
        {
            for (uint a = 0; a < 6; a++)
                args[a] = Arg(a, "SCMP_CMP_EQ", 0x100000000UL * (ulong)i + a);
            profile.Syscalls!.Add(Rule("SCMP_ACT_ALLOW", null, ["personality"], args));
        }
        var error = Assert.Throws<SpecException>(() => SeccompCompiler.Compile(profile, SeccompArch.X86_64));
        output.WriteLine(error.Message);
        Assert.Equal("linux.seccomp", error.JsonPath);
        Assert.Matches(@"^linux\.seccomp: the filter needs \d+ BPF instructions, more than the kernel's limit of 4096$", error.Message);
    }
}
