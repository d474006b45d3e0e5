using System.Reflection;
using System.Text;
using System.Text.Json;
using Csrun.Cli;
using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;
using Csrun.Runtime.State;

namespace Csrun.Commands;

/// <summary>state, list, spec, --version and help.</summary>
public static class InfoCommands
{
    public const string Version = "0.1.0";
    public const string SpecVersion = SpecDefaults.OciVersion;

    public static int State(Invocation inv)
    {
        string id = inv.Id();
        var state = inv.Store.Load(id);
        var specState = inv.Store.ToSpecState(state, inv.Store.StatusOf(state));
        Output.Out(JsonSerializer.Serialize(specState, StateJsonContext.Default.SpecState) + "\n");
        return 0;
    }

    public static int List(Invocation inv)
    {
        var rows = new List<SpecState>();
        foreach (var id in inv.Store.ListIds())
        {
            ContainerState state;
            try { state = inv.Store.Load(id); }
            catch (Exception e) when (e is ContainerNotFoundException or IOException) { continue; }
            rows.Add(inv.Store.ToSpecState(state, inv.Store.StatusOf(state)));
        }
        if (inv.Line.Has("quiet"))
        {
            var sb = new StringBuilder();
            foreach (var r in rows) sb.Append(r.Id).Append('\n');
            Output.Out(sb.ToString());
            return 0;
        }
        string format = inv.Line.Value("format") ?? "table";
        if (format == "json")
        {
            foreach (var r in rows) r.Owner = OwnerName();
            Output.Out(rows.Count == 0 ? "null\n" : JsonSerializer.Serialize(rows, ListJsonContext.Default.ListSpecState) + "\n");
            return 0;
        }
        if (format != "table") throw new UsageException($"invalid format option \"{format}\"");
        var table = new List<string[]> { new[] { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" } };
        foreach (var r in rows)
            table.Add(new[] { r.Id, r.Pid.ToString(), r.Status, r.Bundle, r.Created.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'"), OwnerName() });
        Output.Out(TabWriter.Format(table, minWidth: 12, padding: 3));
        return 0;
    }

    private static string OwnerName() => Environment.UserName is { Length: > 0 } u ? u : "root";

    public static int Spec(Invocation inv)
    {
        string bundle = inv.Line.Value("bundle") ?? ".";
        string path = Path.Combine(bundle, "config.json");
        if (File.Exists(path)) throw new UsageException("File config.json exists. Remove it first");
        bool rootless = inv.Line.Has("rootless");
        var spec = SpecDefaults.Create(rootless, Sys.Euid, Sys.Egid);
        File.WriteAllText(path, SpecWriter.ToJson(spec));
        return 0;
    }


    public static string VersionText()
    {
        string info = typeof(InfoCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? Version;
        int plus = info.IndexOf('+');
        string commit = plus >= 0 ? info.Substring(plus + 1) : "unknown";
        return $"csrun version {Version}\ncommit: {commit}\nspec: {SpecVersion}\n";
    }

    public static string HelpText(CommandSpec? command)
    {
        var sb = new StringBuilder();
        if (command is null)
        {
            sb.Append("NAME:\n   csrun - an OCI container runtime (runc-compatible), in C# with NativeAOT\n\n");
            sb.Append("USAGE:\n   csrun [global options] command [command options] [arguments...]\n\n");
            sb.Append($"VERSION:\n   {Version}\n\nCOMMANDS:\n");
            foreach (var c in CommandTable.Commands)
                sb.Append($"   {c.Name,-11}{c.Summary}{(c.NotYet is null ? "" : " (not yet available)")}\n");
            sb.Append("\nGLOBAL OPTIONS:\n");
            AppendFlags(sb, CommandTable.GlobalFlags);
            return sb.ToString();
        }
        sb.Append($"NAME:\n   csrun {command.Name} - {command.Summary}\n\n");
        sb.Append($"USAGE:\n   csrun {command.Name} [command options] {command.ArgsUsage}\n\n");
        if (command.NotYet is not null) sb.Append($"NOTE:\n   not yet available: {command.NotYet}\n\n");
        sb.Append("OPTIONS:\n");
        AppendFlags(sb, command.Flags);
        return sb.ToString();
    }

    private static void AppendFlags(StringBuilder sb, FlagSpec[] flags)
    {
        foreach (var f in flags)
        {
            string names = "--" + f.Name + string.Concat((f.Aliases ?? Array.Empty<string>()).Select(a => ", -" + a)) + (f.TakesValue ? " value" : "");
            sb.Append($"   {names,-28}{f.Help}\n");
        }
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = false)]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<SpecState>))]
public partial class ListJsonContext : System.Text.Json.Serialization.JsonSerializerContext { }
