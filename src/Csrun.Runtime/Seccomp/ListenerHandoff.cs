using System.Text.Json;
using System.Text.Json.Serialization;
using Csrun.Runtime.Linux;
using Csrun.Runtime.State;

namespace Csrun.Runtime.Seccomp;

/// <summary>runtime-spec's ContainerProcessState: what a seccomp agent at listenerPath receives
/// together with the notify fd, in one message.</summary>
public sealed class ContainerProcessState
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; set; } = "";
    [JsonPropertyName("fds")] public List<string> Fds { get; set; } = new() { "seccompFd" };
    [JsonPropertyName("pid")] public int Pid { get; set; }
    [JsonPropertyName("metadata")] public string? Metadata { get; set; }
    [JsonPropertyName("state")] public SpecState State { get; set; } = new();
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerProcessState))]
public partial class ContainerProcessStateJsonContext : JsonSerializerContext { }

public static class ListenerHandoff
{
    /// <summary>Connects to the agent and sends the state JSON with the listener fd (one
    /// sendmsg, as runc does). The caller still owns, and closes, <paramref name="listenerFd"/>.</summary>
    public static void Send(SeccompPlan plan, int listenerFd, int pid, SpecState state)
    {
        string path = plan.ListenerPath ?? throw new InvalidOperationException("linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY");
        var message = new ContainerProcessState
        {
            OciVersion = state.OciVersion,
            Pid = pid,
            Metadata = string.IsNullOrEmpty(plan.ListenerMetadata) ? null : plan.ListenerMetadata,
            State = state,
        };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(message, ContainerProcessStateJsonContext.Default.ContainerProcessState);
        int socket;
        try { socket = FdPassing.ConnectUnix(path); }
        catch (SyscallException e) { throw new SyscallException("connect", $"{path} (linux.seccomp.listenerPath: is the seccomp agent listening?)", e.Errno); }
        try { FdPassing.SendFd(socket, listenerFd, json, $"{path} (seccomp agent)"); }
        finally { Native.Close(socket); }
    }
}
