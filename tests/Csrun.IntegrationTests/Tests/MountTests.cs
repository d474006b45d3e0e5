using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

[Trait("Category", "Mounts")]
public sealed class MountTests(ITestOutputHelper output)
{
    /// <summary>Lines of /proc/mounts as (source, target, type, options).</summary>
    private static List<string[]> ParseMounts(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .Where(f => f.Length >= 4)
            .ToList();

    [Fact]
    public void Bind_Mount_Of_Host_Dir()
    {
        using var sb = new Sandbox(output);
        string host = sb.HostDir("hostdir");
        File.WriteAllText(Path.Combine(host, "hello.txt"), "from-host\n");
        Bundle b = sb.NewBundle("sh", "-c", "cat /mnt/host/hello.txt && echo from-container > /mnt/host/back.txt");
        b.AddMount("/mnt/host", "bind", host, "rbind", "rw");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal("from-host\n", r.Stdout);
        Assert.Equal("from-container\n", File.ReadAllText(Path.Combine(host, "back.txt")));
        Assert.Empty(Mounts.Under(b.Dir));
    }

    [Fact]
    public void Readonly_Bind_Mount()
    {
        using var sb = new Sandbox(output);
        string host = sb.HostDir("rodir");
        File.WriteAllText(Path.Combine(host, "f.txt"), "ro-content\n");
        Bundle b = sb.NewBundle("sh", "-c",
            "cat /mnt/ro/f.txt; if echo x > /mnt/ro/new.txt; then echo WRITE-OK; else echo WRITE-FAILED; fi; " +
            "grep ' /mnt/ro ' /proc/mounts");
        b.AddMount("/mnt/ro", "bind", host, "rbind", "ro");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ro-content", lines[0]);
        Assert.Equal("WRITE-FAILED", lines[1]);
        Assert.Contains("Read-only file system", r.Stderr);
        Assert.StartsWith("ro", lines[2].Split(' ')[3]);
        Assert.False(File.Exists(Path.Combine(host, "new.txt")));
    }

    [Fact]
    public void Tmpfs_With_Size_Option()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "cat /proc/mounts; echo data > /mnt/scratch/f && cat /mnt/scratch/f");
        b.AddMount("/mnt/scratch", "tmpfs", "tmpfs", "size=2m", "mode=700");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        string[] m = Assert.Single(ParseMounts(r.Stdout), f => f[1] == "/mnt/scratch");
        Assert.Equal("tmpfs", m[2]);
        Assert.Contains("size=2048k", m[3].Split(','));
        Assert.Contains("mode=700", m[3].Split(','));  // (tmpfs omits the default mode 1777)
        Assert.EndsWith("data\n", r.Stdout);
    }

    /// <summary>As runc: a tmpfs over a directory of the image takes that directory's mode (with
    /// its sticky bit), whatever mode= says; on a new directory mode= holds. docker's
    /// `--tmpfs /run` relies on it (0755, not tmpfs's 1777).</summary>
    [Fact]
    public void Tmpfs_Over_An_Existing_Dir_Keeps_Its_Mode()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("stat", "-c", "%n %a", "/run", "/tmp", "/mnt/new");
        File.SetUnixFileMode(Path.Combine(b.RootfsDir, "run"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        b.AddMount("/run", "tmpfs", "tmpfs", "mode=1777");
        b.AddMount("/tmp", "tmpfs", "tmpfs", "mode=700");
        b.AddMount("/mnt/new", "tmpfs", "tmpfs", "mode=700");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal("/run 750\n/tmp 1777\n/mnt/new 700\n", r.Stdout);
    }

    /// <summary>tmpcopyup (podman's --read-only, --tmpfs, --mount type=tmpfs): the tmpfs starts
    /// with a copy of the image's directory, entry types, owners and modes kept; what the
    /// container writes there stays out of the image. (No fifo in the image: runc 1.1.5 fails
    /// to copy one; csrun copies device nodes, fifos and sockets with mknod.)</summary>
    [Fact]
    public void Tmpfs_With_Tmpcopyup_Starts_With_The_Image_Contents()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c",
            "cd /srv/data && stat -c '%n %a %u:%g %F' f sub sub/g link && readlink link && cat f sub/g && " +
            "echo new > f && echo more > added && grep ' /srv/data ' /proc/mounts | cut -d' ' -f3");
        string data = Path.Combine(b.RootfsDir, "srv", "data");
        Directory.CreateDirectory(Path.Combine(data, "sub"));
        File.WriteAllText(Path.Combine(data, "f"), "image file\n");
        File.WriteAllText(Path.Combine(data, "sub", "g"), "nested\n");
        File.SetUnixFileMode(Path.Combine(data, "f"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        File.SetUnixFileMode(Path.Combine(data, "sub"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        File.CreateSymbolicLink(Path.Combine(data, "link"), "sub/g");
        File.SetUnixFileMode(Path.Combine(data, "sub", "g"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.True(Cmd("chown", "1000:1000", Path.Combine(data, "f")) && Cmd("chown", "-h", "1000:1000", Path.Combine(data, "link")));
        b.AddMount("/srv/data", "tmpfs", "tmpfs", "tmpcopyup", "mode=755");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal("f 646 1000:1000 regular file\nsub 750 0:0 directory\nsub/g 644 0:0 regular file\n" +
                     "link 777 1000:1000 symbolic link\nsub/g\nimage file\nnested\ntmpfs\n", r.Stdout);
        Assert.Equal("image file\n", File.ReadAllText(Path.Combine(data, "f")));
        Assert.False(File.Exists(Path.Combine(data, "added")));
    }

    private static bool Cmd(string file, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode == 0;
    }

    [Fact]
    public void Proc_Dev_Pts_Shm_Are_Mounted()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("cat", "/proc/mounts");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        List<string[]> mounts = ParseMounts(r.Stdout);
        Assert.Contains(mounts, f => f[1] == "/proc" && f[2] == "proc");
        Assert.Contains(mounts, f => f[1] == "/dev" && f[2] == "tmpfs");
        Assert.Contains(mounts, f => f[1] == "/dev/pts" && f[2] == "devpts");
        Assert.Contains(mounts, f => f[1] == "/dev/shm" && f[2] == "tmpfs");
        Assert.Contains(mounts, f => f[1] == "/dev/mqueue" && f[2] == "mqueue");
        Assert.Contains(mounts, f => f[1] == "/sys" && f[2] == "sysfs");
        // root.readonly=true in the default config
        Assert.Contains(mounts, f => f[1] == "/" && f[3].Split(',').Contains("ro"));
    }

    [Fact]
    public void Default_Devices_Exist_And_Work()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c",
            "for d in null zero full random urandom tty; do " +
            "  if [ -c /dev/$d ]; then echo $d=$(stat -c '%t:%T' /dev/$d); else echo $d=MISSING; fi; " +
            "done; " +
            "echo x > /dev/null && echo null-write=ok; " +
            "echo zero-read=$(head -c 4 /dev/zero | wc -c); " +
            "echo urandom-read=$(head -c 16 /dev/urandom | wc -c); " +
            "if echo x > /dev/full; then echo full-write=ok; else echo full-write=ENOSPC; fi");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        var kv = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        // major:minor in hex as printed by stat %t:%T
        Assert.Equal("1:3", kv["null"]);
        Assert.Equal("1:5", kv["zero"]);
        Assert.Equal("1:7", kv["full"]);
        Assert.Equal("1:8", kv["random"]);
        Assert.Equal("1:9", kv["urandom"]);
        Assert.Equal("5:0", kv["tty"]);
        Assert.Equal("ok", kv["null-write"]);
        Assert.Equal("4", kv["zero-read"]);
        Assert.Equal("16", kv["urandom-read"]);
        Assert.Equal("ENOSPC", kv["full-write"]);
    }

    [Fact]
    public void Dev_Symlinks()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c",
            "for l in fd stdin stdout stderr ptmx; do echo $l=$(readlink /dev/$l); done");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        var kv = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("/proc/self/fd", kv["fd"]);
        Assert.Equal("/proc/self/fd/0", kv["stdin"]);
        Assert.Equal("/proc/self/fd/1", kv["stdout"]);
        Assert.Equal("/proc/self/fd/2", kv["stderr"]);
        Assert.Equal("pts/ptmx", kv["ptmx"]);
    }

    [Fact]
    public void Masked_And_Readonly_Paths()
    {
        using var sb = new Sandbox(output);
        // maskedPaths of the default config that exist on this kernel: files read empty, dirs are empty
        string[] files = ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats"];
        string[] present = files.Where(f => File.Exists(f) && new FileInfo(f).Exists).ToArray();
        Assert.NotEmpty(present);
        string script = string.Concat(present.Select(f => $"echo {f}=$(cat {f} | wc -c); ")) +
                        "echo firmware=$(ls -A /sys/firmware | wc -l); " +
                        "if echo 1 > /proc/sys/kernel/ns_last_pid; then echo procsys=rw; else echo procsys=ro; fi; " +
                        "if echo 1 > /proc/sysrq-trigger; then echo sysrq=rw; else echo sysrq=ro; fi";
        Bundle b = sb.NewBundle("sh", "-c", script);
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        var kv = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        foreach (string f in present)
            Assert.True(kv[f] == "0", $"{f} is not masked: {kv[f]} bytes readable");
        Assert.Equal("0", kv["firmware"]);
        Assert.Equal("ro", kv["procsys"]);
        Assert.Equal("ro", kv["sysrq"]);
    }
}
