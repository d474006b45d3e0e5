using Xunit;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

public sealed class SpecValidatorCoreTests : ValidatorTestBase
{
    [Fact]
    public void DefaultSpec_IsValid() => AssertValid(Valid());

    [Fact]
    public void OciVersion_Required()
    {
        RuntimeSpec spec = Valid();
        spec.OciVersion = null;
        AssertInvalid(spec, "ociVersion", "required field is missing");
        spec.OciVersion = "";
        AssertInvalid(spec, "ociVersion", "required");
    }

    [Theory]
    [InlineData("1.0.0")]
    [InlineData("1.0.2-dev")]
    [InlineData("1.0.0-rc5-dev")]
    [InlineData("1.1.0-rc.1+build.5")]
    [InlineData("1.2.1")]
    [InlineData("1.3.0")]
    [InlineData("1.9.0")]
    public void OciVersion_AnyValid1x_IsAccepted(string version)
    {
        RuntimeSpec spec = Valid();
        spec.OciVersion = version;
        AssertValid(spec);
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("v1.0.0")]
    [InlineData("1.0.0-")]
    [InlineData("01.0.0")]
    [InlineData("1.0.0-01")]
    [InlineData("1.0.0+")]
    [InlineData("1..0")]
    [InlineData("latest")]
    public void OciVersion_MustBeSemVer(string version)
    {
        RuntimeSpec spec = Valid();
        spec.OciVersion = version;
        AssertInvalid(spec, "ociVersion", "is not a valid SemVer");
    }

    [Theory]
    [InlineData("2.0.0")]
    [InlineData("0.6.0")]
    public void OciVersion_MajorMustBe1(string version)
    {
        RuntimeSpec spec = Valid();
        spec.OciVersion = version;
        var ex = AssertInvalid(spec, "ociVersion");
        Assert.Equal($"ociVersion: unsupported version \"{version}\", csrun supports 1.x", ex.Message);
    }

    [Fact]
    public void Root_Required()
    {
        RuntimeSpec spec = Valid();
        spec.Root = null;
        AssertInvalid(spec, "root", "required field is missing");
    }

    [Fact]
    public void RootPath_Required()
    {
        RuntimeSpec spec = Valid();
        spec.Root!.Path = "";
        AssertInvalid(spec, "root.path", "required field is missing");
    }

    [Fact]
    public void RootPath_RelativeResolvesAgainstBundle_AbsoluteAccepted()
    {
        RuntimeSpec spec = Valid();
        spec.Root!.Path = Path.Combine(Bundle.Dir, "rootfs");
        AssertValid(spec);
        Assert.Equal(Path.Combine(Bundle.Dir, "rootfs"), SpecValidator.ResolveRootfs(spec, Bundle.Dir));

        spec.Root.Path = "rootfs";
        Assert.Equal(Path.Combine(Bundle.Dir, "rootfs"), SpecValidator.ResolveRootfs(spec, Bundle.Dir));
        spec.Root.Path = "./sub/../rootfs";
        Assert.Equal(Path.Combine(Bundle.Dir, "rootfs"), SpecValidator.ResolveRootfs(spec, Bundle.Dir));
        AssertValid(spec);
    }

    [Fact]
    public void RootPath_MustExist()
    {
        RuntimeSpec spec = Valid();
        spec.Root!.Path = "missing";
        var ex = AssertInvalid(spec, "root.path", "does not exist");
        Assert.Contains(Path.Combine(Bundle.Dir, "missing"), ex.Message);
    }

    [Fact]
    public void RootPath_MustBeADirectory()
    {
        File.WriteAllText(Path.Combine(Bundle.Dir, "afile"), "");
        RuntimeSpec spec = Valid();
        spec.Root!.Path = "afile";
        AssertInvalid(spec, "root.path", "is not a directory");
    }

    [Fact]
    public void Process_RequiredForCreate()
    {
        RuntimeSpec spec = Valid();
        spec.Process = null;
        AssertInvalid(spec, "process", "required field is missing");
    }

    [Fact]
    public void Hostname_NeedsUtsNamespace()
    {
        RuntimeSpec spec = Valid();
        spec.Hostname = "box";
        AssertValid(spec);
        RemoveNamespace(spec, "uts");
        AssertInvalid(spec, "hostname", "unable to set hostname without a private UTS namespace");
        spec.Hostname = "";
        AssertValid(spec);
    }

    [Fact]
    public void Domainname_NeedsUtsNamespace()
    {
        RuntimeSpec spec = Valid();
        spec.Domainname = "example.org";
        AssertValid(spec);
        RemoveNamespace(spec, "uts");
        spec.Hostname = null;
        AssertInvalid(spec, "domainname", "without a private UTS namespace");
    }

    [Fact]
    public void Hostname_AtMost64Bytes()
    {
        RuntimeSpec spec = Valid();
        spec.Hostname = new string('h', 64);
        AssertValid(spec);
        spec.Hostname = new string('h', 65);
        AssertInvalid(spec, "hostname", "longer than 64 bytes");
    }

    [Fact]
    public void Hostname_WithoutLinuxSection_NeedsUts()
    {
        RuntimeSpec spec = Valid();
        spec.Linux = null;
        spec.Hostname = null;
        AssertValid(spec);
        spec.Hostname = "x";
        AssertInvalid(spec, "hostname");
    }

    [Fact]
    public void Annotations_KeysMustNotBeEmpty()
    {
        RuntimeSpec spec = Valid();
        spec.Annotations = new() { ["org.example.a"] = "1", ["b"] = "" };
        AssertValid(spec);
        spec.Annotations[""] = "x";
        AssertInvalid(spec, "annotations[\"\"]", "must not be empty");
    }

    [Theory]
    [InlineData("prestart")]
    [InlineData("createRuntime")]
    [InlineData("createContainer")]
    [InlineData("startContainer")]
    [InlineData("poststart")]
    [InlineData("poststop")]
    public void HookPath_MustBeAbsolute(string phase)
    {
        RuntimeSpec spec = Valid();
        var hook = new SpecHook { Path = "/usr/bin/hook", Args = ["hook", "a"], Env = ["A=1"], Timeout = 3 };
        spec.Hooks = new SpecHooks();
        List<SpecHook> list = [new SpecHook { Path = "/bin/true" }, hook];
        switch (phase)
        {
            case "prestart": spec.Hooks.Prestart = list; break;
            case "createRuntime": spec.Hooks.CreateRuntime = list; break;
            case "createContainer": spec.Hooks.CreateContainer = list; break;
            case "startContainer": spec.Hooks.StartContainer = list; break;
            case "poststart": spec.Hooks.Poststart = list; break;
            case "poststop": spec.Hooks.Poststop = list; break;
        }
        AssertValid(spec);
        hook.Path = "bin/hook";
        AssertInvalid(spec, $"hooks.{phase}[1].path", "must be an absolute path, got \"bin/hook\"");
        hook.Path = null;
        AssertInvalid(spec, $"hooks.{phase}[1].path", "required");
    }

    [Fact]
    public void HookTimeout_MustBePositive()
    {
        RuntimeSpec spec = Valid();
        var hook = new SpecHook { Path = "/bin/hook", Timeout = 1 };
        spec.Hooks = new SpecHooks { Poststop = [hook] };
        AssertValid(spec);
        hook.Timeout = 0;
        AssertInvalid(spec, "hooks.poststop[0].timeout", "must be greater than zero, got 0");
        hook.Timeout = -5;
        AssertInvalid(spec, "hooks.poststop[0].timeout");
    }

    [Fact]
    public void HookEnv_MustBeKeyValue()
    {
        RuntimeSpec spec = Valid();
        var hook = new SpecHook { Path = "/bin/hook", Env = ["A=1", "B="] };
        spec.Hooks = new SpecHooks { CreateRuntime = [hook] };
        AssertValid(spec);
        hook.Env.Add("NOEQUALS");
        AssertInvalid(spec, "hooks.createRuntime[0].env[2]", "KEY=VALUE");
    }

    [Fact]
    public void FirstProblem_IsTheOneReported()
    {
        RuntimeSpec spec = Valid();
        spec.OciVersion = "3.0.0";
        spec.Root = null;
        spec.Process!.Args = null;
        AssertInvalid(spec, "ociVersion");
    }

    [Fact]
    public void Messages_AreOneLine_EvenForHostileValues()
    {
        RuntimeSpec spec = Valid();
        spec.Process!.Cwd = "rel\npath";
        var ex = AssertInvalid(spec, "process.cwd");
        Assert.Contains("\"rel\\npath\"", ex.Message);
    }
}
