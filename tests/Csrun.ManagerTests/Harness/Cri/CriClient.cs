using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Csrun.ManagerTests.Harness.Cri;

/// <summary>A gRPC status other than OK, as containerd's CRI plugin returned it.</summary>
public sealed class GrpcException(int status, string message)
    : Exception($"grpc status {status}: {message}")
{
    public int Status { get; } = status;
    public string GrpcMessage { get; } = message;
}

/// <summary>
/// The kubelet's side of the CRI (runtime.v1.RuntimeService), reduced to the calls the tests
/// make: unary gRPC over HTTP/2 without TLS on containerd's unix socket. Message and field
/// numbers follow the CRI api.proto; each request is built with <see cref="ProtoWriter"/>.
/// </summary>
public sealed class CriClient : IDisposable
{
    private const string Service = "/runtime.v1.RuntimeService/";
    private readonly HttpClient _http;

    public CriClient(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri("http://localhost"),
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public void Dispose() => _http.Dispose();

    /// <summary>One unary call: a 5-byte gRPC frame header + the message, answer likewise, status in the trailers.</summary>
    public ProtoMessage Call(string method, ProtoWriter request)
    {
        byte[] body = request.ToArray();
        byte[] framed = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)body.Length);
        body.CopyTo(framed, 5);
        using var msg = new HttpRequestMessage(HttpMethod.Post, Service + method)
        {
            Content = new ByteArrayContent(framed),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        msg.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        msg.Headers.TryAddWithoutValidation("te", "trailers");
        // HTTP/2 has no synchronous Send in .NET.
        using HttpResponseMessage resp = _http.SendAsync(msg).GetAwaiter().GetResult();
        byte[] answer = resp.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        string? status = Header(resp, "grpc-status");
        if (status is null)
            throw new GrpcException(-1, $"HTTP {(int)resp.StatusCode}, no grpc-status");
        if (status != "0")
            throw new GrpcException(int.Parse(status), Uri.UnescapeDataString(Header(resp, "grpc-message") ?? ""));
        if (answer.Length < 5) return ProtoMessage.Parse([]);
        int len = (int)BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(1));
        return ProtoMessage.Parse(answer.AsSpan(5, len));
    }

    private static string? Header(HttpResponseMessage r, string name) =>
        r.TrailingHeaders.TryGetValues(name, out var t) ? t.First()
        : r.Headers.TryGetValues(name, out var h) ? h.First() : null;

    // ------------------------------------------------------------------ RuntimeService calls

    public (string RuntimeName, string RuntimeApiVersion) Version()
    {
        ProtoMessage r = Call("Version", new ProtoWriter().String(1, "v1"));
        return (r.String(2), r.String(4));
    }

    /// <summary>PodSandboxConfig: metadata, log directory, linux (cgroup parent, namespaces). No
    /// hostname: a host-network pod shares the host's UTS namespace, where runtimes refuse one.</summary>
    public static ProtoWriter PodConfig(string name, string uid, string logDir, string cgroupParent) =>
        new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, name).String(2, uid).String(3, "mt"))
            .String(3, logDir)
            .Message(8, new ProtoWriter()
                .String(1, cgroupParent)
                .Message(2, new ProtoWriter().Message(1, Namespaces())));

    /// <summary>NamespaceOption as the kubelet sends it for a host-network pod without a shared
    /// process namespace: network NODE (there is no CNI on this host), pid CONTAINER.</summary>
    private static ProtoWriter Namespaces() => new ProtoWriter().Varint(1, 2).Varint(2, 1);

    public string RunPodSandbox(ProtoWriter podConfig, string runtimeHandler) =>
        Call("RunPodSandbox", new ProtoWriter().Message(1, podConfig).String(2, runtimeHandler)).String(1);

    public void StopPodSandbox(string podId) => Call("StopPodSandbox", new ProtoWriter().String(1, podId));
    public void RemovePodSandbox(string podId) => Call("RemovePodSandbox", new ProtoWriter().String(1, podId));

    public string CreateContainer(string podId, ProtoWriter podConfig, string name, string image,
        IReadOnlyList<string> command, string logPath, long memoryLimit = 0)
    {
        var config = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, name))
            .Message(2, new ProtoWriter().String(1, image))
            .Strings(3, command)
            .String(11, logPath);
        // linux: resources (memory limit), security_context.namespace_options
        var linux = new ProtoWriter();
        if (memoryLimit > 0) linux.Message(1, new ProtoWriter().Varint(4, memoryLimit));
        linux.Message(2, new ProtoWriter().Message(3, Namespaces()));
        config.Message(15, linux);
        return Call("CreateContainer", new ProtoWriter().String(1, podId).Message(2, config).Message(3, podConfig)).String(1);
    }

    public void StartContainer(string id) => Call("StartContainer", new ProtoWriter().String(1, id));
    public void StopContainer(string id, long timeoutSeconds) => Call("StopContainer", new ProtoWriter().String(1, id).Varint(2, timeoutSeconds));
    public void RemoveContainer(string id) => Call("RemoveContainer", new ProtoWriter().String(1, id));

    /// <summary>ContainerStatus: state (0 created, 1 running, 2 exited, 3 unknown), exit code, reason, message.</summary>
    public (int State, int ExitCode, string Reason, string Message) ContainerStatus(string id)
    {
        ProtoMessage s = Call("ContainerStatus", new ProtoWriter().String(1, id)).Message(1);
        return ((int)s.Varint(3), (int)s.Varint(7), s.String(10), s.String(11));
    }

    public (string Stdout, string Stderr, int ExitCode) ExecSync(string id, IReadOnlyList<string> cmd, long timeoutSeconds)
    {
        ProtoMessage r = Call("ExecSync", new ProtoWriter().String(1, id).Strings(2, cmd).Varint(3, timeoutSeconds));
        return (System.Text.Encoding.UTF8.GetString(r.Bytes(1)), System.Text.Encoding.UTF8.GetString(r.Bytes(2)), (int)r.Varint(3));
    }
}
