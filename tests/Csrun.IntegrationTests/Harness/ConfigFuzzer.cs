using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Csrun.IntegrationTests.Harness;

/// <summary>
/// Mutates a valid config.json into hostile ones, deterministically from a seed: wrong types,
/// huge and odd numbers, deep nesting, huge arrays, invalid UTF-8, duplicate keys, missing
/// fields, and garbage seccomp profiles, mounts and namespaces. The output is bytes, since some
/// mutations (invalid UTF-8, duplicate keys) cannot be a JsonNode.
/// </summary>
/// <remarks>
/// It never makes a config that could harm the host if csrun accepted it: the cgroupsPath is
/// never touched (a hostile one could name a cgroup of the machine's), root.path only takes
/// harmless values, bind sources are inside the bundle or missing, namespace paths never name
/// a live namespace, hooks can only be /bin/true, and the container is never started.
/// </remarks>
public sealed class ConfigFuzzer
{
    private readonly Random _rnd;
    private readonly JsonObject _base;
    private readonly string _bundleDir;

    public ConfigFuzzer(int seed, JsonObject baseConfig, string bundleDir)
    {
        _rnd = new Random(seed);
        _base = baseConfig;
        _bundleDir = bundleDir;
    }

    /// <summary>Fields whose hostile values would be dangerous to accept: left alone.</summary>
    private static readonly string[] Protected = { "linux.cgroupsPath" };

    private static readonly string[] StringPool =
    {
        "", "x", "true", "/nonexistent/path", "/bin/true", "../../../../etc", "relative/path", "a b",
        "\u00e9\u00e8", "\ud83d\ude00", "\u0000", "line\nbreak", "%s%n", "${HOME}", "-1", "1e400", "null",
        new string('A', 5000), "/proc/self/fd/3", "SCMP_ACT_KILL", "rw", "c", "b", "u", "p",
    };

    private static readonly string[] NumberPool =
    {
        "0", "-1", "1", "2147483647", "2147483648", "-2147483649", "4294967295", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551615",
        "18446744073709551616", "99999999999999999999999999999999", "1e308", "-1e308", "1.5", "-0",
        "0.0000001", "1E+2", "12345678901234567890.5",
    };

    public sealed record Case(string Kind, byte[] Json);

    public Case Next()
    {
        var config = (JsonObject)_base.DeepClone();
        _deep = null;
        int kinds = 1 + _rnd.Next(3);
        var names = new List<string>();
        byte[]? raw = null;
        for (int k = 0; k < kinds; k++)
        {
            int pick = _rnd.Next(100);
            if (pick < 18) names.Add(TypeChange(config));
            else if (pick < 28) names.Add(HugeNumber(config));
            else if (pick < 33) names.Add(DeepNesting(config));
            else if (pick < 39) names.Add(HugeArray(config));
            else if (pick < 52) names.Add(MissingField(config));
            else if (pick < 64) names.Add(SeccompGarbage(config));
            else if (pick < 78) names.Add(MountGarbage(config));
            else if (pick < 88) names.Add(NamespaceGarbage(config));
            else names.Add(OddValues(config));
        }
        // The cgroupsPath stays what the test chose whatever happened around it.
        if (config["linux"] is JsonObject linux && _base["linux"]?["cgroupsPath"] is { } cgroupsPath)
            linux["cgroupsPath"] = cgroupsPath.DeepClone();
        string text = config.ToJsonString();
        if (_deep is not null) text = text.Replace("\"" + DeepMarker + "\"", _deep);
        int rawPick = _rnd.Next(100);
        if (rawPick < 8) { raw = InvalidUtf8(text); names.Add("invalid-utf8"); }
        else if (rawPick < 16) { raw = DuplicateKeys(config); names.Add("duplicate-keys"); }
        else if (rawPick < 20) { raw = Truncated(text); names.Add("truncated"); }
        return new Case(string.Join('+', names), raw ?? Encoding.UTF8.GetBytes(text));
    }

    // ---------------------------------------------------------------- node picking

    /// <summary>Every (parent, key-or-index, dotted path) in the tree, protected paths excluded.</summary>
    private List<(JsonNode Parent, object Key, string Path)> Slots(JsonNode root)
    {
        var list = new List<(JsonNode, object, string)>();
        void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (k, v) in o.ToList())
                    {
                        string p = path.Length == 0 ? k : path + "." + k;
                        if (Array.IndexOf(Protected, p) >= 0) continue;
                        list.Add((o, k, p));
                        Walk(v, p);
                    }
                    break;
                case JsonArray a:
                    for (int i = 0; i < a.Count; i++)
                    {
                        list.Add((a, i, $"{path}[{i}]"));
                        Walk(a[i], $"{path}[{i}]");
                    }
                    break;
            }
        }
        Walk(root, "");
        return list;
    }

    private (JsonNode Parent, object Key, string Path) PickSlot(JsonObject config)
    {
        var slots = Slots(config);
        return slots[_rnd.Next(slots.Count)];
    }

    private static void Set(JsonNode parent, object key, JsonNode? value)
    {
        if (parent is JsonObject o) o[(string)key] = value;
        else ((JsonArray)parent)[(int)key] = value;
    }

    private static JsonNode? Get(JsonNode parent, object key) =>
        parent is JsonObject o ? o[(string)key] : ((JsonArray)parent)[(int)key];

    /// <summary>A value safe for the slot's path (root.path, bind sources, namespace paths and
    /// hooks are restricted, see the remarks), of any JSON type.</summary>
    private JsonNode? RandomValue(string path, int depth = 0)
    {
        int t = _rnd.Next(depth > 2 ? 4 : 7);
        return t switch
        {
            0 => JsonValue.Create(SafeString(path)),
            1 => JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]),
            2 => JsonValue.Create(_rnd.Next(2) == 0),
            3 => null,
            4 => new JsonArray(Enumerable.Range(0, _rnd.Next(4)).Select(i => RandomValue($"{path}[{i}]", depth + 1)).ToArray()),
            5 => RandomObject(path, depth),
            _ => JsonValue.Create(SafeString(path)),
        };
    }

    private JsonObject RandomObject(string path, int depth)
    {
        var o = new JsonObject();
        int n = _rnd.Next(4);
        for (int i = 0; i < n; i++)
        {
            string key = SafeKey();
            o[key] = RandomValue(path + "." + key, depth + 1);
        }
        return o;
    }

    private string SafeKey()
    {
        string[] keys = { "type", "path", "source", "options", "destination", "x", "", "allow", "names", "action", "args", "\u00e9" };
        return keys[_rnd.Next(keys.Length)] + (_rnd.Next(4) == 0 ? _rnd.Next(100).ToString(CultureInfo.InvariantCulture) : "");
    }

    private string SafeString(string path)
    {
        if (path.StartsWith("root.path", StringComparison.Ordinal))
            return new[] { "rootfs", "nonexistent", "", "rootfs/../rootfs", "rootfs/bin/busybox" }[_rnd.Next(5)];
        if (path.Contains("namespaces", StringComparison.Ordinal) && path.EndsWith("path", StringComparison.Ordinal))
            return new[] { "/nonexistent/ns", "/dev/null", "relative", "" }[_rnd.Next(4)];
        if (path.StartsWith("hooks", StringComparison.Ordinal))
            return new[] { "/bin/true", "/nonexistent/hook", "relative", "" }[_rnd.Next(4)];
        if (path.StartsWith("mounts", StringComparison.Ordinal) && path.EndsWith("source", StringComparison.Ordinal))
            return MountSource();
        return StringPool[_rnd.Next(StringPool.Length)];
    }

    private string MountSource()
    {
        string[] sources = { "tmpfs", "none", "", "proc", "/nonexistent/source", Path.Combine(_bundleDir, "rootfs", "etc"),
            Path.Combine(_bundleDir, "rootfs", "etc", "hostname"), "rootfs/bin", "devpts", "cgroup" };
        return sources[_rnd.Next(sources.Length)];
    }

    // ---------------------------------------------------------------- mutations

    private string TypeChange(JsonObject config)
    {
        var (parent, key, path) = PickSlot(config);
        Set(parent, key, RandomValue(path));
        return "type:" + path;
    }

    private string HugeNumber(JsonObject config)
    {
        string[] targets =
        {
            "process.user.uid", "process.user.gid", "process.user.umask", "process.oomScoreAdj", "process.consoleSize.height",
            "linux.resources.pids.limit", "linux.resources.memory.limit", "linux.resources.memory.swap", "linux.resources.cpu.shares",
            "linux.resources.cpu.quota", "linux.resources.cpu.period", "linux.resources.blockIO.weight", "process.rlimits[0].hard",
            "process.rlimits[0].soft", "linux.uidMappings", "linux.timeOffsets.monotonic.secs", "linux.devices", "process.user.additionalGids",
        };
        string target = targets[_rnd.Next(targets.Length)];
        JsonNode number = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)])!;
        if (target == "linux.devices")
            SetPath(config, target, new JsonArray(new JsonObject { ["path"] = "/dev/fuzz", ["type"] = "c", ["major"] = number, ["minor"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]) }));
        else if (target == "linux.uidMappings")
            SetPath(config, target, new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = number, ["size"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]) }));
        else if (target == "process.user.additionalGids")
            SetPath(config, target, new JsonArray(number));
        else SetPath(config, target, number);
        return "number:" + target;
    }

    private const string DeepMarker = "__csrun_fuzz_deep__";
    private string? _deep;

    /// <summary>Deep nesting is spliced in as text (a JsonNode that deep would recurse in
    /// the test process itself).</summary>
    private string DeepNesting(JsonObject config)
    {
        int depth = new[] { 63, 64, 65, 200, 5000, 20000 }[_rnd.Next(6)];
        var sb = new StringBuilder();
        bool arrays = _rnd.Next(2) == 0;
        for (int i = 0; i < depth; i++) sb.Append(arrays ? "[" : "{\"a\":");
        sb.Append('1');
        for (int i = 0; i < depth; i++) sb.Append(arrays ? "]" : "}");
        var (parent, key, path) = PickSlot(config);
        Set(parent, key, JsonValue.Create(DeepMarker));
        _deep = sb.ToString();
        return $"deep{depth}:{path}";
    }

    private string HugeArray(JsonObject config)
    {
        string[] targets = { "process.args", "process.env", "mounts", "linux.namespaces", "linux.devices", "linux.maskedPaths", "process.user.additionalGids", "linux.seccomp.syscalls" };
        string target = targets[_rnd.Next(targets.Length)];
        int n = new[] { 1000, 10000, 100000 }[_rnd.Next(3)];
        // Each of these costs a system call or more when accepted: enough to be huge, not to stall.
        if (target is "mounts" or "linux.devices") n = Math.Min(n, 2000);
        if (target == "linux.seccomp.syscalls") n = Math.Min(n, 10000);
        var array = new JsonArray();
        for (int i = 0; i < n; i++)
        {
            array.Add(target switch
            {
                "process.args" or "linux.maskedPaths" => JsonValue.Create(i % 7 == 0 ? "/proc/kcore" : "a" + i),
                "process.env" => JsonValue.Create($"V{i}=x"),
                "mounts" => new JsonObject { ["destination"] = $"/fuzz/m{i % 50}", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("size=4k") },
                "linux.namespaces" => new JsonObject { ["type"] = "pid" },
                "linux.devices" => new JsonObject { ["path"] = $"/dev/fz{i}", ["type"] = "c", ["major"] = 1, ["minor"] = 3 },
                "process.user.additionalGids" => JsonValue.Create(i),
                _ => new JsonObject { ["names"] = new JsonArray("getpid"), ["action"] = "SCMP_ACT_ERRNO" },
            });
        }
        if (target == "linux.seccomp.syscalls") SetPath(config, "linux.seccomp", new JsonObject { ["defaultAction"] = "SCMP_ACT_ALLOW", ["syscalls"] = array });
        else SetPath(config, target, array);
        return $"array{n}:{target}";
    }

    private string MissingField(JsonObject config)
    {
        var slots = Slots(config).Where(s => s.Parent is JsonObject).ToList();
        var (parent, key, path) = slots[_rnd.Next(slots.Count)];
        ((JsonObject)parent).Remove((string)key);
        return "missing:" + path;
    }

    private string SeccompGarbage(JsonObject config)
    {
        string[] actions = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_TRAP", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_BOGUS", "", "allow" };
        string[] arches = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_PPC", "SCMP_ARCH_BOGUS", "" };
        string[] names = { "read", "write", "mkdir", "getpid", "clone", "bogus_syscall", "", "execve", "openat", "personality", "\u0000" };
        string[] ops = { "SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_GE", "SCMP_CMP_BOGUS", "" };
        string[] flags = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "BOGUS" };
        var syscalls = new JsonArray();
        int rules = _rnd.Next(6);
        for (int i = 0; i < rules; i++)
        {
            var rule = new JsonObject
            {
                ["names"] = new JsonArray(Enumerable.Range(0, 1 + _rnd.Next(3)).Select(_ => (JsonNode?)JsonValue.Create(names[_rnd.Next(names.Length)])).ToArray()),
                ["action"] = actions[_rnd.Next(actions.Length)],
            };
            if (_rnd.Next(2) == 0) rule["errnoRet"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]);
            if (_rnd.Next(2) == 0)
                rule["args"] = new JsonArray(new JsonObject
                {
                    ["index"] = JsonNode.Parse(new[] { "0", "5", "6", "7", "-1", "4294967296" }[_rnd.Next(6)]),
                    ["value"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]),
                    ["valueTwo"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]),
                    ["op"] = ops[_rnd.Next(ops.Length)],
                });
            syscalls.Add(rule);
        }
        var seccomp = new JsonObject
        {
            ["defaultAction"] = actions[_rnd.Next(actions.Length)],
            ["architectures"] = new JsonArray(Enumerable.Range(0, _rnd.Next(3)).Select(_ => (JsonNode?)JsonValue.Create(arches[_rnd.Next(arches.Length)])).ToArray()),
            ["syscalls"] = syscalls,
        };
        if (_rnd.Next(3) == 0) seccomp["flags"] = new JsonArray(JsonValue.Create(flags[_rnd.Next(flags.Length)]));
        if (_rnd.Next(4) == 0) seccomp["listenerPath"] = new[] { "/nonexistent/socket", "", "relative" }[_rnd.Next(3)];
        if (_rnd.Next(6) == 0) seccomp["defaultErrnoRet"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]);
        SetPath(config, "linux.seccomp", seccomp);
        return "seccomp";
    }

    private string MountGarbage(JsonObject config)
    {
        string[] destinations =
        {
            "", ".", "..", "/", "relative", "/proc/self/fd/3", "/dev/../../etc", "/proc", "/proc/sys", "/sys", "/dev", "/dev/null",
            "/etc/hostname", "/tmp/fz", "/a\nb", "/x y", "/\u00e9", "/" + new string('d', 300) + "/" + new string('e', 300),
            "/" + string.Join('/', Enumerable.Repeat("deep", 200)), "/bin/busybox/x", "/proc/1/root", "//tmp///fz//",
        };
        string[] types = { "tmpfs", "proc", "sysfs", "bind", "bogus", "", "cgroup", "cgroup2", "devpts", "mqueue", "none", "overlay" };
        string[] options = { "ro", "rw", "rbind", "bind", "nosuid", "nodev", "noexec", "size=1k", "size=-1", "mode=9999", "idmap", "rprivate",
            "shared", "rshared", "unbindable", "unknownopt", "uid=99999999999", "", "x=y=z", "remount", "nr_inodes=0", "tmpcopyup", "newinstance" };
        var mounts = (config["mounts"] as JsonArray) ?? new JsonArray();
        config["mounts"] = mounts;
        int add = 1 + _rnd.Next(3);
        for (int i = 0; i < add; i++)
        {
            var m = new JsonObject();
            if (_rnd.Next(8) != 0) m["destination"] = destinations[_rnd.Next(destinations.Length)];
            if (_rnd.Next(6) != 0) m["type"] = types[_rnd.Next(types.Length)];
            if (_rnd.Next(6) != 0) m["source"] = MountSource();
            if (_rnd.Next(3) != 0)
                m["options"] = new JsonArray(Enumerable.Range(0, _rnd.Next(5)).Select(_ => (JsonNode?)JsonValue.Create(options[_rnd.Next(options.Length)])).ToArray());
            if (_rnd.Next(10) == 0) m["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 1000, ["size"] = 1 });
            mounts.Insert(_rnd.Next(mounts.Count + 1), m);
        }
        return "mounts";
    }

    private string NamespaceGarbage(JsonObject config)
    {
        string[] types = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time", "net", "bogus", "", "PID" };
        var linux = (config["linux"] as JsonObject) ?? new JsonObject();
        config["linux"] = linux;
        var ns = (linux["namespaces"] as JsonArray) ?? new JsonArray();
        linux["namespaces"] = ns;
        int op = _rnd.Next(4);
        if (op == 0 && ns.Count > 0) ns.RemoveAt(_rnd.Next(ns.Count));
        var entry = new JsonObject();
        if (_rnd.Next(8) != 0) entry["type"] = types[_rnd.Next(types.Length)];
        if (_rnd.Next(3) == 0) entry["path"] = SafeString("linux.namespaces[0].path");
        ns.Insert(_rnd.Next(ns.Count + 1), entry);
        if (_rnd.Next(4) == 0)
        {
            linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]), ["size"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]) });
            linux["gidMappings"] = _rnd.Next(2) == 0 ? linux["uidMappings"]!.DeepClone() : new JsonArray();
        }
        if (_rnd.Next(5) == 0)
            linux["timeOffsets"] = new JsonObject { [new[] { "monotonic", "boottime", "realtime", "bogus" }[_rnd.Next(4)]] = new JsonObject { ["secs"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]), ["nanosecs"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]) } };
        return "namespaces";
    }

    private string OddValues(JsonObject config)
    {
        int pick = _rnd.Next(9);
        switch (pick)
        {
            case 0: SetPath(config, "process.cwd", new[] { "", "relative", "/proc/self/fd/4", "/nonexistent/deep/dir", "/etc/hostname", "/../../.." }[_rnd.Next(6)]); return "cwd";
            case 1: SetPath(config, "hostname", new[] { "", new string('h', 65), "a\u0000b", "\u00e9", "x" }[_rnd.Next(5)]); return "hostname";
            case 2: SetPath(config, "linux.sysctl", new JsonObject { [new[] { "net.ipv4.ip_forward", "kernel.shmmax", "kernel.domainname", "vm.swappiness", "", "net/ipv4/conf/all/forwarding", "fs.mqueue.msg_max", "user.max_user_namespaces" }[_rnd.Next(8)]] = SafeString("x") }); return "sysctl";
            case 3: SetPath(config, "process.rlimits", new JsonArray(new JsonObject { ["type"] = new[] { "RLIMIT_NOFILE", "RLIMIT_BOGUS", "RLIMIT_NPROC", "" }[_rnd.Next(4)], ["hard"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]), ["soft"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]) })); return "rlimits";
            case 4: SetPath(config, "ociVersion", new[] { "", "1.0.0", "2.0.0", "0.1", "1.3.0", "x.y.z", "1.0.0-rc99" }[_rnd.Next(7)]); return "ociVersion";
            case 5: SetPath(config, "process.capabilities.bounding", new JsonArray(new[] { "CAP_SYS_ADMIN", "CAP_BOGUS", "", "cap_chown", "CAP_SYS_RESOURCE" }.Take(1 + _rnd.Next(5)).Select(c => (JsonNode?)JsonValue.Create(c)).ToArray())); return "caps";
            case 6: SetPath(config, "linux.resources.devices", new JsonArray(new JsonObject { ["allow"] = _rnd.Next(2) == 0, ["type"] = new[] { "a", "b", "c", "x", "" }[_rnd.Next(5)], ["major"] = JsonNode.Parse(NumberPool[_rnd.Next(NumberPool.Length)]), ["access"] = new[] { "rwm", "", "q", "rrr" }[_rnd.Next(4)] })); return "device-rules";
            case 7: SetPath(config, "linux.rootfsPropagation", new[] { "", "shared", "rslave", "private", "bogus", "unbindable" }[_rnd.Next(6)]); return "propagation";
            default: SetPath(config, "annotations", new JsonObject { [SafeString("x")] = SafeString("x") }); return "annotations";
        }
    }

    /// <summary>Sets a dotted path (with [i] for array elements), making objects on the way.</summary>
    private static void SetPath(JsonObject config, string path, JsonNode? value)
    {
        string[] parts = path.Split('.');
        JsonNode node = config;
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i];
            int index = -1;
            int bracket = part.IndexOf('[');
            if (bracket >= 0)
            {
                index = int.Parse(part[(bracket + 1)..^1], CultureInfo.InvariantCulture);
                part = part[..bracket];
            }
            bool last = i == parts.Length - 1;
            if (node is not JsonObject obj) return;
            if (index < 0)
            {
                if (last) { obj[part] = value; return; }
                if (obj[part] is not JsonObject) obj[part] = new JsonObject();
                node = obj[part]!;
                continue;
            }
            if (obj[part] is not JsonArray arr || arr.Count <= index) return;
            if (last) { arr[index] = value; return; }
            node = arr[index]!;
            if (node is null) return;
        }
    }

    // ---------------------------------------------------------------- byte-level mutations

    private byte[] InvalidUtf8(string text)
    {
        byte[][] bad = { new byte[] { 0xff }, new byte[] { 0xc3, 0x28 }, new byte[] { 0xed, 0xa0, 0x80 }, new byte[] { 0xc0, 0xaf }, new byte[] { 0xf8, 0x88, 0x80, 0x80, 0x80 }, new byte[] { 0xe2, 0x82 } };
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        // Inside a string value: right after an opening quote that follows ": ".
        var positions = new List<int>();
        for (int i = 1; i < utf8.Length; i++)
            if (utf8[i] == (byte)'"' && (utf8[i - 1] == (byte)':' || utf8[i - 1] == (byte)'[' || utf8[i - 1] == (byte)','))
                positions.Add(i + 1);
        int at = positions.Count > 0 ? positions[_rnd.Next(positions.Count)] : utf8.Length / 2;
        byte[] insert = bad[_rnd.Next(bad.Length)];
        return utf8[..at].Concat(insert).Concat(utf8[at..]).ToArray();
    }

    /// <summary>Writes the tree with one object's property repeated (a different value first).</summary>
    private byte[] DuplicateKeys(JsonObject config)
    {
        var objects = new List<JsonObject> { config };
        foreach (var (parent, key, _) in Slots(config))
            if (Get(parent, key) is JsonObject o && o.Count > 0) objects.Add(o);
        JsonObject target = objects[_rnd.Next(objects.Count)];
        string dupKey = target.ElementAt(_rnd.Next(target.Count)).Key;
        // Whichever copy a parser keeps, the protected values must be the real ones.
        if (dupKey is "cgroupsPath" or "path" or "source" or "linux" or "root" or "hooks") dupKey = "ociVersion";
        if (!target.ContainsKey(dupKey)) target = config;
        JsonNode? other = RandomValue("dup");
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
            Write(w, config, target, dupKey, other);
        return ms.ToArray();
    }

    private static void Write(Utf8JsonWriter w, JsonNode? node, JsonObject target, string dupKey, JsonNode? other)
    {
        switch (node)
        {
            case JsonObject o:
                w.WriteStartObject();
                foreach (var (k, v) in o)
                {
                    if (ReferenceEquals(o, target) && k == dupKey)
                    {
                        w.WritePropertyName(k);
                        Write(w, other, target, dupKey, other);
                    }
                    w.WritePropertyName(k);
                    Write(w, v, target, dupKey, other);
                }
                w.WriteEndObject();
                break;
            case JsonArray a:
                w.WriteStartArray();
                foreach (var v in a) Write(w, v, target, dupKey, other);
                w.WriteEndArray();
                break;
            case null:
                w.WriteNullValue();
                break;
            default:
                node.WriteTo(w);
                break;
        }
    }

    private byte[] Truncated(string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        return utf8[.._rnd.Next(utf8.Length)];
    }
}
