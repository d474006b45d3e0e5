using Csrun.Cli;
using Xunit;

namespace Csrun.Tests.Cli;

public class CommandLineTests
{
    [Fact]
    public void GlobalFlagsBeforeCommandAndBothSpellings()
    {
        var line = CommandLine.Parse(new[] { "--root", "/tmp/r", "--log=/tmp/l.json", "--log-format", "json", "create", "-b", "/b", "--pid-file=/p", "id1" });
        Assert.Equal("/tmp/r", line.GlobalValue("root"));
        Assert.Equal("/tmp/l.json", line.GlobalValue("log"));
        Assert.Equal("json", line.GlobalValue("log-format"));
        Assert.Equal("create", line.Command!.Name);
        Assert.Equal("/b", line.Value("bundle"));
        Assert.Equal("/p", line.Value("pid-file"));
        Assert.Equal(new[] { "id1" }, line.Args);
    }

    [Fact]
    public void BooleanFlagsAndArgumentsAfterId()
    {
        var line = CommandLine.Parse(new[] { "kill", "--all", "c1", "KILL" });
        Assert.True(line.Has("all"));
        Assert.Equal(new[] { "c1", "KILL" }, line.Args);
        var d = CommandLine.Parse(new[] { "delete", "c1", "-f" });
        Assert.True(d.Has("force"));
        var no = CommandLine.Parse(new[] { "delete", "--force=false", "c1" });
        Assert.False(no.Has("force"));
    }

    [Fact]
    public void UnknownFlagOrCommandIsAnError()
    {
        var e = Assert.Throws<UsageException>(() => CommandLine.Parse(new[] { "create", "--bogus", "x" }));
        Assert.Contains("flag provided but not defined: -bogus", e.Message);
        Assert.Throws<UsageException>(() => CommandLine.Parse(new[] { "frobnicate" }));
        Assert.Throws<UsageException>(() => CommandLine.Parse(new[] { "create", "--bundle" }));
        Assert.Throws<UsageException>(() => CommandLine.Parse(new[] { "delete", "--force=maybe", "x" }));
    }

    [Fact]
    public void DoubleDashEndsFlags()
    {
        var line = CommandLine.Parse(new[] { "kill", "--", "c1", "-9" });
        Assert.Equal(new[] { "c1", "-9" }, line.Args);
    }

    [Fact]
    public void EveryCommandManagersCallIsDeclared()
    {
        foreach (var name in new[] { "create", "start", "run", "state", "kill", "delete", "list", "spec", "exec", "ps", "pause", "resume", "update", "events", "features", "checkpoint" })
            Assert.NotNull(CommandTable.Find(name));
    }

    [Fact]
    public void TabWriterPadsLikeGo()
    {
        string text = TabWriter.Format(new List<string[]> { new[] { "ID", "PID", "X" }, new[] { "a-long-container-id", "1", "y" } }, 12, 3);
        var lines = text.Split('\n');
        Assert.Equal("ID                    PID         X", lines[0]);
        Assert.Equal("a-long-container-id   1           y", lines[1]);
    }

    [Fact]
    public void JsonLogLineHasLevelMsgAndTime()
    {
        string line = Log.JsonLine("error", "container \"x\" does not exist");
        using var doc = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("error", doc.RootElement.GetProperty("level").GetString());
        Assert.Equal("container \"x\" does not exist", doc.RootElement.GetProperty("msg").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", doc.RootElement.GetProperty("time").GetString());
        Assert.EndsWith("\n", line);
    }
}
