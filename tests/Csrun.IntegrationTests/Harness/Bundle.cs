using System.Text.Json;
using System.Text.Json.Nodes;

namespace Csrun.IntegrationTests.Harness;

/// <summary>
/// An OCI bundle in a test's private temp dir: a copy of the shared busybox rootfs plus config.json held
/// as a mutable <see cref="JsonObject"/>. Patch <see cref="Config"/> freely and call <see cref="Save"/>
/// (the <see cref="Sandbox"/> helpers save before create/run).
/// Defaults applied on top of make-bundle.sh's `runc spec` equivalent: terminal false, namespaces
/// pid/ipc/uts/mount/network, a relative cgroupsPath unique to this bundle, args from the test.
/// root.readonly stays true as in `runc spec`.
/// </summary>
public sealed class Bundle
{
    private static readonly JsonSerializerOptions s_indent = new() { WriteIndented = true };

    public Bundle(string dir, string cgroupsPath, IReadOnlyList<string> args)
    {
        Dir = dir;
        CgroupsPath = cgroupsPath;
        Directory.CreateDirectory(dir);
        SharedRootfs.CopyRootfsTo(RootfsDir);
        Config = JsonNode.Parse(SharedRootfs.ConfigText)!.AsObject();
        Process["terminal"] = false;
        Linux["namespaces"] = new JsonArray(
            Ns("pid"), Ns("ipc"), Ns("uts"), Ns("mount"), Ns("network"));
        Linux["cgroupsPath"] = cgroupsPath;
        SetArgs(args.ToArray());
        Save();
    }

    public string Dir { get; }
    public string RootfsDir => Path.Combine(Dir, "rootfs");
    public string ConfigPath => Path.Combine(Dir, "config.json");
    /// <summary>The cgroupsPath this bundle was created with (what cleanup and the leak checker look for).</summary>
    public string CgroupsPath { get; }

    public JsonObject Config { get; set; }
    public JsonObject Process => Config["process"]!.AsObject();
    public JsonObject Linux => (Config["linux"] ??= new JsonObject()).AsObject();
    public JsonArray Namespaces => (Linux["namespaces"] ??= new JsonArray()).AsArray();
    public JsonArray MountsArray => (Config["mounts"] ??= new JsonArray()).AsArray();

    public void Save() => File.WriteAllText(ConfigPath, Config.ToJsonString(s_indent));

    public Bundle SetArgs(params string[] args)
    {
        Process["args"] = new JsonArray(args.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        return this;
    }

    /// <summary>args = ["sh", "-c", script].</summary>
    public Bundle Shell(string script) => SetArgs("sh", "-c", script);

    public Bundle SetEnv(string name, string value)
    {
        JsonArray env = (Process["env"] ??= new JsonArray()).AsArray();
        for (int i = env.Count - 1; i >= 0; i--)
            if (env[i]!.GetValue<string>().StartsWith(name + "=", StringComparison.Ordinal))
                env.RemoveAt(i);
        env.Add(name + "=" + value);
        return this;
    }

    public static JsonObject Ns(string type, string? path = null)
    {
        var o = new JsonObject { ["type"] = type };
        if (path is not null) o["path"] = path;
        return o;
    }

    /// <summary>Adds (or replaces) the namespace of this type.</summary>
    public Bundle SetNamespace(string type, string? path = null)
    {
        RemoveNamespace(type);
        Namespaces.Add(Ns(type, path));
        return this;
    }

    public Bundle RemoveNamespace(string type)
    {
        JsonArray ns = Namespaces;
        for (int i = ns.Count - 1; i >= 0; i--)
            if (ns[i]!["type"]!.GetValue<string>() == type)
                ns.RemoveAt(i);
        return this;
    }

    public Bundle AddMount(string destination, string type, string source, params string[] options)
    {
        var m = new JsonObject { ["destination"] = destination, ["type"] = type, ["source"] = source };
        if (options.Length > 0)
            m["options"] = new JsonArray(options.Select(o => (JsonNode?)JsonValue.Create(o)).ToArray());
        MountsArray.Add(m);
        return this;
    }

    /// <summary>uid/gid mappings for a user namespace (adds the namespace too).</summary>
    public Bundle UserNamespace(uint containerId, uint hostId, uint size)
    {
        SetNamespace("user");
        JsonArray Map() => new(new JsonObject
        {
            ["containerID"] = containerId, ["hostID"] = hostId, ["size"] = size,
        });
        Linux["uidMappings"] = Map();
        Linux["gidMappings"] = Map();
        return this;
    }

    /// <summary>Puts the static syscall-probe helper at /bin/syscall-probe in the rootfs.</summary>
    public Bundle AddSyscallProbe()
    {
        File.Copy(Paths.SyscallProbe, Path.Combine(RootfsDir, "bin", "syscall-probe"), overwrite: true);
        return this;
    }

    /// <summary>Puts the static escape-probe helper (the security tests' attacker) at /bin/escape-probe.</summary>
    public Bundle AddEscapeProbe()
    {
        File.Copy(Paths.EscapeProbe, Path.Combine(RootfsDir, "bin", "escape-probe"), overwrite: true);
        return this;
    }

    public override string ToString() => Dir;
}
