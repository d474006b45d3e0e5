namespace Csrun.Cli;

/// <summary>A parsed command line: global flags, the command, its flags and arguments.</summary>
public sealed class CommandLine
{
    public Dictionary<string, List<string>> Global { get; } = new();
    public CommandSpec? Command { get; set; }
    public Dictionary<string, List<string>> Flags { get; } = new();
    public List<string> Args { get; } = new();

    public string? GlobalValue(string name) => Global.TryGetValue(name, out var v) ? v[^1] : null;
    public string? Value(string name) => Flags.TryGetValue(name, out var v) ? v[^1] : null;
    public IReadOnlyList<string> Values(string name) => Flags.TryGetValue(name, out var v) ? v : Array.Empty<string>();
    public bool Has(string name) => Flags.TryGetValue(name, out var v) && v[^1] != "false";
    public bool HasGlobal(string name) => Global.TryGetValue(name, out var v) && v[^1] != "false";

    /// <summary>Parses runc-style: global flags, the command name, then its flags and arguments in
    /// any order (urfave/cli spellings: --flag value, --flag=value, -f value). "--" ends flags.</summary>
    public static CommandLine Parse(IReadOnlyList<string> argv)
    {
        var result = new CommandLine();
        int i = 0;
        for (; i < argv.Count; i++)
        {
            string a = argv[i];
            if (!IsFlag(a)) break;
            i = ReadFlag(argv, i, CommandTable.GlobalFlags, result.Global, "csrun");
        }
        if (i >= argv.Count) return result;
        string name = argv[i++];
        result.Command = CommandTable.Find(name) ?? throw new UsageException($"csrun: '{name}' is not a csrun command. See 'csrun --help'.");
        bool flagsDone = false;
        for (; i < argv.Count; i++)
        {
            string a = argv[i];
            if (!flagsDone && a == "--") { flagsDone = true; continue; }
            if (!flagsDone && IsFlag(a)) { i = ReadFlag(argv, i, result.Command.Flags, result.Flags, result.Command.Name); continue; }
            result.Args.Add(a);
            // exec's arguments after the id are the command line of the new process, flags included.
            if (result.Command.Name == "exec") flagsDone = true;
        }
        return result;
    }

    private static bool IsFlag(string a) => a.Length > 1 && a[0] == '-';

    private static int ReadFlag(IReadOnlyList<string> argv, int i, FlagSpec[] specs, Dictionary<string, List<string>> into, string context)
    {
        string raw = argv[i].TrimStart('-');
        string? inline = null;
        int eq = raw.IndexOf('=');
        if (eq >= 0) { inline = raw.Substring(eq + 1); raw = raw.Substring(0, eq); }
        var spec = Array.Find(specs, f => f.Name == raw || (f.Aliases?.Contains(raw) ?? false))
                   ?? throw new UsageException($"{(context == "csrun" ? "" : context + ": ")}flag provided but not defined: -{raw}");
        string value;
        if (spec.TakesValue)
        {
            if (inline is not null) value = inline;
            else if (i + 1 < argv.Count) value = argv[++i];
            else throw new UsageException($"flag needs an argument: --{spec.Name}");
        }
        else
        {
            value = inline ?? "true";
            if (value is not ("true" or "false")) throw new UsageException($"invalid boolean value \"{value}\" for --{spec.Name}");
        }
        if (!into.TryGetValue(spec.Name, out var list)) into[spec.Name] = list = new List<string>();
        list.Add(value);
        return i;
    }
}

/// <summary>A mistake on the command line: printed as is, exit status 1 (runc's is 1 too).</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }
}
