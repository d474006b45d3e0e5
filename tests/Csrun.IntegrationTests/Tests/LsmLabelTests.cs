using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// AppArmor profiles and SELinux labels: exec --apparmor / --process-label, apparmorProfile /
/// selinuxLabel in an exec --process file and in config.json. Where the host lacks the LSM (this
/// host has neither) each one is a clean one-line failure that starts nothing and leaves nothing;
/// where AppArmor runs (the v2 VM's kernel) "unconfined" is applied and an unknown profile is a
/// clean failure. A test whose LSM state does not fit says so in its output and checks nothing.
/// </summary>
[Trait("Category", "Exec")]
public sealed class LsmLabelTests(ITestOutputHelper output)
{
    private static bool AppArmorOn =>
        File.Exists("/sys/module/apparmor/parameters/enabled") && File.ReadAllText("/sys/module/apparmor/parameters/enabled").StartsWith('Y');

    private static bool SelinuxOn => File.Exists("/sys/fs/selinux/enforce");

    private (Sandbox, string) Running()
    {
        var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        return (sb, id);
    }

    private static string ProcessFile(Sandbox sb, string field, string value)
    {
        string file = Path.Combine(sb.BaseDir, $"process-{Sandbox.Rand(4)}.json");
        File.WriteAllText(file, new JsonObject
        {
            ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
            ["args"] = new JsonArray("sleep", "4321"),
            ["env"] = new JsonArray("PATH=/bin"),
            ["cwd"] = "/",
            [field] = value,
        }.ToJsonString());
        return file;
    }

    /// <summary>Fails cleanly (one line, also in the JSON log) mentioning <paramref name="lsm"/>,
    /// writes no pid file and starts no `sleep 4321`.</summary>
    private static void AssertExecRefused(Sandbox sb, string id, string lsm, params string[] flags)
    {
        string pidFile = Path.Combine(sb.BaseDir, $"exec-{Sandbox.Rand(4)}.pid");
        string[] args = ["exec", "--detach", "--pid-file", pidFile, .. flags, id];
        if (!flags.Contains("--process")) args = [.. args, "sleep", "4321"];
        RuntimeResult r = ErrorAssert.CleanError(sb, args);
        Assert.Contains(lsm, r.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(pidFile), "a pid file was written for an exec that failed");
        Wait.AssertUntil(() => !sb.Exec("ps", id).AssertSuccess().Stdout.Contains("sleep 4321"), TimeSpan.FromSeconds(5),
            () => "a refused exec left its process running");
        Assert.Equal("running", sb.Status(id));
    }

    [Fact]
    public void Exec_Apparmor_Is_Refused_Without_AppArmor()
    {
        if (AppArmorOn) { output.WriteLine("AppArmor is enabled here: nothing to refuse"); return; }
        var (sb, id) = Running();
        using var _ = sb;
        AssertExecRefused(sb, id, "apparmor", "--apparmor", "csrun-test-profile");
        AssertExecRefused(sb, id, "apparmor", "--process", ProcessFile(sb, "apparmorProfile", "csrun-test-profile"));
    }

    [Fact]
    public void Exec_Process_Label_Is_Refused_Without_Selinux()
    {
        if (SelinuxOn) { output.WriteLine("SELinux is enabled here: nothing to refuse"); return; }
        var (sb, id) = Running();
        using var _ = sb;
        AssertExecRefused(sb, id, "selinux", "--process-label", "system_u:system_r:container_t:s0");
        AssertExecRefused(sb, id, "selinux", "--process", ProcessFile(sb, "selinuxLabel", "system_u:system_r:container_t:s0"));
    }

    [Theory]
    [InlineData("apparmorProfile", "csrun-test-profile", "apparmor")]
    [InlineData("selinuxLabel", "system_u:system_r:container_t:s0", "selinux")]
    public void Create_With_A_Label_The_Host_Cannot_Apply_Fails_Cleanly(string field, string value, string lsm)
    {
        if (lsm == "apparmor" ? AppArmorOn : SelinuxOn) { output.WriteLine($"{lsm} is enabled here: nothing to refuse"); return; }
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        b.Process[field] = value;
        b.Save();
        string id = sb.NewId();
        RuntimeResult r = ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id]);
        Assert.Contains(lsm, r.Stderr, StringComparison.OrdinalIgnoreCase);
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>Where AppArmor runs: the label is really written (an unknown profile is the
    /// kernel's error, reported in one line), and "unconfined" is applied to exec'd and
    /// created processes alike.</summary>
    [Fact]
    public void AppArmor_Profiles_Are_Applied_Where_AppArmor_Runs()
    {
        if (!AppArmorOn) { output.WriteLine("AppArmor is not enabled here: see the refusal tests"); return; }
        var (sb, id) = Running();
        using var _ = sb;
        string current = sb.Exec("exec", "--apparmor", "unconfined", id, "cat", "/proc/self/attr/current").AssertSuccess().Stdout.Trim();
        Assert.StartsWith("unconfined", current);
        AssertExecRefused(sb, id, "apparmor failed to apply profile", "--apparmor", "csrun-no-such-profile");

        Bundle b = sb.NewBundle("sleep", "1000");
        b.Process["apparmorProfile"] = "csrun-no-such-profile";
        b.Save();
        string failed = sb.NewId();
        RuntimeResult r = ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, failed]);
        Assert.Contains("apparmor", r.Stderr, StringComparison.OrdinalIgnoreCase);
        Leaks.AssertClean(sb, b, failed);

        Bundle ok = sb.NewBundle("sh", "-c", "cat /proc/self/attr/current; exec sleep 1000");
        ok.Process["apparmorProfile"] = "unconfined";
        string okId = sb.NewId();
        RuntimeResult c = sb.CreateAndStart(ok, okId);
        Assert.StartsWith("unconfined", Wait.ForLines(c.StdoutPath, 1).Trim());
    }
}
