using System.Text.Json.Nodes;

namespace Csrun.IntegrationTests.Harness;

/// <summary>Seccomp profiles for tests: small ones built in code, and podman's real default
/// profile (/usr/share/containers/seccomp.json, docker's format) turned into an OCI
/// linux.seccomp the way podman does it for an x86_64 container with a given capability set.</summary>
public static class SeccompProfiles
{
    public const string PodmanDefaultPath = "/usr/share/containers/seccomp.json";

    // x86_64 numbers the tests use (asm/unistd_64.h).
    public const int NrGetpid = 39, NrSocket = 41, NrGetppid = 110, NrPersonality = 135, NrMkdir = 83,
        NrUnshare = 272, NrMkdirat = 258, NrKeyctl = 250, NrIoPgetevents = 333, NrGetcpu = 309, NrKcmp = 312, NrBpf = 321;

    public static JsonObject Rule(string action, params string[] names) => new()
    {
        ["names"] = new JsonArray(names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
        ["action"] = action,
    };

    public static JsonObject Arg(int index, ulong value, string op, ulong valueTwo = 0) => new()
    {
        ["index"] = index, ["value"] = value, ["valueTwo"] = valueTwo, ["op"] = op,
    };

    public static JsonObject Profile(string defaultAction, params JsonObject[] rules) => new()
    {
        ["defaultAction"] = defaultAction,
        ["architectures"] = new JsonArray("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
        ["syscalls"] = new JsonArray(rules.Select(r => (JsonNode?)r).ToArray()),
    };

    /// <summary>Podman's default profile for x86_64, for a container holding <paramref name="caps"/>:
    /// rules whose includes are not met, or whose excludes are, are left out (podman's logic).</summary>
    public static JsonObject PodmanDefault(IReadOnlyCollection<string> caps)
    {
        var doc = JsonNode.Parse(File.ReadAllText(PodmanDefaultPath))!.AsObject();
        var arches = new HashSet<string> { "amd64", "x86", "x32" };
        var rules = new JsonArray();
        foreach (var node in doc["syscalls"]!.AsArray())
        {
            var rule = node!.AsObject();
            if (!Applies(rule["includes"] as JsonObject, arches, caps, include: true)) continue;
            if (!Applies(rule["excludes"] as JsonObject, arches, caps, include: false)) continue;
            var oci = new JsonObject
            {
                ["names"] = rule["names"]!.DeepClone(),
                ["action"] = rule["action"]!.GetValue<string>(),
            };
            if (rule["errnoRet"] is JsonNode e) oci["errnoRet"] = e.GetValue<uint>();
            if (rule["args"] is JsonArray a && a.Count > 0) oci["args"] = a.DeepClone();
            rules.Add(oci);
        }
        var profile = new JsonObject
        {
            ["defaultAction"] = doc["defaultAction"]!.GetValue<string>(),
            ["architectures"] = new JsonArray("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
            ["syscalls"] = rules,
        };
        if (doc["defaultErrnoRet"] is JsonNode d) profile["defaultErrnoRet"] = d.GetValue<uint>();
        return profile;
    }

    private static bool Applies(JsonObject? filter, HashSet<string> arches, IReadOnlyCollection<string> caps, bool include)
    {
        if (filter is null || filter.Count == 0) return true;
        bool archHit = filter["arches"] is JsonArray fa && fa.Any(x => arches.Contains(x!.GetValue<string>()));
        bool capHit = filter["caps"] is JsonArray fc && fc.Any(x => caps.Contains(x!.GetValue<string>()));
        bool allCaps = filter["caps"] is not JsonArray c2 || c2.All(x => caps.Contains(x!.GetValue<string>()));
        bool archOk = filter["arches"] is not JsonArray || archHit;
        return include ? archOk && allCaps : !archHit && !capHit;
    }
}
