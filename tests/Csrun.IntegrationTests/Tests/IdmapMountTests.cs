using System.Text.Json.Nodes;
using Csrun.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Csrun.IntegrationTests.Tests;

/// <summary>
/// Id-mapped bind mounts (options idmap / ridmap, mounts[].uidMappings / gidMappings). A
/// mapping's containerID is the id on the host's filesystem, its hostID the id the mount shows
/// (the kernel maps the file's id through the namespace's uid_map). csrun-only: runc 1.1.5 has
/// no id-mapped mounts.
/// </summary>
[Trait("Category", "Mounts")]
public sealed class IdmapMountTests(ITestOutputHelper output)
{
    private static JsonArray Map(uint onDisk, uint shown, uint size) =>
        new(new JsonObject { ["containerID"] = onDisk, ["hostID"] = shown, ["size"] = size });

    private static JsonObject IdmapMount(string destination, string source, params string[] options)
    {
        var m = new JsonObject
        {
            ["destination"] = destination, ["type"] = "bind", ["source"] = source,
            ["options"] = new JsonArray(options.Select(o => (JsonNode)JsonValue.Create(o)!).ToArray()),
        };
        return m;
    }

    private static string OwnedBy1000(Sandbox sb, string name)
    {
        string dir = sb.HostDir(name);
        File.WriteAllText(Path.Combine(dir, "f"), "x");
        Host.Check("/bin/chown", "-R", "1000:1000", dir);
        return dir;
    }

    /// <summary>Why this kernel cannot idmap <paramref name="dir"/>'s filesystem, or null: tmpfs
    /// has idmapped mounts from Linux 6.3; the v2 VM (6.1, /tmp on overlayfs) answers EINVAL for
    /// overlayfs too, measured there (the host, 6.18, maps both).</summary>
    private static string? IdmapUnsupported(string dir)
    {
        string fs = Host.Check("/usr/bin/stat", "-f", "-c", "%T", dir).Trim();
        string[] release = File.ReadAllText("/proc/sys/kernel/osrelease").Split('.', '-');
        var kernel = new Version(int.Parse(release[0]), int.Parse(release[1]));
        return fs is "tmpfs" or "overlayfs" && kernel < new Version(6, 3) ? $"kernel {kernel} has no idmapped mounts on {fs}" : null;
    }

    /// <summary>Where the kernel cannot do it, the run must fail with one line that says so and
    /// leave nothing: checked instead of the mapping (returns true).</summary>
    private bool RefusedWhereUnsupported(Sandbox sb, Bundle b, string host)
    {
        if (IdmapUnsupported(host) is not { } why) return false;
        output.WriteLine(why + ": checking the refusal instead");
        b.Save();
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, ["run", "--bundle", b.Dir, id], "does not support idmapped mounts");
        Leaks.AssertClean(sb, b, id);
        return true;
    }

    private static string Owner(string path) => Host.Check("/usr/bin/stat", "-c", "%u:%g", path).Trim();

    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Host_Dir_Of_Uid_1000_Shows_As_Root_Through_The_Mounts_Own_Mappings()
    {
        using var sb = new Sandbox(output);
        string host = OwnedBy1000(sb, "owned1000");
        Bundle b = sb.NewBundle("sh", "-c", "stat -c '%u:%g' /mnt/id/f /mnt/plain/f; touch /mnt/id/made-inside");
        JsonObject m = IdmapMount("/mnt/id", host, "rbind", "idmap");
        m["uidMappings"] = Map(1000, 0, 1);
        m["gidMappings"] = Map(1000, 0, 1);
        b.MountsArray.Add(m);
        b.AddMount("/mnt/plain", "bind", host, "rbind");
        if (RefusedWhereUnsupported(sb, b, host)) return;
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal("0:0\n1000:1000\n", r.Stdout);
        // The host's files keep their owner; what root makes inside lands as 1000 on the host.
        Assert.Equal("1000:1000", Owner(Path.Combine(host, "f")));
        Assert.Equal("1000:1000", Owner(Path.Combine(host, "made-inside")));
        Assert.Empty(Mounts.Under(b.Dir));
    }

    /// <summary>Without mappings of its own the mount takes the container's user namespace: a
    /// host dir of root then shows as root inside (without idmap it is the overflow id).</summary>
    [Fact]
    [Trait("Runtime", "csrun-only")]
    public void Idmap_Without_Mappings_Uses_The_Containers_User_Namespace()
    {
        using var sb = new Sandbox(output);
        string host = sb.HostDir("rootowned");
        File.WriteAllText(Path.Combine(host, "f"), "x");
        Bundle b = sb.NewBundle("stat", "-c", "%u:%g", "/mnt/id/f", "/mnt/plain/f");
        b.UserNamespace(0, 100000, 65536);
        // The rootfs belongs to the host's root, which the container's root cannot write.
        Directory.CreateDirectory(Path.Combine(b.RootfsDir, "mnt", "id"));
        Directory.CreateDirectory(Path.Combine(b.RootfsDir, "mnt", "plain"));
        b.MountsArray.Add(IdmapMount("/mnt/id", host, "rbind", "idmap"));
        b.AddMount("/mnt/plain", "bind", host, "rbind");
        if (RefusedWhereUnsupported(sb, b, host)) return;
        RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
        Assert.Equal("0:0\n65534:65534\n", r.Stdout);
        Assert.Equal("0:0", Owner(Path.Combine(host, "f")));
    }

    /// <summary>ridmap maps the submounts of an rbind too; idmap only the top mount.</summary>
    [Theory]
    [Trait("Runtime", "csrun-only")]
    [InlineData("ridmap", "0:0")]
    [InlineData("idmap", "1000:1000")]
    public void Ridmap_Reaches_Submounts_Idmap_Does_Not(string option, string submountOwner)
    {
        using var sb = new Sandbox(output);
        string host = OwnedBy1000(sb, "withsub");
        string sub = Path.Combine(host, "sub");
        Directory.CreateDirectory(sub);
        Host.Check("/bin/mount", "-t", "tmpfs", "-o", "size=1m,uid=1000,gid=1000", "csrun-it-idsub", sub);
        try
        {
            Bundle b = sb.NewBundle("stat", "-c", "%u:%g", "/mnt/id/f", "/mnt/id/sub");
            JsonObject m = IdmapMount("/mnt/id", host, "rbind", option);
            m["uidMappings"] = Map(1000, 0, 1);
            m["gidMappings"] = Map(1000, 0, 1);
            b.MountsArray.Add(m);
            if (RefusedWhereUnsupported(sb, b, host)) return;
            RuntimeResult r = sb.Run(b, sb.NewId()).AssertSuccess("run");
            Assert.Equal($"0:0\n{submountOwner}\n", r.Stdout);
        }
        finally { Host.Run("/bin/umount", "-l", sub); }
    }

    public static TheoryData<string, string> BadIdmapMounts => new()
    {
        { "mappings-without-option", "mounts[N].uidMappings: given without the" },
        { "not-bind", "mounts[N].options: id-mapped mounts are only supported for bind mounts" },
        { "missing-source", "open_tree /nonexistent-csrun-idmap-source (mounts[N], OPEN_TREE_CLONE|AT_RECURSIVE): no such file or directory" },
        { "only-uid-map", "mounts[N].gidMappings" },
    };

    [Theory]
    [Trait("Runtime", "csrun-only")]
    [MemberData(nameof(BadIdmapMounts))]
    public void Bad_Idmap_Mount_Is_One_Line_And_Leaves_Nothing(string kind, string message)
    {
        using var sb = new Sandbox(output);
        string host = OwnedBy1000(sb, "bad");
        Bundle b = sb.NewBundle("true");
        JsonObject m = kind switch
        {
            "mappings-without-option" => IdmapMount("/mnt/id", host, "rbind"),
            "not-bind" => new JsonObject { ["destination"] = "/mnt/id", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("idmap") },
            "missing-source" => IdmapMount("/mnt/id", "/nonexistent-csrun-idmap-source", "rbind", "idmap"),
            _ => IdmapMount("/mnt/id", host, "rbind", "idmap"),
        };
        m["uidMappings"] = Map(1000, 0, 1);
        if (kind != "only-uid-map") m["gidMappings"] = Map(1000, 0, 1);
        int index = b.MountsArray.Count;
        b.MountsArray.Add(m);
        b.Save();
        string id = sb.NewId();
        ErrorAssert.CleanError(sb, ["create", "--bundle", b.Dir, id], message.Replace("mounts[N]", $"mounts[{index}]"));
        Leaks.AssertClean(sb, b, id, rootMustBeEmpty: true);
    }
}
