namespace Csrun.Runtime.State;

public enum ContainerStatus { Creating, Created, Running, Paused, Stopped }

public static class ContainerStatusNames
{
    public static string ToSpecString(this ContainerStatus s) => s switch
    {
        ContainerStatus.Creating => "creating",
        ContainerStatus.Created => "created",
        ContainerStatus.Running => "running",
        ContainerStatus.Paused => "paused",
        _ => "stopped",
    };
}
