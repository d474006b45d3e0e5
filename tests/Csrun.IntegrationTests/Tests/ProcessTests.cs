using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

[Trait("Category", "Process")]
public sealed class ProcessTests(ITestOutputHelper output)
{
    [Fact]
    public void Env_Is_Set()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "echo \"FOO=$FOO\"; echo \"PATH=$PATH\"");
        b.SetEnv("FOO", "bar baz=qux");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        string[] lines = r.Stdout.Split('\n');
        Assert.Equal("FOO=bar baz=qux", lines[0]);
        Assert.Equal("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", lines[1]);
    }

    [Fact]
    public void Env_Is_Exactly_The_Configured_One()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("env");
        b.SetEnv("ONLY_THIS", "1");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        var names = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')[0]).ToHashSet();
        Assert.Contains("ONLY_THIS", names);
        Assert.Contains("PATH", names);
        Assert.Contains("TERM", names);
        // nothing of the test host's environment leaks in (HOME may be added by the runtime)
        Assert.DoesNotContain("CSRUN_BINARY", names);
        Assert.DoesNotContain("DOTNET_ROOT", names);
        Assert.Empty(names.Except(["ONLY_THIS", "PATH", "TERM", "HOME"]));
    }

    [Fact]
    public void Cwd_That_Does_Not_Exist_Is_Created()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("pwd");
        Assert.False(Directory.Exists(Path.Combine(b.RootfsDir, "work")));
        b.Process["cwd"] = "/work/sub/dir";
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal("/work/sub/dir\n", r.Stdout);
        Assert.True(Directory.Exists(Path.Combine(b.RootfsDir, "work", "sub", "dir")));
    }

    [Fact]
    public void Cwd_Existing()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "pwd; ls");
        b.Process["cwd"] = "/etc";
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("/etc", lines[0]);
        Assert.Contains("passwd", lines);
    }

    [Fact]
    public void User_Uid_Gid_1000()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("id");
        b.Process["user"] = new System.Text.Json.Nodes.JsonObject { ["uid"] = 1000, ["gid"] = 1000 };
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.StartsWith("uid=1000(user) gid=1000(user)", r.Stdout.Trim());
    }

    [Fact]
    public void User_With_Additional_Gids()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("id");
        b.Process["user"] = new System.Text.Json.Nodes.JsonObject
        {
            ["uid"] = 65534, ["gid"] = 65534,
            ["additionalGids"] = new System.Text.Json.Nodes.JsonArray(5, 1000),
        };
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.StartsWith("uid=65534(nobody) gid=65534(nogroup)", r.Stdout.Trim());
        Assert.Contains("5(tty)", r.Stdout);
        Assert.Contains("1000(user)", r.Stdout);
    }

    [Fact]
    public void Args_Are_Passed_Verbatim()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c", "printf '[%s]\\n' \"$0\" \"$@\"", "zero", "one two", "", "*", "$HOME");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal("[zero]\n[one two]\n[]\n[*]\n[$HOME]\n", r.Stdout);
    }

    [Fact]
    public void Sysctl_Is_Applied_Although_Proc_Sys_Is_A_Readonly_Path()
    {
        // runc spec's readonlyPaths (the bundle's default) hold /proc/sys: sysctls must be
        // written before it becomes read-only, and it must be read-only for the process.
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sh", "-c",
            "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni; (echo 4096 > /proc/sys/kernel/shmmni) 2>/dev/null || echo read-only");
        Assert.Contains("/proc/sys", b.Linux["readonlyPaths"]!.AsArray().Select(p => (string?)p));
        b.Linux["sysctl"] = new System.Text.Json.Nodes.JsonObject
        {
            ["net.ipv4.ip_forward"] = "1",
            ["kernel.shmmni"] = "2048",
        };
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal("1\n2048\nread-only\n", r.Stdout);
    }

    [Fact]
    public void Args0_Resolved_Via_Path()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("echo", "via-path");
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal("via-path\n", r.Stdout);
    }
}
