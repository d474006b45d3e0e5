using Xunit;
using System.Text;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecLoaderTests : IDisposable
{
    private readonly SpecTestBundle _bundle = new();

    public void Dispose() => _bundle.Dispose();

    private static RuntimeSpec Parse(string json) => SpecLoader.Parse(Encoding.UTF8.GetBytes(json));

    private static SpecException ParseFails(string json) =>
        Assert.Throws<SpecException>(() => SpecLoader.Parse(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void FullConfig_ParsesEveryField()
    {
        RuntimeSpec spec = Parse(SpecSamples.Full);

        Assert.Equal("1.3.0", spec.OciVersion);
        SpecProcess p = spec.Process!;
        Assert.True(p.Terminal);
        Assert.Equal(25u, p.ConsoleSize!.Height);
        Assert.Equal(80u, p.ConsoleSize.Width);
        Assert.Equal(1u, p.User!.Uid);
        Assert.Equal(63u, p.User.Umask);
        Assert.Equal([5u, 6u], p.User.AdditionalGids);
        Assert.Equal(["sh", "-c", "echo hi"], p.Args);
        Assert.Equal("/root", p.Cwd);
        Assert.Equal(["CAP_NET_BIND_SERVICE"], p.Capabilities!.Ambient);
        Assert.Equal(["CAP_AUDIT_WRITE"], p.Capabilities.Inheritable);
        Assert.Equal(ulong.MaxValue, p.Rlimits![1].Hard);
        Assert.True(p.NoNewPrivileges);
        Assert.Equal(100, p.OomScoreAdj);
        Assert.Equal("SCHED_DEADLINE", p.Scheduler!.Policy);
        Assert.Equal(300000ul, p.Scheduler.Period);
        Assert.Equal("IOPRIO_CLASS_IDLE", p.IOPriority!.Class);
        Assert.Equal(4, p.IOPriority.Priority);
        Assert.Equal("0-3,7", p.ExecCpuAffinity!.Final);
        Assert.Equal("acme_secure_profile", p.ApparmorProfile);

        Assert.Equal("rootfs", spec.Root!.Path);
        Assert.True(spec.Root.Readonly);
        Assert.Equal("slartibartfast", spec.Hostname);
        Assert.Equal("foobarbaz.test", spec.Domainname);
        Assert.Equal(3, spec.Mounts!.Count);
        Assert.Null(spec.Mounts[0].Options);
        Assert.Equal(1000u, spec.Mounts[2].UidMappings![0].HostId);

        Assert.Equal("/usr/bin/fix-mounts", spec.Hooks!.Prestart![0].Path);
        Assert.Equal(5, spec.Hooks.CreateContainer![0].Timeout);
        Assert.Single(spec.Hooks.CreateRuntime!);
        Assert.Single(spec.Hooks.StartContainer!);
        Assert.Single(spec.Hooks.Poststart!);
        Assert.Equal(["cleanup.sh", "-f"], spec.Hooks.Poststop![0].Args);

        LinuxSpec l = spec.Linux!;
        Assert.Equal(32000u, l.UidMappings![0].Size);
        Assert.Equal("256", l.Sysctl!["net.core.somaxconn"]);
        Assert.Equal(229L, l.Resources!.Devices![1].Minor);
        Assert.Null(l.Resources.Devices[0].Major);
        Assert.Equal(536870912L, l.Resources.Memory!.Limit);
        Assert.Equal(-1L, l.Resources.Memory.KernelTcp);
        Assert.True(l.Resources.Memory.CheckBeforeUpdate);
        Assert.Equal(1000000ul, l.Resources.Cpu!.Burst);
        Assert.Equal("0-7", l.Resources.Cpu.Mems);
        Assert.Equal(32771L, l.Resources.Pids!.Limit);
        Assert.Equal((ushort)300, l.Resources.BlockIO!.WeightDevice![0].LeafWeight);
        Assert.Null(l.Resources.BlockIO.WeightDevice[1].LeafWeight);
        Assert.Equal(300ul, l.Resources.BlockIO.ThrottleWriteIOPSDevice![0].Rate);
        Assert.Equal("64KB", l.Resources.HugepageLimits![1].PageSize);
        Assert.Equal(1048577u, l.Resources.Network!.ClassId);
        Assert.Equal("eth1", l.Resources.Network.Priorities![1].Name);
        Assert.Null(l.Resources.Rdma!["mlx4_0"].HcaHandles);
        Assert.Equal(1000u, l.Resources.Rdma["mlx4_0"].HcaObjects);
        Assert.Contains("\n", l.Resources.Unified!["io.max"]);
        Assert.Equal("/myRuntime/myContainer", l.CgroupsPath);
        Assert.Equal(8, l.Namespaces!.Count);
        Assert.Equal(438u, l.Devices![0].FileMode);
        Assert.Equal("container_eth0", l.NetDevices!["eth0"].Name);
        Assert.Null(l.NetDevices["ens4"].Name);
        Assert.Equal(1u, l.Seccomp!.DefaultErrnoRet);
        Assert.Equal("/run/seccomp-agent.socket", l.Seccomp.ListenerPath);
        Assert.Equal(2ul, l.Seccomp.Syscalls![1].Args![1].ValueTwo);
        Assert.Equal(38u, l.Seccomp.Syscalls[0].ErrnoRet);
        Assert.Equal("slave", l.RootfsPropagation);
        Assert.Equal(5, l.MaskedPaths!.Count);
        Assert.Equal(6, l.ReadonlyPaths!.Count);
        Assert.StartsWith("system_u", l.MountLabel);
        Assert.True(l.IntelRdt!.EnableMonitoring);
        Assert.Equal(2, l.IntelRdt.Schemata!.Count);
        Assert.Equal("MPOL_INTERLEAVE", l.MemoryPolicy!.Mode);
        Assert.Equal("2-3", l.MemoryPolicy.Nodes);
        Assert.Equal("LINUX32", l.Personality!.Domain);
        Assert.Equal(-3600L, l.TimeOffsets!["boottime"].Secs);
        Assert.Equal(500u, l.TimeOffsets["boottime"].Nanosecs);
    }

    [Fact]
    public void FullConfig_PassesValidation()
    {
        RuntimeSpec spec = Parse(SpecSamples.Full);
        IReadOnlyList<string> warnings = _bundle.Validate(spec);
        Assert.Empty(warnings);
    }

    [Fact]
    public void UnknownFields_AreIgnored()
    {
        RuntimeSpec spec = Parse("""
        {
            "ociVersion": "1.0.2",
            "futureField": { "nested": [1, 2, {"x": null}] },
            "process": { "user": { "uid": 0, "gid": 0, "someday": true }, "args": ["sh"], "cwd": "/", "newKnob": 5 },
            "root": { "path": "rootfs", "extra": "x" },
            "linux": { "namespaces": [{ "type": "pid", "flags": 7 }], "experimental": {} }
        }
        """);
        Assert.Equal("1.0.2", spec.OciVersion);
        Assert.Equal(["sh"], spec.Process!.Args);
        Assert.Equal("pid", spec.Linux!.Namespaces![0].Type);
    }

    [Fact]
    public void Annotations_AreKeptVerbatim()
    {
        RuntimeSpec spec = Parse("""
        { "ociVersion": "1.3.0",
          "annotations": { "org.opencontainers.image.os": "linux", "io.x/y": "a \"quoted\" value", "empty": "", "ünïcode": "✓" } }
        """);
        Assert.Equal(4, spec.Annotations!.Count);
        Assert.Equal("linux", spec.Annotations["org.opencontainers.image.os"]);
        Assert.Equal("a \"quoted\" value", spec.Annotations["io.x/y"]);
        Assert.Equal("", spec.Annotations["empty"]);
        Assert.Equal("✓", spec.Annotations["ünïcode"]);
    }

    [Fact]
    public void PropertyNames_MatchCaseInsensitively_LikeGo()
    {
        RuntimeSpec spec = Parse("""{ "OCIVERSION": "1.3.0", "Process": { "Args": ["x"] } }""");
        Assert.Equal("1.3.0", spec.OciVersion);
        Assert.Equal(["x"], spec.Process!.Args);
    }

    [Fact]
    public void Utf8Bom_IsSkipped()
    {
        byte[] data = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("""{"ociVersion":"1.3.0"}""")];
        Assert.Equal("1.3.0", SpecLoader.Parse(data).OciVersion);
    }

    [Fact]
    public void LoadFromBundle_ReadsConfigJson()
    {
        _bundle.WriteConfig(SpecSamples.Full);
        RuntimeSpec spec = SpecLoader.LoadFromBundle(_bundle.Dir);
        Assert.Equal("slartibartfast", spec.Hostname);
    }

    [Fact]
    public void LoadFromBundle_MissingFile_NamesThePath()
    {
        var ex = Assert.Throws<SpecException>(() => SpecLoader.LoadFromBundle(_bundle.Dir));
        Assert.Equal($"open {_bundle.ConfigPath}: no such file or directory", ex.Message);
    }

    [Fact]
    public void LoadFromBundle_MissingBundleDir_NamesThePath()
    {
        string dir = Path.Combine(_bundle.Dir, "nope");
        var ex = Assert.Throws<SpecException>(() => SpecLoader.LoadFromBundle(dir));
        Assert.Equal($"open {Path.Combine(dir, "config.json")}: no such file or directory", ex.Message);
    }

    [Fact]
    public void LoadFromBundle_ConfigIsDirectory_SaysSo()
    {
        Directory.CreateDirectory(_bundle.ConfigPath);
        var ex = Assert.Throws<SpecException>(() => SpecLoader.LoadFromBundle(_bundle.Dir));
        Assert.Contains(_bundle.ConfigPath, ex.Message);
        Assert.Contains("is a directory", ex.Message);
    }

    [Fact]
    public void InvalidJson_ReportsLineAndByte()
    {
        // Line 3, the stray '}' is the 5th byte of the line.
        var ex = ParseFails("{\n  \"ociVersion\": \"1.3.0\",\n    }\n");
        Assert.StartsWith("config.json: invalid JSON at line 3, byte 5: ", ex.Message);
        Assert.Contains("'}'", ex.Message);
    }

    [Fact]
    public void InvalidUtf8_InAString_ReportsLineAndByte()
    {
        byte[] json = Encoding.UTF8.GetBytes("{\n  \"ociVersion\": \"1.0.\u00e9X\"\n}");
        int at = Array.IndexOf(json, (byte)'X');
        json[at - 2] = 0xff; // the first of the two bytes of the é
        var e = Assert.Throws<SpecException>(() => SpecLoader.Parse(json));
        Assert.Equal("config.json: invalid UTF-8 at line 2, byte 22: byte 0xFF does not start or continue a character", e.Message);
    }

    [Fact]
    public void TruncatedJson_SaysUnexpectedEnd()
    {
        var ex = ParseFails("{\"ociVersion\": \"1.3.0\",\n\"process\": {");
        Assert.StartsWith("config.json: invalid JSON at line 2", ex.Message);
        Assert.EndsWith("unexpected end of input", ex.Message);
    }

    [Fact]
    public void Comments_AreRejectedWithAHint()
    {
        var ex = ParseFails("{\n// a comment\n\"ociVersion\": \"1.3.0\"}");
        Assert.StartsWith("config.json: invalid JSON at line 2, byte 1: ", ex.Message);
        Assert.Contains("comments are not allowed", ex.Message);
    }

    [Fact]
    public void TrailingComma_IsRejected()
    {
        var ex = ParseFails("""{"ociVersion": "1.3.0", "process": {"args": ["sh",]}}""");
        Assert.Contains("invalid JSON at line 1", ex.Message);
    }

    [Fact]
    public void EmptyFile_IsReported()
    {
        var ex = ParseFails("  \n ");
        Assert.Equal("config.json: file is empty, expected a JSON object", ex.Message);
    }

    [Fact]
    public void TopLevelArray_IsReported()
    {
        var ex = ParseFails("[1, 2]");
        Assert.Equal("config.json: expected a JSON object at the top level, got an array", ex.Message);
    }

    [Fact]
    public void TopLevelNull_IsReported()
    {
        var ex = ParseFails("null");
        Assert.Equal("config.json: expected a JSON object at the top level, got null", ex.Message);
    }

    [Fact]
    public void WrongType_InArray_NamesThePathAndExpectation()
    {
        var ex = ParseFails("""
        { "ociVersion": "1.3.0",
          "linux": { "namespaces": [ {"type": "pid"}, {"type": "uts"}, {"type": 5} ] } }
        """);
        Assert.Equal("config.json: linux.namespaces[2].type: expected a string, got 5", ex.Message);
        Assert.Equal("linux.namespaces[2].type", ex.JsonPath);
    }

    [Fact]
    public void OutOfRangeNumber_SaysTheRange()
    {
        var ex = ParseFails("""{ "process": { "user": { "uid": -1, "gid": 0 } } }""");
        Assert.Equal("config.json: process.user.uid: expected an integer between 0 and 4294967295, got -1", ex.Message);
    }

    [Fact]
    public void FractionForInteger_IsReported()
    {
        var ex = ParseFails("""{ "process": { "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1.5, "soft": 1 } ] } }""");
        Assert.Equal("config.json: process.rlimits[0].hard: expected an integer between 0 and 18446744073709551615, got 1.5", ex.Message);
    }

    [Fact]
    public void StringWhereArrayExpected_IsReported()
    {
        var ex = ParseFails("""{ "process": { "args": "sh -c true" } }""");
        Assert.Equal("config.json: process.args: expected an array, got \"sh -c true\"", ex.Message);
    }

    [Fact]
    public void ArrayWhereObjectExpected_IsReported()
    {
        var ex = ParseFails("""{ "root": ["rootfs"] }""");
        Assert.Equal("config.json: root: expected an object, got an array", ex.Message);
    }

    [Fact]
    public void WrongBool_IsReported()
    {
        var ex = ParseFails("""{ "process": { "terminal": "yes" } }""");
        Assert.Equal("config.json: process.terminal: expected true or false, got \"yes\"", ex.Message);
    }

    [Fact]
    public void WrongMapValue_UsesQuotedKeyInPath()
    {
        var ex = ParseFails("""{ "annotations": { "com.example.key": 7 } }""");
        Assert.Equal("config.json: annotations[\"com.example.key\"]: expected a string, got 7", ex.Message);
    }

    [Fact]
    public void WrongNestedMapValue_NamesTheField()
    {
        var ex = ParseFails("""{ "linux": { "timeOffsets": { "monotonic": { "secs": "ten" } } } }""");
        Assert.Equal("config.json: linux.timeOffsets[\"monotonic\"].secs: expected an integer between -9223372036854775808 and 9223372036854775807, got \"ten\"", ex.Message);
    }

    [Fact]
    public void LongStringValues_AreShortenedInMessages()
    {
        string longValue = new('x', 200);
        var ex = ParseFails($$"""{ "process": { "user": "{{longValue}}" } }""");
        Assert.Contains("process.user: expected an object, got \"" + new string('x', 40) + "\"...", ex.Message);
        Assert.True(ex.Message.Length < 150);
    }

    [Fact]
    public void ParseProcess_ReadsABareProcessObject()
    {
        SpecProcess p = SpecLoader.ParseProcess(Encoding.UTF8.GetBytes("""{ "args": ["ls"], "cwd": "/", "user": {"uid": 1, "gid": 2} }"""));
        Assert.Equal(["ls"], p.Args);
        Assert.Equal(2u, p.User!.Gid);

        var ex = Assert.Throws<SpecException>(() => SpecLoader.ParseProcess(Encoding.UTF8.GetBytes("""{ "args": [1] }""")));
        Assert.Equal("process.json: args[0]: expected a string, got 1", ex.Message);
    }

    [Fact]
    public void ReadFile_TooLarge_IsRefused()
    {
        // A sparse file: cheap to create, larger than the cap.
        using (var f = new FileStream(_bundle.ConfigPath, FileMode.Create))
            f.SetLength(SpecLoader.MaxConfigBytes + 1L);
        var ex = Assert.Throws<SpecException>(() => SpecLoader.LoadFromBundle(_bundle.Dir));
        Assert.StartsWith($"read {_bundle.ConfigPath}: file is larger than", ex.Message);
    }
}
