using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// The container escapes runc has had CVEs for, each performed for real against the runtime:
/// the test is the attacker (bin/escape-probe inside the container, or a racer on the host) and
/// passes only when the attack fails. tests/security/weakened-builds.sh builds csrun with each
/// defence removed and shows that the matching test then fails.
/// </summary>
[Trait("Category", "Security")]
public sealed class SecurityTests(ITestOutputHelper output)
{
    // ------------------------------------------------------------------ helpers

    /// <summary>Capability names by number (linux/capability.h).</summary>
    private static readonly string[] CapabilityNames =
    {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    };

    /// <summary>Every capability this host can grant (its bounding set: CAP_SYS_RESOURCE is
    /// missing on the CI machine).</summary>
    private static string[] HostCapabilities()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("CapBnd:", StringComparison.Ordinal));
        ulong bits = Convert.ToUInt64(line["CapBnd:".Length..].Trim(), 16);
        return CapabilityNames.Where((_, i) => (bits & (1UL << i)) != 0).ToArray();
    }

    /// <summary>The strongest attacker short of a user namespace: every capability the host has,
    /// CAP_SYS_PTRACE included (which lets it open a non-dumpable process's /proc/PID/exe).</summary>
    private static void GrantAllCapabilities(Bundle b)
    {
        var caps = HostCapabilities();
        JsonArray List() => new(caps.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
        b.Process["capabilities"] = new JsonObject
        {
            ["bounding"] = List(), ["effective"] = List(), ["permitted"] = List(), ["inheritable"] = List(),
        };
    }

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static (string Dev, string Ino) DevIno(string path)
    {
        string[] f = Host.Check("/usr/bin/stat", "-L", "-c", "%d %i", path).Trim().Split(' ');
        return (f[0], f[1]);
    }

    /// <summary>A host directory made a shared mount (bind onto itself, --make-shared) for the
    /// duration of a test: a mount that lands on it from a container's namespace with shared
    /// propagation shows up on the host, so an escape is seen, not just inferred. Dispose
    /// unmounts it and whatever an attack stacked on it.</summary>
    private sealed class SharedHostDir : IDisposable
    {
        public string Path { get; }

        public SharedHostDir(string path)
        {
            Path = path;
            Host.Check("/bin/mount", "--bind", path, path);
            Host.Check("/bin/mount", "--make-shared", path);
        }

        /// <summary>Mounts on the host at or below the directory, other than the directory itself.</summary>
        public List<string> ForeignMounts() =>
            Mounts.Under(Path).Where(m => m.MountPoint != Path).Select(m => m.ToString()).ToList();

        public void Dispose()
        {
            if (Host.Run("/bin/umount", "-R", Path).ExitCode != 0) Host.Run("/bin/umount", "-R", "-l", Path);
        }
    }

    private static void AssertNoHostMounts(SharedHostDir host, string when)
    {
        var foreign = host.ForeignMounts();
        if (foreign.Count > 0)
            throw new XunitException($"{when}: mounts appeared on the host below {host.Path}:\n  " + string.Join("\n  ", foreign));
    }

    private static void AssertOneLineError(RuntimeResult r)
    {
        Assert.NotEqual(0, r.ExitCode);
        ErrorAssert.AssertOneLine(r);
    }

    private int InitPid(Sandbox sb, string id) => sb.StateJson(id)["pid"]!.GetValue<int>();

    // ------------------------------------------------------------------ CVE-2019-5736

    /// <summary>
    /// CVE-2019-5736 against init: while the container's init waits for `start`, an attacker in
    /// the container (exec'd in, with every capability the host has, CAP_SYS_PTRACE included)
    /// opens /proc/PID/exe of every process it sees, keeps what it gets, and once `start` has
    /// let init exec tries to open it for writing and overwrite it. init runs from a sealed
    /// memfd: what the attacker holds is never the host binary, and writing it fails.
    /// </summary>
    [Fact]
    public void Runtime_Binary_Cannot_Be_Overwritten_Through_Init()
    {
        using var sb = new Sandbox(output, privateRuntimeCopy: true);
        string binary = sb.R.Binary;
        string hashBefore = Sha256(binary);
        var (dev, ino) = DevIno(binary);
        Bundle b = sb.NewBundle("sleep", "30").AddEscapeProbe();
        GrantAllCapabilities(b);
        string id = sb.NewId();
        string stop = Path.Combine(b.RootfsDir, "tmp", "stop-attack");

        sb.Create(b, id).AssertSuccess("create");
        RuntimeResult attacker = sb.Exec("exec", "--detach", id, "/bin/escape-probe", "exe-attack", "/tmp/stop-attack", dev, ino, "3000")
            .AssertSuccess("exec the attacker");
        // It must have found init (pid 1) before it is released.
        Wait.AssertUntil(() => attacker.CurrentStdout().Contains("exe pid=1 "), TimeSpan.FromSeconds(15),
            () => "the attacker never opened /proc/1/exe: " + attacker.CurrentStdout());
        File.WriteAllText(stop, "");
        sb.Start(id).AssertSuccess("start");
        Wait.AssertUntil(() => attacker.CurrentStdout().Contains("done\n"), TimeSpan.FromSeconds(20),
            () => "the attacker did not finish: " + attacker.CurrentStdout());
        string report = attacker.CurrentStdout();
        output.WriteLine("attacker:\n" + report);

        Assert.DoesNotContain("WROTE", report);
        Assert.DoesNotContain("hostbin=1", report);
        Assert.Contains("memfd:csrun", report);
        Assert.Equal(hashBefore, Sha256(binary));
        sb.Delete(id, force: true).AssertSuccess("delete");
        Leaks.AssertClean(sb, b, id);
    }

    /// <summary>
    /// CVE-2019-5736 against exec: the container's own process is the attacker, with every
    /// capability (CAP_SYS_PTRACE defeats non-dumpable); one of its processes loops over
    /// /proc/*/exe, the other spins on the pid the next exec will get. 25 `exec`s join it.
    /// Whatever it catches must be the sealed copy exec re-runs itself from, never the host
    /// binary, and no write may succeed.
    /// </summary>
    [Fact]
    public void Runtime_Binary_Cannot_Be_Overwritten_Through_Exec()
    {
        using var sb = new Sandbox(output, privateRuntimeCopy: true);
        string binary = sb.R.Binary;
        string hashBefore = Sha256(binary);
        var (dev, ino) = DevIno(binary);
        Bundle b = sb.NewBundle("/bin/escape-probe", "exe-attack", "/tmp/stop-attack", dev, ino, "3000").AddEscapeProbe();
        GrantAllCapabilities(b);
        string id = sb.NewId();
        string stop = Path.Combine(b.RootfsDir, "tmp", "stop-attack");

        RuntimeResult run = sb.Run(b, id, null, "--detach").AssertSuccess("run --detach");
        Wait.AssertUntil(() => run.CurrentStdout().Contains("ready"), TimeSpan.FromSeconds(10), () => run.CurrentStdout());
        sb.R.Verbose = false;
        for (int i = 0; i < 25; i++)
            sb.Exec("exec", id, "true").AssertSuccess("exec true");
        sb.R.Verbose = true;
        File.WriteAllText(stop, "");
        Wait.AssertUntil(() => run.CurrentStdout().Contains("done\n"), TimeSpan.FromSeconds(20),
            () => "the attacker did not finish: " + run.CurrentStdout());
        string report = run.CurrentStdout();
        output.WriteLine("attacker:\n" + report);

        Assert.DoesNotContain("WROTE", report);
        Assert.DoesNotContain("hostbin=1", report);
        // The attack has to have raced at least one exec, or it proved nothing.
        Assert.True(report.Contains("exe pid=") || report.Contains("denied pid="),
            "the attacker never caught an exec helper in 25 execs:\n" + report);
        Assert.Equal(hashBefore, Sha256(binary));
        sb.Delete(id, force: true).AssertSuccess("delete");
        Leaks.AssertClean(sb, b, id);
    }

    // ------------------------------------------------------------------ CVE-2024-21626

    /// <summary>Opens host directories at fds 7..9 of the runtime, the way a caller that leaks
    /// fds would (csrun's own fds take 3..6 and 10 on); /proc/self/fd/N of any of them is the
    /// host. (The shell takes one-digit fds only.)</summary>
    private static string LeakHostDirs(string dir) =>
        string.Join(' ', Enumerable.Range(7, 3).Select(fd => $"exec {fd}<'{dir}';"));

    /// <summary>
    /// CVE-2024-21626 through process.cwd: /proc/self/fd/N for N = 3..10, with host directories
    /// leaked to csrun at 7..9 and csrun's own fds (its /proc, the sync socket, exec.fifo...)
    /// below. Each must be refused with one error line, or run with a working directory inside
    /// the container (the probe checks getcwd and tries to reach a host marker from it).
    /// </summary>
    [Fact]
    public void Cwd_Through_Proc_Self_Fd_Does_Not_Leave_The_Container()
    {
        using var sb = new Sandbox(output);
        string marker = sb.HostDir("host-marker-" + Sandbox.Rand(6));
        var results = new List<string>();
        for (int n = 3; n <= 10; n++)
        {
            Bundle b = sb.NewBundle("/bin/escape-probe", "cwd", marker).AddEscapeProbe();
            b.Process["cwd"] = $"/proc/self/fd/{n}";
            string id = sb.NewId();
            RuntimeResult r = sb.Run(b, id, new RunOptions { ShellPrefix = LeakHostDirs(sb.BaseDir) });
            results.Add($"fd {n}: exit {r.ExitCode}: {r.Stdout.Replace('\n', ' ')}{r.Stderr.Trim()}");
            if (r.ExitCode == 0)
            {
                Assert.Contains("inside", r.Stdout);
                Assert.DoesNotContain("escaped", r.Stdout);
            }
            else
            {
                Assert.DoesNotContain("escaped", r.Stdout);
                Assert.Equal("", r.Stdout);
                AssertOneLineError(r);
            }
            Leaks.AssertClean(sb, b, id);
        }
        output.WriteLine(string.Join('\n', results));
    }

    /// <summary>The same through `exec --cwd`, into a running container.</summary>
    [Fact]
    public void Exec_Cwd_Through_Proc_Self_Fd_Does_Not_Leave_The_Container()
    {
        using var sb = new Sandbox(output);
        string marker = sb.HostDir("host-marker-" + Sandbox.Rand(6));
        Bundle b = sb.NewBundle("sleep", "60").AddEscapeProbe();
        string id = sb.NewId();
        sb.Run(b, id, null, "--detach").AssertSuccess();
        var results = new List<string>();
        for (int n = 3; n <= 10; n++)
        {
            RuntimeResult r = sb.Exec(new RunOptions { ShellPrefix = LeakHostDirs(sb.BaseDir) },
                "exec", "--cwd", $"/proc/self/fd/{n}", id, "/bin/escape-probe", "cwd", marker);
            results.Add($"fd {n}: exit {r.ExitCode}: {r.Stdout.Replace('\n', ' ')}{r.Stderr.Trim()}");
            Assert.DoesNotContain("escaped", r.Stdout);
            if (r.ExitCode == 0) Assert.Contains("inside", r.Stdout);
            else AssertOneLineError(r);
        }
        output.WriteLine(string.Join('\n', results));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id);
    }

    private static List<int> FdsOf(string probeOutput)
    {
        string line = probeOutput.Split('\n').First(l => l.StartsWith("fds", StringComparison.Ordinal));
        return line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse).ToList();
    }

    /// <summary>
    /// The container process (create/run and exec) holds exactly stdin, stdout, stderr and the
    /// --preserve-fds it was given, though its caller handed csrun more (fds 3..5 and 7..9):
    /// nothing of csrun's own (its /proc, the sync socket, exec.fifo, the memfd) and nothing else
    /// of the caller's survives into it.
    /// </summary>
    [Fact]
    public void Container_Process_Holds_Only_Stdio_And_Preserved_Fds()
    {
        using var sb = new Sandbox(output);
        string file = Path.Combine(sb.BaseDir, "passed.txt");
        File.WriteAllText(file, "x");
        string leak = $"exec 3<'{file}' 4<'{file}' 5<'{file}'; " + LeakHostDirs(sb.BaseDir);

        Bundle b = sb.NewBundle("/bin/escape-probe", "fds").AddEscapeProbe();
        RuntimeResult plain = sb.Run(b, sb.NewId(), new RunOptions { ShellPrefix = leak }).AssertSuccess();
        Assert.Equal(new[] { 0, 1, 2 }, FdsOf(plain.Stdout));
        RuntimeResult preserved = sb.Run(b, sb.NewId(), new RunOptions { ShellPrefix = leak }, "--preserve-fds", "2").AssertSuccess();
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, FdsOf(preserved.Stdout));

        Bundle s = sb.NewBundle("sleep", "60").AddEscapeProbe();
        string id = sb.NewId();
        sb.Run(s, id, null, "--detach").AssertSuccess();
        RuntimeResult exec = sb.Exec(new RunOptions { ShellPrefix = leak }, "exec", id, "/bin/escape-probe", "fds").AssertSuccess();
        Assert.Equal(new[] { 0, 1, 2 }, FdsOf(exec.Stdout));
        RuntimeResult execPreserved = sb.Exec(new RunOptions { ShellPrefix = leak }, "exec", "--preserve-fds", "1", id, "/bin/escape-probe", "fds").AssertSuccess();
        Assert.Equal(new[] { 0, 1, 2, 3 }, FdsOf(execPreserved.Stdout));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, s, id);
    }

    // ------------------------------------------------------------------ mount targets (CVE-2021-30465 class)

    /// <summary>
    /// Mount destinations that are symlinks to a host path, absolute and "../"-relative, with
    /// missing directories below them, and shared propagation (so a mount made on the host path
    /// in the container's namespace would appear on the host): everything is created and
    /// mounted inside the rootfs, where the symlinks lead from the container's point of view,
    /// and the host directory stays empty and unmounted.
    /// </summary>
    [Fact]
    public void Symlinked_Mount_Destinations_Stay_In_The_Rootfs()
    {
        using var sb = new Sandbox(output);
        string hostSide = sb.HostDir("host-side");
        using var shared = new SharedHostDir(hostSide);
        Bundle b = sb.NewBundle("sleep", "30");
        string volume = sb.HostDir("volume");
        File.WriteAllText(Path.Combine(volume, "from-volume"), "v");
        File.CreateSymbolicLink(Path.Combine(b.RootfsDir, "evil-abs"), hostSide);
        File.CreateSymbolicLink(Path.Combine(b.RootfsDir, "evil-rel"), string.Concat(Enumerable.Repeat("../", 12)) + hostSide.TrimStart('/'));
        b.Linux["rootfsPropagation"] = "rshared";
        b.AddMount("/evil-abs/tmpfs-a", "tmpfs", "tmpfs", "size=1m");
        b.AddMount("/evil-rel/new/deeper", "tmpfs", "tmpfs", "size=1m");
        b.AddMount("/evil-rel/bind-b", "bind", volume, "rbind");
        b.AddMount("/evil-abs/file-c", "bind", Path.Combine(volume, "from-volume"), "bind");
        string id = sb.NewId();

        sb.Create(b, id).AssertSuccess("create");
        AssertNoHostMounts(shared, "after create");
        Assert.Empty(Directory.GetFileSystemEntries(hostSide));
        // Inside the rootfs, where the links point from the container's root.
        string inside = Path.Combine(b.RootfsDir, hostSide.TrimStart('/'));
        Assert.True(Directory.Exists(Path.Combine(inside, "tmpfs-a")), "tmpfs-a was not made inside the rootfs");
        Assert.True(Directory.Exists(Path.Combine(inside, "new", "deeper")), "new/deeper was not made inside the rootfs");
        var containerMounts = Mounts.Read($"/proc/{InitPid(sb, id)}/mountinfo").Select(m => m.MountPoint).ToList();
        output.WriteLine("container mounts:\n  " + string.Join("\n  ", containerMounts));
        Assert.Contains(hostSide + "/tmpfs-a", containerMounts);
        Assert.Contains(hostSide + "/new/deeper", containerMounts);
        Assert.Contains(hostSide + "/bind-b", containerMounts);
        Assert.Contains(hostSide + "/file-c", containerMounts);
        Assert.True(File.Exists(Path.Combine(inside, "file-c")), "file-c was not made inside the rootfs");
        sb.Delete(id, force: true).AssertSuccess();
        AssertNoHostMounts(shared, "after delete");
        Leaks.AssertClean(sb, b, id);
    }

    /// <summary>
    /// The race: while csrun sets up a tmpfs on /race/a/t, a racer on the host exchanges the
    /// directory /race/a with /race/b, a symlink to a shared host directory that has a "t" too,
    /// as fast as it can (renameat2 RENAME_EXCHANGE). Over many creates, a mount must never land
    /// on the host: a path checked and then mounted by name would, now and then.
    /// </summary>
    [Fact]
    public void Mount_Target_Swapped_For_A_Symlink_During_Setup_Stays_In_The_Rootfs()
    {
        using var sb = new Sandbox(output);
        string hostSide = sb.HostDir("race-host");
        Directory.CreateDirectory(Path.Combine(hostSide, "t"));
        using var shared = new SharedHostDir(hostSide);
        Bundle b = sb.NewBundle("true");
        string race = Path.Combine(b.RootfsDir, "race");
        Directory.CreateDirectory(Path.Combine(race, "a", "t"));
        File.CreateSymbolicLink(Path.Combine(race, "b"), hostSide);
        b.Linux["rootfsPropagation"] = "rshared";
        b.AddMount("/race/a/t", "tmpfs", "tmpfs", "size=1m");
        b.Save();
        string stop = Path.Combine(sb.BaseDir, "stop-racer");
        var racer = Process.Start(new ProcessStartInfo(Paths.EscapeProbe, ["swap", Path.Combine(race, "a"), Path.Combine(race, "b"), stop])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        })!;
        int created = 0, refused = 0;
        var errors = new HashSet<string>();
        try
        {
            sb.R.Verbose = false;
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < 60 && (i < 20 || sw.Elapsed < TimeSpan.FromSeconds(8)); i++)
            {
                string id = $"{sb.Name}-{i}";
                RuntimeResult r = sb.Exec("create", "--bundle", b.Dir, id);
                if (r.ExitCode == 0) created++;
                else
                {
                    refused++;
                    AssertOneLineError(r);
                    errors.Add(r.Stderr.Trim());
                }
                AssertNoHostMounts(shared, $"after create #{i}");
                sb.Exec("delete", "--force", id).AssertSuccess("delete --force");
                AssertNoHostMounts(shared, $"after delete #{i}");
            }
        }
        finally
        {
            sb.R.Verbose = true;
            File.WriteAllText(stop, "");
            if (!racer.WaitForExit(5000)) Procs.Signal(racer.Id, Procs.SIGKILL);
            racer.WaitForExit();
            output.WriteLine($"racer: {racer.StandardOutput.ReadToEnd().Trim()}; {created} created, {refused} refused");
            foreach (string e in errors.Take(10)) output.WriteLine("  refused: " + e);
            racer.Dispose();
        }
        Assert.Single(Directory.GetFileSystemEntries(hostSide));
        AssertNoHostMounts(shared, "at the end");
        Leaks.AssertClean(sb, b, null, rootMustBeEmpty: true);
    }

    // ------------------------------------------------------------------ /proc and /sys tricks

    /// <summary>
    /// CVE-2019-16884 / CVE-2019-19921 class: the image brings its own /proc (no procfs is
    /// mounted there), with files where csrun writes oom_score_adj and a sysctl. csrun writes
    /// through the procfs it checked itself: the real values are set, the fake files untouched;
    /// or it refuses with one error line. It never reports success having written to the fakes.
    /// </summary>
    [Fact]
    public void Fake_Proc_In_The_Image_Does_Not_Divert_Procfs_Writes()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "30");
        var mounts = b.MountsArray;
        for (int i = mounts.Count - 1; i >= 0; i--)
            if (mounts[i]!["destination"]!.GetValue<string>() == "/proc") mounts.RemoveAt(i);
        b.Linux["maskedPaths"] = new JsonArray();
        b.Linux["readonlyPaths"] = new JsonArray();
        string fakeSelf = Path.Combine(b.RootfsDir, "proc", "self");
        string fakeSysctl = Path.Combine(b.RootfsDir, "proc", "sys", "net", "ipv4", "ip_forward");
        Directory.CreateDirectory(fakeSelf);
        Directory.CreateDirectory(Path.GetDirectoryName(fakeSysctl)!);
        File.WriteAllText(Path.Combine(fakeSelf, "oom_score_adj"), "fake\n");
        File.WriteAllText(fakeSysctl, "fake\n");
        b.Process["oomScoreAdj"] = 123;
        b.Linux["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = "1" };
        // A writable image: the fake files could take the writes (a read-only root would make
        // a write to them fail, hiding the difference).
        b.Config["root"]!["readonly"] = false;
        string id = sb.NewId();

        RuntimeResult r = sb.Create(b, id);
        Assert.Equal("fake\n", File.ReadAllText(Path.Combine(fakeSelf, "oom_score_adj")));
        Assert.Equal("fake\n", File.ReadAllText(fakeSysctl));
        if (r.ExitCode != 0)
        {
            AssertOneLineError(r);
            Leaks.AssertClean(sb, b, id);
            return;
        }
        int pid = InitPid(sb, id);
        Assert.Equal("123", File.ReadAllText($"/proc/{pid}/oom_score_adj").Trim());
        string forward = Host.Check("/usr/bin/nsenter", $"--net=/proc/{pid}/ns/net", "/bin/cat", "/proc/sys/net/ipv4/ip_forward").Trim();
        Assert.Equal("1", forward);
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id);
    }

    /// <summary>An image whose /proc is a symlink (here into a directory of its own): procfs
    /// is not mounted through it, create fails with one line naming the reason.</summary>
    [Fact]
    public void Proc_That_Is_A_Symlink_Is_Refused()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        string proc = Path.Combine(b.RootfsDir, "proc");
        Directory.Delete(proc);
        Directory.CreateDirectory(Path.Combine(b.RootfsDir, "fakeproc"));
        File.CreateSymbolicLink(proc, "fakeproc");
        string id = sb.NewId();
        b.Save();
        ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id], "must be mounted on ordinary directory");
        Leaks.AssertClean(sb, b, id);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(b.RootfsDir, "fakeproc")));
    }

    /// <summary>Mounts that would put something else where procfs should be: a tmpfs on /proc,
    /// a host directory on /proc/sys, a bind onto /proc/self/attr, and a bind through an image
    /// symlink that leads into /proc. Each is refused (runc's rules: only a procfs on /proc,
    /// only lxcfs's files below it), after the symlinks are resolved.</summary>
    [Fact]
    public void Mounts_That_Cover_Procfs_Are_Refused()
    {
        using var sb = new Sandbox(output);
        string fake = sb.HostDir("fake-sys");
        var cases = new (string Name, Action<Bundle> Setup, string Expect)[]
        {
            ("tmpfs on /proc", b => b.AddMount("/proc", "tmpfs", "tmpfs"), "not of type proc"),
            ("host dir on /proc/sys", b => b.AddMount("/proc/sys", "bind", fake, "rbind"), "inside /proc"),
            ("bind on /proc/self/attr", b => b.AddMount("/proc/self/attr", "bind", fake, "rbind"), "inside /proc"),
            ("bind through a symlink into /proc", b =>
            {
                File.CreateSymbolicLink(Path.Combine(b.RootfsDir, "etc", "sneaky"), "/proc/sys/kernel");
                b.AddMount("/etc/sneaky", "bind", fake, "rbind");
            }, "inside /proc"),
        };
        foreach (var (name, setup, expect) in cases)
        {
            output.WriteLine("case: " + name);
            Bundle b = sb.NewBundle("true");
            setup(b);
            b.Save();
            string id = sb.NewId();
            ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id], expect);
            Leaks.AssertClean(sb, b, id);
        }
    }

    /// <summary>
    /// A masked path and a read-only path that the image made symlinks to a volume from the host
    /// (a shared mount, with shared propagation): csrun does not follow them, so it neither
    /// binds /dev/null over the host's file nor makes the host's directory read-only; the real
    /// masked (/proc/keys, or another of the defaults this kernel has) and read-only (/proc/sys)
    /// paths still are.
    /// </summary>
    [Fact]
    public void Masked_And_Readonly_Paths_Through_Symlinks_Do_Not_Touch_A_Host_Volume()
    {
        using var sb = new Sandbox(output);
        string volume = sb.HostDir("host-volume");
        File.WriteAllText(Path.Combine(volume, "secret.txt"), "host data\n");
        using var shared = new SharedHostDir(volume);
        Bundle b = sb.NewBundle("sh", "-c",
            "cat /vol/secret.txt; touch /vol/written && echo write-ok; " +
            "for f in /proc/keys /proc/timer_list /proc/kcore; do [ -e $f ] && { wc -c < $f; break; }; done; " +
            "echo x > /proc/sys/kernel/domainname 2>/dev/null || echo sys-ro");
        b.Linux["rootfsPropagation"] = "rshared";
        b.AddMount("/vol", "bind", volume, "rbind", "rw");
        File.CreateSymbolicLink(Path.Combine(b.RootfsDir, "etc", "masklink"), "/vol/secret.txt");
        File.CreateSymbolicLink(Path.Combine(b.RootfsDir, "etc", "rolink"), "/vol");
        ((JsonArray)b.Linux["maskedPaths"]!).Add("/etc/masklink");
        ((JsonArray)b.Linux["readonlyPaths"]!).Add("/etc/rolink");
        string id = sb.NewId();

        RuntimeResult r = sb.Run(b, id).AssertSuccess();
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(new[] { "host data", "write-ok", "0", "sys-ro" }, lines);
        AssertNoHostMounts(shared, "after run");
        Assert.Equal("host data\n", File.ReadAllText(Path.Combine(volume, "secret.txt")));
        Leaks.AssertClean(sb, b, id);
    }

    // ------------------------------------------------------------------ devices

    /// <summary>A block device of the host: its disk when this process can open it, else any
    /// block device it can open (loop, zram): the attack must aim at a node that opens on the
    /// host, or a refusal inside would prove nothing (this host's own /dev/vda refuses root).</summary>
    private static (string Path, int Major, int Minor)? HostBlockDevice()
    {
        var candidates = new List<(string Path, int Major, int Minor, bool Pseudo)>();
        foreach (string dev in Directory.EnumerateDirectories("/sys/class/block").OrderBy(d => d))
        {
            string name = Path.GetFileName(dev);
            string node = "/dev/" + name;
            if (!File.Exists(Path.Combine(dev, "dev")) || !File.Exists(node)) continue;
            string[] mm = File.ReadAllText(Path.Combine(dev, "dev")).Trim().Split(':');
            bool pseudo = name.StartsWith("loop", StringComparison.Ordinal) || name.StartsWith("ram", StringComparison.Ordinal) || name.StartsWith("zram", StringComparison.Ordinal);
            candidates.Add((node, int.Parse(mm[0]), int.Parse(mm[1]), pseudo));
        }
        foreach (var c in candidates.OrderBy(c => c.Pseudo))
        {
            try { using var f = new FileStream(c.Path, FileMode.Open, FileAccess.Read); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            return (c.Path, c.Major, c.Minor);
        }
        return null;
    }

    /// <summary>mknod of devices the config does not list fails with the default capabilities
    /// (no CAP_MKNOD): a block device of the host's disk and /dev/mem.</summary>
    [Fact]
    public void Mknod_Of_Unlisted_Devices_Fails()
    {
        using var sb = new Sandbox(output);
        var disk = HostBlockDevice();
        string blk = disk is { } d ? $"{d.Major} {d.Minor}" : "8 0";
        Bundle b = sb.NewBundle("sh", "-c", $"mknod /tmp/disk b {blk} && echo made-disk; mknod /tmp/mem c 1 1 && echo made-mem; echo end");
        b.Config["root"]!["readonly"] = false;
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess();
        Assert.Equal("end", r.Stdout.Trim());
        Assert.Contains("Operation not permitted", r.Stderr);
    }

    /// <summary>
    /// The host's disk, bind-mounted into the container (not in linux.devices) and also made
    /// with mknod by a container granted CAP_MKNOD (runc's and crun's default rules allow any
    /// mknod, "m"): neither node can be opened; the device cgroup (v1 devices controller, v2
    /// eBPF program) refuses. Reading only.
    /// </summary>
    [Fact]
    public void Host_Disk_Cannot_Be_Opened_From_The_Container()
    {
        using var sb = new Sandbox(output);
        if (HostBlockDevice() is not { } disk)
        {
            output.WriteLine("no block device on this host: nothing to attack");
            return;
        }
        output.WriteLine($"attacking {disk.Path} ({disk.Major}:{disk.Minor}), which opens on the host");
        Bundle b = sb.NewBundle("sh", "-c",
            "(exec 3</dev/hostdisk) && echo opened || echo refused; " +
            $"mknod /dev/made b {disk.Major} {disk.Minor} && {{ (exec 3</dev/made) && echo opened || echo refused; }}");
        b.AddMount("/dev/hostdisk", "bind", disk.Path, "bind");
        foreach (var set in new[] { "bounding", "effective", "permitted" })
            ((JsonArray)b.Process["capabilities"]![set]!).Add("CAP_MKNOD");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess();
        Assert.Equal(new[] { "refused", "refused" }, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("Operation not permitted", r.Stderr);
    }
}
