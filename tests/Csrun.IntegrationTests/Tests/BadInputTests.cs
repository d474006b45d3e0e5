using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// Every error: non-zero exit, exactly ONE non-empty line on stderr, nothing leaked; and with
/// `--log FILE --log-format json` the last line of FILE is a JSON object with "level":"error" and a "msg".
/// Each failing command is run twice: without and with --log.
/// </summary>
[Trait("Category", "BadInput")]
public sealed class BadInputTests(ITestOutputHelper output)
{
    private static string[] CreateArgs(Bundle b, string id) => ["create", "--bundle", b.Dir, id];

    [Fact]
    public void Missing_Bundle_Dir()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        Directory.Delete(b.Dir, true);
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, CreateArgs(b, id));
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Missing_Config_Json()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        File.Delete(b.ConfigPath);
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, CreateArgs(b, id));
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Theory]
    [InlineData("{\"ociVersion\": \"1.0.2\", \"process\": ")]
    [InlineData("not json at all")]
    [InlineData("")]
    public void Malformed_Config_Json(string text)
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        File.WriteAllText(b.ConfigPath, text);
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, CreateArgs(b, id));
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>csrun-only: runc 1.1.5 accepts ociVersion "2.0.0" (create exits 0).</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Unsupported_Oci_Version()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.Config["ociVersion"] = "2.0.0";
        b.Save();
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, CreateArgs(b, id));
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Empty_Process_Args()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        b.SetArgs();
        b.Save();
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, CreateArgs(b, id));
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Missing_Rootfs_Dir()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        Directory.Delete(b.RootfsDir, true);
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, CreateArgs(b, id));
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("LONG1000")]
    public void Invalid_Container_Id(string id)
    {
        if (id == "LONG1000") id = new string('a', 1000);
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        ErrorAssert.CleanError(sb, CreateArgs(b, id));
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
        Assert.False(File.Exists(Path.Combine(sb.BaseDir, "x")) || Directory.Exists(Path.Combine(sb.BaseDir, "x")),
            "something was created outside --root");
    }

    [Fact]
    public void Duplicate_Id()
    {
        using var sb = new Sandbox(output);
        Bundle b1 = sb.NewBundle("sleep", "1000");
        Bundle b2 = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.Create(b1, id).AssertSuccess("first create");
        int pid = sb.StateJson(id)["pid"]!.GetValue<int>();
        b2.Save();

        ErrorAssert.CleanError(sb, CreateArgs(b2, id));

        // the first container is untouched
        JsonObject st = sb.StateJson(id);
        Assert.Equal("created", st["status"]?.GetValue<string>());
        Assert.Equal(pid, st["pid"]?.GetValue<int>());
        Assert.Equal(b1.Dir, st["bundle"]?.GetValue<string>());
        Assert.True(Procs.IsAlive(pid));
        Leaks.AssertClean(sb, b2, null);
        sb.Start(id).AssertSuccess("start of the first container");
        Assert.Equal("running", sb.Status(id));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b1, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Start_Of_Running_Container()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        ErrorAssert.CleanError(sb, ["start", id]);
        Assert.Equal("running", sb.Status(id));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Start_Of_Stopped_Container()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("true");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        sb.WaitForStatus(id, "stopped");
        ErrorAssert.CleanError(sb, ["start", id]);
        Assert.Equal("stopped", sb.Status(id));
        sb.Delete(id).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    [Theory]
    [InlineData("state")]
    [InlineData("kill")]
    [InlineData("delete")]
    [InlineData("start")]
    public void Missing_Container(string command)
    {
        using var sb = new Sandbox(output);
        string id = sb.NewId();
        RuntimeResult r = ErrorAssert.CleanError(sb, [command, id]);
        if (command is "delete" or "state")
            Assert.Contains("does not exist", r.Stderr);
        Leaks.AssertClean(sb, null, id, rootMustBeEmpty: true);
    }

    [Fact]
    public void Unknown_Signal()
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle("sleep", "1000");
        string id = sb.NewId();
        sb.CreateAndStart(b, id);
        ErrorAssert.CleanError(sb, ["kill", id, "FOO"]);
        Assert.Equal("running", sb.Status(id));
        sb.Delete(id, force: true).AssertSuccess();
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }

    /// <summary>
    /// runc 1.1.5 resolves process.args[0] inside the container during `create` (before waiting for
    /// `start`), so create itself fails ("exec: ...: no such file or directory") and nothing remains.
    /// We assert the same for csrun.
    /// </summary>
    [Theory]
    [InlineData("/no/such/binary")]
    [InlineData("no-such-command")]
    public void Executable_Missing_In_Rootfs(string exe)
    {
        using var sb = new Sandbox(output);
        Bundle b = sb.NewBundle(exe);
        b.Save();
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, CreateArgs(b, id));
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }
}
