using System.Diagnostics;
using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Xunit;
using Xunit.Abstractions;
using static Csrun.Tests.Seccomp.SeccompTestKit;

namespace Csrun.Tests.Seccomp;

/// <summary>
/// Podman's default profile (containers-common), converted as podman would for an x86_64 host
/// and a container without the capabilities its rules mention. Its default is ERRNO(ENOSYS),
/// so runc's stub is not added.
/// </summary>
public sealed class PodmanProfileTests(ITestOutputHelper output)
{
    private static readonly uint Einval = Errno(22);

    private static bool Available => File.Exists(DockerSeccompProfile.PodmanDefaultPath);

    private static LinuxSeccomp Load() =>
        DockerSeccompProfile.ToOciForX86_64(File.ReadAllText(DockerSeccompProfile.PodmanDefaultPath));

    [Fact]
    public void ConvertsToTheThreeX86Architectures()
    {
        if (!Available)
            return;
        LinuxSeccomp profile = Load();
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], profile.Architectures);
        Assert.Equal("SCMP_ACT_ERRNO", profile.DefaultAction);
        Assert.Equal(38u, profile.DefaultErrnoRet);
    }

    [Fact]
    public void CompilesWellUnderTheKernelLimit()
    {
        if (!Available)
        {
            output.WriteLine($"{DockerSeccompProfile.PodmanDefaultPath} is missing: skipped");
            return;
        }
        LinuxSeccomp profile = Load();
        CompiledFilter filter = Compile(profile);
        var watch = Stopwatch.StartNew();
        const int rounds = 20;
        for (int i = 0; i < rounds; i++)
            SeccompCompiler.Compile(profile, SeccompArch.X86_64);
        watch.Stop();
        output.WriteLine($"podman default profile: {profile.Syscalls!.Count} rules, {filter.Program.Length} BPF instructions, " +
            $"{watch.Elapsed.TotalMilliseconds / rounds:F3} ms per compile (JIT, debug build)");
        Assert.True(filter.Program.Length < 2048, $"{filter.Program.Length} instructions");
        if (Environment.GetEnvironmentVariable("CSRUN_SECCOMP_DUMP") is { Length: > 0 } dumpPath)
            File.WriteAllText(dumpPath, BpfInterpreter.Disassemble(filter.Program));
        Assert.Equal(0u, filter.Flags);
        Assert.False(filter.NeedsListener);
    }

    [Fact]
    public void SampleDecisions()
    {
        if (!Available)
            return;
        CompiledFilter filter = Compile(Load());
        SeccompArch[] all = [SeccompArch.X86_64, SeccompArch.X86, SeccompArch.X32];
        foreach (SeccompArch arch in all)
        {
            foreach (string name in new[] { "read", "write", "openat", "close", "execve", "clone", "clone3", "exit_group" })
                Assert.True(Allow == Run(filter, arch, name), $"{arch} {name}");

            // containers-common allows these outright, unlike docker's profile, and leaves them
            // to capabilities and namespaces.
            foreach (string name in new[] { "unshare", "mount", "umount2", "keyctl", "setns", "ptrace", "reboot" })
                Assert.True(Allow == Run(filter, arch, name), $"{arch} {name}");

            // Listed as ERRNO(EPERM), or kept by "excludes caps" for a container without them.
            foreach (string name in new[] { "kexec_load", "bpf", "chroot", "init_module", "acct", "open_by_handle_at", "perf_event_open" })
                Assert.True(Eperm == Run(filter, arch, name), $"{arch} {name}");

            // Not in the profile at all: the default, ENOSYS.
            foreach (string name in new[] { "add_key", "request_key", "io_uring_setup" })
                Assert.True(Enosys == Run(filter, arch, name), $"{arch} {name}");

            // No audit netlink socket without CAP_AUDIT_WRITE; every other socket is fine.
            Assert.Equal(Einval, Run(filter, arch, "socket", 16, 3, 9));
            Assert.Equal(Allow, Run(filter, arch, "socket", 16, 3, 0));
            Assert.Equal(Allow, Run(filter, arch, "socket", 2, 1, 9));
            Assert.Equal(Allow, Run(filter, arch, "socket", 1, 1, 0));

            // personality: only the listed personas.
            Assert.Equal(Allow, Run(filter, arch, "personality", 0xffffffff));
            Assert.Equal(Allow, Run(filter, arch, "personality", 0));
            Assert.Equal(Allow, Run(filter, arch, "personality", 8));
            Assert.Equal(Allow, Run(filter, arch, "personality", 0x20008));
            Assert.Equal(Enosys, Run(filter, arch, "personality", 0x12345));
        }

        // A 64-bit argument is compared whole on x86_64, only its low word on x86.
        Assert.Equal(Enosys, Run(filter, SeccompArch.X86_64, "personality", 0x100000000));
        Assert.Equal(Allow, Run(filter, SeccompArch.X86, "personality", 0x100000000));

        // arch_prctl is amd64/x32 only; x86_64-only names do not leak into x32.
        Assert.Equal(Allow, Run(filter, SeccompArch.X86_64, "arch_prctl"));
        Assert.Equal(Allow, Run(filter, SeccompArch.X32, "arch_prctl"));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X32, X32Bit | Nr(SeccompArch.X86_64, "uselib")));
        Assert.Equal(Eperm, Run(filter, SeccompArch.X86_64, "uselib"));

        // Unknown numbers and other architectures.
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86_64, 1000));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X86_64, 0x3fffffff));
        Assert.Equal(Enosys, RunNr(filter, SeccompArch.X32, 0xffffffff));
        Assert.Equal(KillThread, Run(filter, SeccompArch.Aarch64, "read"));
    }
}
