using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// csrun run by an unprivileged host user, as runc's rootless mode: a throw-away user (one per
/// class), its own XDG_RUNTIME_DIR per test, bundles it owns with the config `csrun spec
/// --rootless` writes, no --root. What the container reports from inside is checked, and that
/// nothing (state, processes, cgroups, subuid ranges) is left.
/// </summary>
[Trait("Category", "Rootless")]
public sealed class RootlessTests(UnprivilegedUser user, ITestOutputHelper output) : IClassFixture<UnprivilegedUser>
{
    private static JsonObject LoadConfig(string bundle) => JsonNode.Parse(File.ReadAllText(Path.Combine(bundle, "config.json")))!.AsObject();

    private static void SaveConfig(string bundle, JsonObject config) => File.WriteAllText(Path.Combine(bundle, "config.json"), config.ToJsonString());

    private static void Patch(string bundle, Action<JsonObject> patch)
    {
        JsonObject config = LoadConfig(bundle);
        patch(config);
        SaveConfig(bundle, config);
    }

    private static void SetArgs(JsonObject config, params string[] args)
    {
        config["process"]!["terminal"] = false;
        config["process"]!["args"] = new JsonArray(args.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
    }

    private static JsonArray Mapping(params (uint Container, uint Host, uint Size)[] entries) =>
        new(entries.Select(e => (JsonNode?)new JsonObject { ["containerID"] = e.Container, ["hostID"] = e.Host, ["size"] = e.Size }).ToArray());

    private static string SleepingBundle(UnprivilegedUser.Session s)
    {
        string bundle = s.NewRootlessBundle();
        Patch(bundle, c => SetArgs(c, "sleep", "300"));
        return bundle;
    }

    private static string MapLine(uint container, uint host, uint size) => $"{container} {host} {size}";

    /// <summary>uid_map's columns are padded: compare them as numbers.</summary>
    private static List<string> MapLines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .ToList();

    private void AssertNothingLeft(UnprivilegedUser.Session s, string id)
    {
        Assert.False(Directory.Exists(Path.Combine(s.StateRoot, id)), $"state dir of {id} left in {s.StateRoot}");
        Assert.True(Wait.Until(() => !user.Processes().Any(Procs.IsAlive), TimeSpan.FromSeconds(5)),
            $"processes of {user.Name} left: {string.Join(", ", user.Processes().Where(Procs.IsAlive).Select(p => $"{p} {Procs.Cmdline(p)}"))}");
        foreach (CgroupHierarchy h in Cgroups.Hierarchies)
            Assert.False(Directory.Exists(h.CallerDir + "/" + id), $"cgroup {h.CallerDir}/{id} left");
    }

    /// <summary>The precondition of everything below: the kernel lets an unprivileged user make a
    /// user namespace (user.max_user_namespaces > 0; Debian kernels also have
    /// kernel.unprivileged_userns_clone, absent on this kernel).</summary>
    [Fact]
    public void Unprivileged_User_Can_Create_A_User_Namespace()
    {
        Host.Result r = user.Run("/usr/bin/unshare", "-Ur", "id", "-u");
        string sysctls = $"user.max_user_namespaces={SafeRead("/proc/sys/user/max_user_namespaces")}, kernel.unprivileged_userns_clone={SafeRead("/proc/sys/kernel/unprivileged_userns_clone")}";
        Assert.True(r.ExitCode == 0, $"unshare -Ur as {user.Name} failed ({sysctls}): {r.Stderr}");
        Assert.Equal("0", r.Stdout.Trim());
    }

    private static string SafeRead(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "absent";

    [Fact]
    public void Spec_Rootless_Matches_Runc_Spec_Rootless()
    {
        using var s = new UnprivilegedUser.Session(user, output);
        string ours = s.NewRootlessBundle();
        string theirs = Path.Combine(s.BaseDir, "runc-spec");
        Directory.CreateDirectory(theirs);
        s.Chown(theirs);
        var runc = new Runtime("/usr/sbin/runc", null, Path.Combine(s.BaseDir, "io-runc"), output) { Prefix = user.AsUser(s.XdgRuntimeDir) };
        runc.Run(["spec", "--rootless"], new RunOptions { WorkingDirectory = theirs }).AssertSuccess("runc spec --rootless");
        JsonObject a = LoadConfig(ours), b = LoadConfig(theirs);
        a.Remove("ociVersion");
        b.Remove("ociVersion");
        Assert.True(JsonNode.DeepEquals(a, b), $"csrun:\n{a}\nrunc:\n{b}");
        Assert.Equal(MapLine(0, user.Uid, 1), $"{a["linux"]!["uidMappings"]![0]!["containerID"]} {a["linux"]!["uidMappings"]![0]!["hostID"]} {a["linux"]!["uidMappings"]![0]!["size"]}");
    }

    [Fact]
    public void Run_As_Root_Of_Its_Own_User_Namespace()
    {
        using var s = new UnprivilegedUser.Session(user, output);
        string bundle = s.NewRootlessBundle();
        Patch(bundle, c => SetArgs(c, "sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; touch /root/written && echo wrote"));
        string id = s.NewId();
        RuntimeResult r = s.R.Run(["run", "--bundle", bundle, id], null).AssertSuccess("run as " + user.Name);
        var lines = MapLines(r.Stdout);
        Assert.Equal("0", lines[0]);
        Assert.Equal("0", lines[1]);
        Assert.Equal(MapLine(0, user.Uid, 1), lines[2]);
        Assert.Equal(MapLine(0, user.Gid, 1), lines[3]);
        // The kernel's price for an unprivileged gid_map: setgroups denied, as with runc.
        Assert.Equal("deny", lines[4]);
        Assert.Equal("wrote", lines[5]);
        // Files the container's root writes belong to the user on the host.
        Assert.Equal(user.Uid.ToString(), Host.Check("/usr/bin/stat", "-c", "%u", Path.Combine(bundle, "rootfs/root/written")).Trim());
        AssertNothingLeft(s, id);
    }

    [Fact]
    public void Lifecycle_Commands_Work_As_The_User_With_State_In_Xdg_Runtime_Dir()
    {
        using var s = new UnprivilegedUser.Session(user, output);
        string bundle = SleepingBundle(s);
        string id = s.NewId();
        s.R.Run(["create", "--bundle", bundle, id], null).AssertSuccess("create");

        string stateDir = Path.Combine(s.StateRoot, id);
        Assert.True(File.Exists(Path.Combine(stateDir, "state.json")), $"no state in {stateDir}");
        // runc's XDG root: 0700 and sticky, owned by the user.
        Assert.Equal(UnixFileMode.StickyBit | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(s.StateRoot));
        Assert.Equal(user.Uid.ToString(), Host.Check("/usr/bin/stat", "-c", "%u", s.StateRoot).Trim());
        Assert.False(Directory.Exists(Path.Combine("/run/csrun", id)));

        JsonObject state = JsonNode.Parse(s.R.Run(["state", id], null).AssertSuccess("state").Stdout)!.AsObject();
        Assert.Equal("created", (string?)state["status"]);
        int pid = state["pid"]!.GetValue<int>();
        Assert.Contains(id, s.R.Run(["list"], null).AssertSuccess("list").Stdout);

        s.R.Run(["start", id], null).AssertSuccess("start");
        Assert.Equal("running", (string?)JsonNode.Parse(s.R.Run(["state", id], null).Stdout)!["status"]);
        Assert.Equal(user.Uid, (uint)Procs.StatusIds(pid, "Uid")![0]);

        RuntimeResult exec = s.R.Run(["exec", id, "sh", "-c", "id -u; cat /proc/self/uid_map"], null).AssertSuccess("exec");
        Assert.Equal(new[] { "0", MapLine(0, user.Uid, 1) }, MapLines(exec.Stdout));

        // No cgroup was writable: ps still finds the container's processes.
        RuntimeResult ps = s.R.Run(["ps", "--format", "json", id], null).AssertSuccess("ps");
        Assert.Contains(pid, JsonNode.Parse(ps.Stdout)!.AsArray().Select(n => n!.GetValue<int>()));

        RuntimeResult update = s.R.Run(["update", "--memory", "100000000", id], null).AssertFailure("update without a cgroup");
        ErrorAssert.AssertOneLine(update);
        Assert.Contains("no cgroup", update.Stderr);
        RuntimeResult pause = s.R.Run(["pause", id], null).AssertFailure("pause without a cgroup");
        ErrorAssert.AssertOneLine(pause);
        Assert.Contains("cgroups not configured", pause.Stderr);

        s.R.Run(["kill", id, "KILL"], null).AssertSuccess("kill");
        Wait.AssertUntil(() => (string?)JsonNode.Parse(s.R.Run(["state", id], null).Stdout)?["status"] == "stopped",
            TimeSpan.FromSeconds(10), () => "the container did not stop after kill KILL");
        s.R.Run(["delete", id], null).AssertSuccess("delete");
        Assert.Empty(s.StateIds());
        AssertNothingLeft(s, id);
    }

    [Fact]
    public void Kill_All_And_Delete_Force_Reach_Exec_Processes_Without_A_Cgroup()
    {
        using var s = new UnprivilegedUser.Session(user, output);
        string bundle = SleepingBundle(s);
        string id = s.NewId();
        s.R.Run(["run", "--detach", "--bundle", bundle, id], null).AssertSuccess("run --detach");
        s.R.Run(["exec", "--detach", id, "sleep", "301"], null).AssertSuccess("exec --detach");
        Wait.AssertUntil(() => user.Processes().Any(p => Procs.Cmdline(p)?.Contains("301") == true), TimeSpan.FromSeconds(5), () => "exec'd sleep not seen");
        s.R.Run(["kill", "--all", id, "KILL"], null).AssertSuccess("kill --all");
        Wait.AssertUntil(() => !user.Processes().Any(p => Procs.IsAlive(p) && Procs.Cmdline(p)?.Contains("sleep") == true),
            TimeSpan.FromSeconds(10), () => "kill --all left: " + string.Join(", ", user.Processes().Select(Procs.Cmdline)));
        s.R.Run(["delete", "--force", id], null).AssertSuccess("delete --force");
        AssertNothingLeft(s, id);
    }

    /// <summary>`run` of the rootless bundle changed by <paramref name="patch"/> fails with one
    /// line containing <paramref name="expected"/>, and leaves nothing behind.</summary>
    private RuntimeResult AssertRefused(string what, Action<JsonObject> patch, string expected, string[]? globalArgs = null)
    {
        using var s = new UnprivilegedUser.Session(user, output);
        string bundle = s.NewRootlessBundle();
        Patch(bundle, c =>
        {
            SetArgs(c, "true");
            patch(c);
        });
        string id = s.NewId();
        RuntimeResult r = s.R.Run(["run", "--bundle", bundle, id], new RunOptions { GlobalArgs = globalArgs }).AssertFailure(what);
        ErrorAssert.AssertOneLine(r);
        Assert.Contains(expected, r.Stderr);
        AssertNothingLeft(s, id);
        return r;
    }

    [Fact]
    public void Config_Without_A_User_Namespace_Is_Refused_And_Leaves_Nothing() =>
        AssertRefused("run without a user namespace", c =>
        {
            var linux = c["linux"]!.AsObject();
            linux.Remove("uidMappings");
            linux.Remove("gidMappings");
            var kept = linux["namespaces"]!.AsArray().Where(n => (string?)n!["type"] != "user").Select(n => n!.DeepClone()).ToArray();
            linux["namespaces"] = new JsonArray(kept);
        }, "a rootless container needs a user namespace");

    [Fact]
    public void A_Limit_Without_A_Writable_Cgroup_Is_One_Error_Naming_The_Fix()
    {
        RuntimeResult r = AssertRefused("run with a memory limit",
            c => c["linux"]!["resources"] = new JsonObject { ["memory"] = new JsonObject { ["limit"] = 64L << 20 } }, "memory");
        Assert.Contains("permission denied", r.Stderr);
        Assert.Contains("cgroupsPath", r.Stderr);
    }

    [Fact]
    public void Rootless_False_Reports_The_Cgroup_Permission_Error()
    {
        RuntimeResult r = AssertRefused("run --rootless false", _ => { }, "mkdir /sys/fs/cgroup/", ["--rootless", "false"]);
        Assert.Contains("permission denied", r.Stderr);

        using var s = new UnprivilegedUser.Session(user, output);
        RuntimeResult bad = s.R.Run(["list"], new RunOptions { GlobalArgs = ["--rootless", "maybe"] }).AssertFailure("--rootless maybe");
        ErrorAssert.AssertOneLine(bad);
        Assert.Contains("true, false or auto", bad.Stderr);
    }

    [Fact]
    public void Supplementary_Groups_Under_A_Denied_Setgroups_Say_Why()
    {
        RuntimeResult r = AssertRefused("run with additionalGids",
            c => c["process"]!["user"]!["additionalGids"] = new JsonArray(0), "setgroups");
        Assert.Contains("/etc/subgid", r.Stderr);
    }

    /// <summary>More than the user's own id: newuidmap/newgidmap (package uidmap) write the maps,
    /// allowed by the /etc/subuid and /etc/subgid range the test gives the user and takes away.</summary>
    [Fact]
    public void Subordinate_Ranges_Are_Mapped_Through_Newuidmap()
    {
        Assert.True(File.Exists("/usr/bin/newuidmap") && File.Exists("/usr/bin/newgidmap"), "newuidmap/newgidmap missing: install package uidmap (make deps does)");
        using var s = new UnprivilegedUser.Session(user, output);
        uint start = 3_000_000_000u + (uint)Random.Shared.Next(0, 10_000) * 65536u % 1_000_000_000u;
        string bundle = s.NewRootlessBundle();
        Patch(bundle, c =>
        {
            SetArgs(c, "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -G");
            c["linux"]!["uidMappings"] = Mapping((0, user.Uid, 1), (1, start, 1000));
            c["linux"]!["gidMappings"] = Mapping((0, user.Gid, 1), (1, start, 1000));
            c["process"]!["user"]!["additionalGids"] = new JsonArray(5);
        });

        // Without a range the helper refuses: its reason, one line, and nothing left behind.
        string failed = s.NewId();
        RuntimeResult refused = s.R.Run(["run", "--bundle", bundle, failed], null).AssertFailure("run without a subuid range");
        ErrorAssert.AssertOneLine(refused);
        Assert.Contains("newuidmap", refused.Stderr);
        Assert.Contains("/etc/subuid", refused.Stderr);
        AssertNothingLeft(s, failed);

        try
        {
            user.AddSubIds(start, 1000);
            string id = s.NewId();
            RuntimeResult r = s.R.Run(["run", "--bundle", bundle, id], null).AssertSuccess("run with a subuid range");
            var lines = MapLines(r.Stdout);
            Assert.Equal(new[] { MapLine(0, user.Uid, 1), MapLine(1, start, 1000) }, lines.Take(2));
            Assert.Equal(new[] { MapLine(0, user.Gid, 1), MapLine(1, start, 1000) }, lines.Skip(2).Take(2));
            // newgidmap leaves setgroups allowed: the container's supplementary groups work.
            Assert.Equal("allow", lines[4]);
            Assert.Equal("0 5", lines[5]);
            AssertNothingLeft(s, id);
        }
        finally { user.RemoveSubIds(); }
        Assert.DoesNotContain(File.ReadAllLines("/etc/subuid"), l => l.StartsWith(user.Name + ":", StringComparison.Ordinal));
    }

    /// <summary>A cgroup delegated to the user (chowned, and the user's session inside it, as
    /// systemd's Delegate=yes does) is used: created below, limited and removed.</summary>
    [Fact]
    public void A_Delegated_Cgroup_Is_Used_For_Limits()
    {
        using var sb = new Sandbox(output);
        var delegated = new List<string>();
        foreach (CgroupHierarchy h in Cgroups.Hierarchies)
        {
            string dir = h.CallerDir + "/" + sb.CgroupParent;
            Directory.CreateDirectory(dir);
            delegated.Add(dir);
            foreach (string file in new[] { "cpuset.cpus", "cpuset.mems" })
                if (File.Exists(Path.Combine(dir, file)) && File.ReadAllText(Path.Combine(dir, file)).Trim().Length == 0)
                    File.WriteAllText(Path.Combine(dir, file), File.ReadAllText(Path.Combine(h.CallerDir, file)).Trim());
            foreach (string file in new[] { "", "cgroup.procs", "tasks" })
                if (file.Length == 0 || File.Exists(Path.Combine(dir, file)))
                    Host.Check("/bin/chown", $"{user.Uid}:{user.Gid}", Path.Combine(dir, file));
        }
        // Root moves the shell that becomes the user's csrun into the delegated cgroups first.
        string moveIn = string.Join(" ", delegated.Select(d => $"echo $$ > '{d}/cgroup.procs';"));
        using var s = new UnprivilegedUser.Session(user, output, ["/bin/sh", "-c", moveIn + " exec \"$@\"", "move-in"]);
        string bundle = s.NewRootlessBundle();
        const long limit = 96L << 20;
        string id = s.NewId();
        Patch(bundle, c =>
        {
            SetArgs(c, "sleep", "300");
            c["linux"]!["cgroupsPath"] = id;
            c["linux"]!["resources"] = new JsonObject { ["memory"] = new JsonObject { ["limit"] = limit } };
        });
        s.R.Run(["run", "--detach", "--bundle", bundle, id], null).AssertSuccess("run in a delegated cgroup");
        string? memoryDir = Cgroups.Hierarchies.FirstOrDefault(h => h.Controllers.Split(',').Contains("memory")) is { } memory
            ? memory.CallerDir + "/" + sb.CgroupParent + "/" + id
            : null;
        string? unifiedDir = Cgroups.Hierarchies.FirstOrDefault(h => h.Controllers == "unified") is { } unified
            ? unified.CallerDir + "/" + sb.CgroupParent + "/" + id
            : null;
        string limitFile = memoryDir is not null ? Path.Combine(memoryDir, "memory.limit_in_bytes") : Path.Combine(unifiedDir!, "memory.max");
        Assert.Equal(limit.ToString(), File.ReadAllText(limitFile).Trim());
        int pid = JsonNode.Parse(s.R.Run(["state", id], null).AssertSuccess("state").Stdout)!["pid"]!.GetValue<int>();
        Assert.Contains(pid, Cgroups.ProcsIn(Path.GetDirectoryName(limitFile)!));
        s.R.Run(["delete", "--force", id], null).AssertSuccess("delete --force");
        Assert.False(Directory.Exists(Path.GetDirectoryName(limitFile)), "the container's cgroup was not removed");
        Assert.Empty(s.StateIds());
    }
}
