using System.Text.Json;
using Csrun.Runtime.Spec;

namespace Csrun.Tests.Seccomp;

/// <summary>
/// Turns a docker/podman seccomp.json (archMap, includes/excludes) into the OCI linux.seccomp
/// that podman would hand the runtime for an x86_64 host: architectures from the archMap entry
/// of SCMP_ARCH_X86_64; rules kept when their includes/excludes arches fit the host's "amd64"
/// (podman matches the host's GOARCH; the file's rules for x32 or x86 all list amd64 too); and
/// for capabilities a container that has none of those the rules mention: rules that include
/// caps are dropped, rules that exclude caps are kept.
/// </summary>
public static class DockerSeccompProfile
{
    public const string PodmanDefaultPath = "/usr/share/containers/seccomp.json";

    private const string HostArch = "amd64";

    public static LinuxSeccomp ToOciForX86_64(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        var profile = new LinuxSeccomp
        {
            DefaultAction = root.GetProperty("defaultAction").GetString(),
            DefaultErrnoRet = root.TryGetProperty("defaultErrnoRet", out JsonElement defaultErrno) ? defaultErrno.GetUInt32() : null,
            Architectures = [],
            Syscalls = [],
        };

        if (root.TryGetProperty("archMap", out JsonElement archMap) && archMap.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement entry in archMap.EnumerateArray())
            {
                if (entry.GetProperty("architecture").GetString() != "SCMP_ARCH_X86_64")
                    continue;
                profile.Architectures.Add("SCMP_ARCH_X86_64");
                if (entry.TryGetProperty("subArchitectures", out JsonElement subs))
                    foreach (JsonElement sub in subs.EnumerateArray())
                        profile.Architectures.Add(sub.GetString()!);
            }
        }

        foreach (JsonElement rule in root.GetProperty("syscalls").EnumerateArray())
        {
            if (!Applies(rule))
                continue;
            var names = new List<string>();
            if (rule.TryGetProperty("names", out JsonElement namesElement) && namesElement.ValueKind == JsonValueKind.Array)
                foreach (JsonElement name in namesElement.EnumerateArray())
                    names.Add(name.GetString()!);
            if (rule.TryGetProperty("name", out JsonElement single) && single.ValueKind == JsonValueKind.String)
                names.Add(single.GetString()!);

            var syscall = new LinuxSyscall
            {
                Names = names,
                Action = rule.GetProperty("action").GetString(),
                ErrnoRet = rule.TryGetProperty("errnoRet", out JsonElement errno) && errno.ValueKind == JsonValueKind.Number ? errno.GetUInt32() : null,
            };
            if (rule.TryGetProperty("args", out JsonElement args) && args.ValueKind == JsonValueKind.Array && args.GetArrayLength() > 0)
            {
                syscall.Args = [];
                foreach (JsonElement arg in args.EnumerateArray())
                {
                    syscall.Args.Add(new LinuxSeccompArg
                    {
                        Index = arg.GetProperty("index").GetUInt32(),
                        Value = arg.GetProperty("value").GetUInt64(),
                        ValueTwo = arg.TryGetProperty("valueTwo", out JsonElement two) ? two.GetUInt64() : 0,
                        Op = arg.GetProperty("op").GetString(),
                    });
                }
            }
            profile.Syscalls.Add(syscall);
        }
        return profile;
    }

    private static bool Applies(JsonElement rule)
    {
        if (rule.TryGetProperty("includes", out JsonElement includes))
        {
            if (HasAny(includes, "arches", out JsonElement arches) && !MentionsHostArch(arches))
                return false;
            if (HasAny(includes, "caps", out _))
                return false;
        }
        if (rule.TryGetProperty("excludes", out JsonElement excludes)
            && HasAny(excludes, "arches", out JsonElement excludedArches) && MentionsHostArch(excludedArches))
            return false;
        return true;
    }

    private static bool HasAny(JsonElement parent, string property, out JsonElement list) =>
        parent.TryGetProperty(property, out list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0;

    private static bool MentionsHostArch(JsonElement arches)
    {
        foreach (JsonElement arch in arches.EnumerateArray())
            if (arch.GetString() == HostArch)
                return true;
        return false;
    }
}
