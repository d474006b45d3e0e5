namespace Csrun.Commands;

/// <summary>sd_listen_fds(3)'s contract: LISTEN_FDS counts fds from 3, valid only when
/// LISTEN_PID names this process.</summary>
public static class SocketActivation
{
    public static int? ListenFds() => Parse(Environment.GetEnvironmentVariable("LISTEN_FDS"), Environment.GetEnvironmentVariable("LISTEN_PID"), Environment.ProcessId);

    public static int? Parse(string? fds, string? pid, int self)
    {
        if (fds is null || !int.TryParse(fds, out int n) || n <= 0) return null;
        if (pid is null || !int.TryParse(pid, out int p) || p != self) return null;
        return n;
    }
}
