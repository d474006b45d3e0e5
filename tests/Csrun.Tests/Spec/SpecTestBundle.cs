using Xunit;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Spec;

/// <summary>A throw-away bundle directory with an empty rootfs, removed on dispose.</summary>
public sealed class SpecTestBundle : IDisposable
{
    public SpecTestBundle()
    {
        Dir = Path.Combine(Path.GetTempPath(), "csrun-spec-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Dir, "rootfs"));
    }

    public string Dir { get; }

    public string ConfigPath => Path.Combine(Dir, SpecLoader.ConfigFileName);

    public void WriteConfig(string json) => File.WriteAllText(ConfigPath, json);

    /// <summary>A spec that passes validation: runc's default, without host-dependent parts.</summary>
    public static RuntimeSpec ValidSpec() => SpecDefaults.Create(rootless: false, 0, 0, cgroupNamespace: false);

    public IReadOnlyList<string> Validate(RuntimeSpec spec, bool rootless = false) =>
        SpecValidator.Validate(spec, Dir, rootless);

    /// <summary>Asserts validation fails, at <paramref name="jsonPath"/>, with text containing <paramref name="contains"/>.</summary>
    public SpecException AssertInvalid(RuntimeSpec spec, string jsonPath, string? contains = null, bool rootless = false)
    {
        var ex = Assert.Throws<SpecException>(() => SpecValidator.Validate(spec, Dir, rootless));
        Assert.Equal(jsonPath, ex.JsonPath);
        Assert.StartsWith(jsonPath + ": ", ex.Message);
        if (contains is not null)
            Assert.Contains(contains, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        return ex;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
