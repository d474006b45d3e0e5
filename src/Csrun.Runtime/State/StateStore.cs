using System.Text.Json;
using Csrun.Runtime.Cgroups;
using Csrun.Runtime.Linux;

namespace Csrun.Runtime.State;

/// <summary>The state directory: ROOT/ID holds state.bin (<see cref="ContainerStateCodec"/>) and,
/// while the container waits to be started, exec.fifo. A directory per container; its creation
/// is what makes an id taken.</summary>
public sealed class StateStore
{
    public const string StateFile = "state.bin";
    /// <summary>What csrun versions before state.bin wrote: still read, never written.</summary>
    public const string JsonStateFile = "state.json";
    public const string FifoName = "exec.fifo";

    public string Root { get; }

    public StateStore(string root) => Root = root;

    public string DirOf(string id) => Path.Combine(Root, id);
    public string FifoOf(string id) => Path.Combine(Root, id, FifoName);

    /// <summary>Makes ROOT/ID; the mkdir is atomic, so of parallel creates of one id exactly one wins.</summary>
    public void CreateDir(string id)
    {
        Sys.MkdirAll(Root, 0x1c0);
        string dir = DirOf(id);
        if (!Sys.TryMkdir(dir, 0x1c0 /* 0700 */, out int errno))
        {
            if (errno == Errno.EEXIST) throw new ContainerExistsException(id);
            throw new SyscallException("mkdir", dir, errno);
        }
    }

    public bool Exists(string id) => Directory.Exists(DirOf(id));

    /// <summary>Loads the state; throws <see cref="ContainerNotFoundException"/> when there is none.</summary>
    public ContainerState Load(string id)
    {
        string path = Path.Combine(DirOf(id), StateFile);
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return LoadJson(id);
        }
        try { return ContainerStateCodec.Decode(data); }
        catch (InvalidDataException e)
        {
            throw new IOException($"{path}: corrupt state: {e.Message}");
        }
    }

    /// <summary>A container created by a csrun that wrote state.json.</summary>
    private ContainerState LoadJson(string id)
    {
        byte[] json;
        try { json = File.ReadAllBytes(Path.Combine(DirOf(id), JsonStateFile)); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ContainerNotFoundException(id);
        }
        try
        {
            return JsonSerializer.Deserialize(json, StateJsonContext.Default.ContainerState)
                   ?? throw new InvalidDataException("null");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new IOException($"{Path.Combine(DirOf(id), JsonStateFile)}: corrupt state: {e.Message}");
        }
    }

    /// <summary>Writes state.bin through a temp file and rename, so a reader sees the old or the
    /// new state, never half of one.</summary>
    public void Save(ContainerState state)
    {
        string dir = DirOf(state.Id);
        string tmp = Path.Combine(dir, $".{StateFile}.{Environment.ProcessId}.tmp");
        Sys.ReplaceFile(Path.Combine(dir, StateFile), tmp, ContainerStateCodec.Encode(state));
    }

    public void Remove(string id)
    {
        try { Directory.Delete(DirOf(id), recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    public IEnumerable<string> ListIds()
    {
        if (!Directory.Exists(Root)) yield break;
        var ids = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            string id = Path.GetFileName(dir);
            if (ContainerId.Check(id) is null) ids.Add(id);
        }
        ids.Sort(StringComparer.Ordinal);
        foreach (var id in ids) yield return id;
    }

    /// <summary>Takes the per-container lock: commands that change a container serialize on it.</summary>
    public ContainerLock Lock(string id)
    {
        string dir = DirOf(id);
        int fd = Sys.TryOpen(dir, K.O_RDONLY | K.O_DIRECTORY, out int errno);
        if (fd < 0)
        {
            if (errno == Errno.ENOENT) throw new ContainerNotFoundException(id);
            throw new SyscallException("open", dir, errno);
        }
        return new ContainerLock(fd, dir);
    }

    public ContainerStatus StatusOf(ContainerState state)
    {
        if (!state.Ready)
        {
            // A create that is still running is "creating"; one that died left only debris.
            return Procfs.IsAlive(state.CreatorPid, state.CreatorStartTime) ? ContainerStatus.Creating : ContainerStatus.Stopped;
        }
        if (!Procfs.IsAlive(state.InitPid, state.InitStartTime)) return ContainerStatus.Stopped;
        if (File.Exists(FifoOf(state.Id))) return ContainerStatus.Created;
        if (state.CgroupPaths.Count > 0 && CgroupFsManager.FromPaths(state.CgroupPaths).IsFrozen()) return ContainerStatus.Paused;
        return ContainerStatus.Running;
    }

    public SpecState ToSpecState(ContainerState state, ContainerStatus status) => new()
    {
        OciVersion = state.OciVersion,
        Id = state.Id,
        Pid = status is ContainerStatus.Stopped or ContainerStatus.Creating && !Procfs.IsAlive(state.InitPid, state.InitStartTime) ? 0 : state.InitPid,
        Status = status.ToSpecString(),
        Bundle = state.Bundle,
        Rootfs = state.Rootfs,
        Created = state.Created,
        Owner = state.Owner,
        Annotations = state.Annotations is { Count: > 0 } ? state.Annotations : null,
    };
}

public sealed class ContainerLock : IDisposable
{
    private int _fd;

    internal ContainerLock(int fd, string dir)
    {
        _fd = fd;
        if (Native.Flock(fd, K.LOCK_EX) < 0)
        {
            var e = Sys.Fail("flock", dir);
            Native.Close(fd);
            throw e;
        }
    }

    public void Dispose()
    {
        if (_fd >= 0) Native.Close(_fd);
        _fd = -1;
    }
}

public sealed class ContainerNotFoundException : Exception
{
    public ContainerNotFoundException(string id) : base("container does not exist") => Id = id;
    public string Id { get; }
}

public sealed class ContainerExistsException : Exception
{
    /// <summary>runc 1.1's words (libcontainer's ErrExist).</summary>
    public ContainerExistsException(string id) : base("container with given ID already exists") => Id = id;
    public string Id { get; }
}
