using Xunit.Abstractions;
using Xunit.Sdk;

namespace Csrun.IntegrationTests.Harness;

/// <summary>
/// A throw-away host user (useradd, a name unique to the run) for the rootless tests, with
/// its own XDG_RUNTIME_DIR per test (<see cref="Session"/>). Dispose kills what still runs as
/// the user (every such process was started by these tests), removes the subordinate id
/// ranges given to it and the user, also after a failed test.
/// </summary>
public sealed class UnprivilegedUser : IDisposable
{
    public UnprivilegedUser()
    {
        Name = "csrit" + Sandbox.Rand(8);
        // A system user: useradd gives it no /etc/subuid range of its own (tests add one).
        Host.Check("/usr/sbin/useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", Name);
        Uid = uint.Parse(Host.Check("/usr/bin/id", "-u", Name).Trim());
        Gid = uint.Parse(Host.Check("/usr/bin/id", "-g", Name).Trim());
    }

    public string Name { get; }
    public uint Uid { get; }
    public uint Gid { get; }

    /// <summary>argv that runs a command as this user, with no supplementary groups and a
    /// minimal environment (XDG_RUNTIME_DIR when given).</summary>
    public IReadOnlyList<string> AsUser(string? xdgRuntimeDir)
    {
        var argv = new List<string>
        {
            "/usr/bin/setpriv", $"--reuid={Uid}", $"--regid={Gid}", "--clear-groups", "--",
            "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", $"USER={Name}", "HOME=/",
        };
        if (xdgRuntimeDir is not null) argv.Add($"XDG_RUNTIME_DIR={xdgRuntimeDir}");
        return argv;
    }

    /// <summary>Runs a host command as this user (not the runtime).</summary>
    public Host.Result Run(string file, params string[] args) =>
        Host.Run(AsUser(null)[0], [.. AsUser(null).Skip(1), file, .. args], TimeSpan.FromSeconds(60));

    /// <summary>Gives the user the subordinate uid and gid range [start, start+count) (usermod
    /// locks the files); <see cref="RemoveSubIds"/> or Dispose takes it away.</summary>
    public void AddSubIds(uint start, uint count)
    {
        string range = $"{start}-{start + count - 1}";
        Host.Check("/usr/sbin/usermod", "--add-subuids", range, "--add-subgids", range, Name);
        _subIds.Add(range);
    }

    public void RemoveSubIds()
    {
        foreach (string range in _subIds)
            Host.Run("/usr/sbin/usermod", "--del-subuids", range, "--del-subgids", range, Name);
        _subIds.Clear();
    }

    private readonly List<string> _subIds = new();

    /// <summary>Host pids running as the user (real or effective uid).</summary>
    public List<int> Processes()
    {
        var pids = new List<int>();
        foreach (int pid in Procs.AllPids())
            if (Procs.StatusIds(pid, "Uid") is { Length: >= 2 } ids && (ids[0] == Uid || ids[1] == Uid))
                pids.Add(pid);
        return pids;
    }

    public void Dispose()
    {
        foreach (int pid in Processes()) Procs.Signal(pid, Procs.SIGKILL);
        Wait.Until(() => Processes().All(p => !Procs.IsAlive(p)), TimeSpan.FromSeconds(5));
        RemoveSubIds();
        Host.Run("/usr/sbin/userdel", Name);
        Host.Run("/usr/sbin/groupdel", Name);
    }

    /// <summary>
    /// One test's private world for the user: a temp dir it can enter, an XDG_RUNTIME_DIR it
    /// owns, bundles owned by it, and a <see cref="Runtime"/> that runs csrun as the user with
    /// no --root (so the XDG default is what is used). Dispose deletes the user's containers,
    /// then removes everything.
    /// </summary>
    public sealed class Session : IDisposable
    {
        private readonly UnprivilegedUser _user;
        private readonly ITestOutputHelper _out;

        public Session(UnprivilegedUser user, ITestOutputHelper output, IReadOnlyList<string>? wrapper = null)
        {
            _user = user;
            _out = output;
            BaseDir = Path.Combine("/tmp", "csrun-it-rl-" + Sandbox.Rand(8));
            Directory.CreateDirectory(BaseDir);
            File.SetUnixFileMode(BaseDir, (UnixFileMode)0x1ed /* 0755 */);
            XdgRuntimeDir = Path.Combine(BaseDir, "xdg");
            Directory.CreateDirectory(XdgRuntimeDir);
            Chown(XdgRuntimeDir);
            File.SetUnixFileMode(XdgRuntimeDir, (UnixFileMode)0x1c0 /* 0700 */);
            R = new Runtime(Paths.RuntimeBinary, null, Path.Combine(BaseDir, "io"), output)
            {
                Prefix = [.. wrapper ?? [], .. user.AsUser(XdgRuntimeDir)],
            };
        }

        public string BaseDir { get; }
        public string XdgRuntimeDir { get; }
        /// <summary>Where csrun must keep this user's state: $XDG_RUNTIME_DIR/csrun.</summary>
        public string StateRoot => Path.Combine(XdgRuntimeDir, "csrun");
        public Runtime R { get; }

        public string NewId() => "it-rl-" + Sandbox.Rand(8);

        /// <summary>A bundle dir owned by the user, with a copy of the busybox rootfs and the
        /// config `csrun spec --rootless` writes when the user runs it there.</summary>
        public string NewRootlessBundle()
        {
            string dir = Path.Combine(BaseDir, "b" + Sandbox.Rand(4));
            Directory.CreateDirectory(dir);
            SharedRootfs.CopyRootfsTo(Path.Combine(dir, "rootfs"));
            Chown(dir, recursive: true);
            R.Run(["spec", "--rootless"], new RunOptions { WorkingDirectory = dir }).AssertSuccess("spec --rootless");
            return dir;
        }

        public void Chown(string path, bool recursive = false)
        {
            if (recursive) Host.Check("/bin/chown", "-R", $"{_user.Uid}:{_user.Gid}", path);
            else Host.Check("/bin/chown", $"{_user.Uid}:{_user.Gid}", path);
        }

        /// <summary>Ids with state under the user's XDG root.</summary>
        public string[] StateIds() =>
            Directory.Exists(StateRoot) ? Directory.GetDirectories(StateRoot).Select(d => Path.GetFileName(d)).ToArray() : [];

        public void Dispose()
        {
            foreach (string id in StateIds())
                try { R.Run(["delete", "--force", id], new RunOptions { Timeout = TimeSpan.FromSeconds(20) }); }
                catch (XunitException e) { _out.WriteLine($"cleanup: delete --force {id}: {e.Message}"); }
            foreach (int pid in _user.Processes()) Procs.Signal(pid, Procs.SIGKILL);
            Wait.Until(() => _user.Processes().All(p => !Procs.IsAlive(p)), TimeSpan.FromSeconds(5));
            try { Directory.Delete(BaseDir, true); }
            catch (Exception e) { _out.WriteLine($"cleanup: remove {BaseDir}: {e.Message}"); }
        }
    }
}
