namespace Csrun.Runtime.Spec;

/// <summary>
/// Checks a parsed config.json before anything is created: what the spec marks MUST, what
/// runc's validator and spec conversion refuse, and what the kernel would reject later with
/// a less helpful errno. The first problem found is thrown as a <see cref="SpecException"/>
/// whose message starts with the JSON path of the offending field.
/// </summary>
/// <remarks>
/// Host-dependent checks (kernel support for a namespace, SELinux enabled, resctrl mounted,
/// a namespace path's type) are left to the code that acts on the field.
/// </remarks>
public static partial class SpecValidator
{
    /// <summary>Validates for `csrun create`; returns warnings for accepted but deprecated usage.</summary>
    public static IReadOnlyList<string> Validate(RuntimeSpec spec, string bundleDir) =>
        Validate(spec, bundleDir, rootless: false);

    /// <summary>
    /// As <see cref="Validate(RuntimeSpec, string)"/>; <paramref name="rootless"/> adds the checks
    /// runc applies when it runs without root (user namespace required, ids must be mapped).
    /// </summary>
    public static IReadOnlyList<string> Validate(RuntimeSpec spec, string bundleDir, bool rootless)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(bundleDir);
        var ctx = new Context(spec, bundleDir, rootless);

        // Namespaces come early because hostname, mounts, sysctl and others depend on them.
        CheckVersion(spec);
        CheckRoot(spec, bundleDir);
        if (spec.Process is null)
            throw Fail("process", "required field is missing (csrun needs a process to create a container)");
        CheckProcess(spec.Process, "process", ctx.Warnings);
        CheckNamespaces(ctx);
        CheckUts(ctx);
        CheckMounts(ctx);
        CheckHooks(spec.Hooks);
        CheckAnnotations(spec.Annotations);
        CheckLinux(ctx);
        return ctx.Warnings;
    }

    /// <summary>
    /// Validates a process on its own, for `csrun exec --process`. <paramref name="jsonPath"/>
    /// prefixes messages ("" for a bare process.json).
    /// </summary>
    public static IReadOnlyList<string> ValidateProcess(SpecProcess process, string jsonPath = "process")
    {
        ArgumentNullException.ThrowIfNull(process);
        var warnings = new List<string>();
        CheckProcess(process, jsonPath ?? "", warnings);
        return warnings;
    }

    /// <summary>The absolute host path of root.path, resolved against the bundle directory.</summary>
    public static string ResolveRootfs(RuntimeSpec spec, string bundleDir)
    {
        string? path = spec.Root?.Path;
        if (string.IsNullOrEmpty(path))
            throw Fail("root.path", "required field is missing");
        return Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(Path.GetFullPath(bundleDir), path));
    }

    private static SpecException Fail(string path, string problem) => new($"{path}: {problem}", path);

    private static SpecException Missing(string path) => Fail(path, "required field is missing");

    private static SpecException NullEntry(string path) => Fail(path, "expected an object, got null");

    private static bool IsAbsolute(string? path) => path is not null && path.Length > 0 && path[0] == '/';

    private static SpecException NotAbsolute(string path, string? value) =>
        Fail(path, $"must be an absolute path, got {SpecPath.Quote(value)}");

    private static bool HasNul(string? value) => value is not null && value.Contains('\0');

    private static void CheckVersion(RuntimeSpec spec)
    {
        string? version = spec.OciVersion;
        if (string.IsNullOrEmpty(version))
            throw Missing("ociVersion");
        if (!SemanticVersion.TryGetMajor(version, out ulong major))
            throw Fail("ociVersion", $"{SpecPath.Quote(version)} is not a valid SemVer 2.0.0 version");
        if (major != 1)
            throw Fail("ociVersion", $"unsupported version {SpecPath.Quote(version)}, csrun supports 1.x");
    }

    private static void CheckRoot(RuntimeSpec spec, string bundleDir)
    {
        if (spec.Root is null)
            throw Missing("root");
        if (string.IsNullOrEmpty(spec.Root.Path))
            throw Missing("root.path");
        if (HasNul(spec.Root.Path))
            throw Fail("root.path", "contains a NUL byte");
        string rootfs = ResolveRootfs(spec, bundleDir);
        if (Directory.Exists(rootfs))
            return;
        if (File.Exists(rootfs))
            throw Fail("root.path", $"{rootfs} is not a directory");
        throw Fail("root.path", $"{rootfs} does not exist");
    }

    private static void CheckAnnotations(Dictionary<string, string>? annotations)
    {
        if (annotations is null)
            return;
        foreach (string key in annotations.Keys)
            if (key.Length == 0)
                throw Fail(SpecPath.Key("annotations", key), "annotation keys must not be empty");
    }

    /// <summary>Per-validation state: the namespace set everything else consults, and warnings.</summary>
    private sealed class Context
    {
        public Context(RuntimeSpec spec, string bundleDir, bool rootless)
        {
            Spec = spec;
            BundleDir = bundleDir;
            Rootless = rootless;
        }

        public RuntimeSpec Spec { get; }
        public string BundleDir { get; }
        public bool Rootless { get; }
        public List<string> Warnings { get; } = new();
        public Dictionary<string, LinuxNamespace> Namespaces { get; } = new(StringComparer.Ordinal);

        /// <summary>The namespace is listed, whether new or joined (runc's Contains).</summary>
        public bool Has(string type) => Namespaces.ContainsKey(type);

        public string? PathOf(string type) =>
            Namespaces.TryGetValue(type, out LinuxNamespace? ns) && !string.IsNullOrEmpty(ns.Path) ? ns.Path : null;

        /// <summary>The namespace is listed without a path, so the container gets a new one.</summary>
        public bool IsNew(string type) => Has(type) && PathOf(type) is null;
    }
}
