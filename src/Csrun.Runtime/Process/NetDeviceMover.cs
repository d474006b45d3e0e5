using Csrun.Runtime.Linux;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Process;

/// <summary>
/// linux.netDevices, as runc does it: each host interface is set down, its permanent
/// global-scope addresses are noted, it is moved into the container's network namespace and
/// renamed in one RTM_NEWLINK, and the addresses (which the kernel drops on the move) are added
/// again there. Done by the parent once init's network namespace exists, before init goes on.
/// Nothing moves them back: when the namespace dies the kernel returns physical devices to the
/// host's namespace and destroys virtual ones (veth, dummy...) with it.
/// </summary>
public static class NetDeviceMover
{
    private const string Field = "linux.netDevices";

    /// <summary>Checked before create makes anything: every named host interface exists.</summary>
    public static void RequirePresent(Dictionary<string, LinuxNetDevice>? devices)
    {
        if (devices is not { Count: > 0 }) return;
        using var host = NetlinkSocket.Open();
        foreach (string name in devices.Keys.Order(StringComparer.Ordinal))
            if (NetLinks.TryIndexOf(host, name, out int errno) < 0)
                throw new InvalidOperationException($"{SpecPath.Key(Field, name)}: no network device {SpecPath.Quote(name)} on the host ({SyscallException.Describe(errno)})");
    }

    /// <summary>Moves the devices into the network namespace at <paramref name="nsPath"/>.</summary>
    public static void MoveInto(Dictionary<string, LinuxNetDevice>? devices, string nsPath)
    {
        if (devices is not { Count: > 0 }) return;
        int netns = Sys.Open(nsPath, K.O_RDONLY);
        try
        {
            using var host = NetlinkSocket.Open();
            using var inside = NetlinkSocket.OpenIn(netns, nsPath);
            foreach (string name in devices.Keys.Order(StringComparer.Ordinal))
            {
                string newName = devices[name]?.Name is { Length: > 0 } n ? n : name;
                try { MoveOne(host, inside, name, newName, netns, nsPath); }
                catch (SyscallException e) { throw new InvalidOperationException($"{SpecPath.Key(Field, name)}: {e.Message}"); }
            }
        }
        finally { Native.Close(netns); }
    }

    private static void MoveOne(NetlinkSocket host, NetlinkSocket inside, string name, string newName, int netns, string nsPath)
    {
        int index = NetLinks.TryIndexOf(host, name, out int errno, out uint flags);
        if (index < 0) throw new SyscallException("netlink", $"RTM_GETLINK {name} (on the host)", errno);
        // The kernel applies the new name only after the move: a name the namespace has would
        // fail with the device already gone from the host. Checked first, so it stays untouched.
        if (NetLinks.TryIndexOf(inside, newName, out _) >= 0)
            throw new InvalidOperationException($"{SpecPath.Key(Field, name)}: the container's network namespace has a device named {SpecPath.Quote(newName)} already (set linux.netDevices[{SpecPath.Quote(name)}].name)");
        var addresses = NetLinks.AddressesOf(host, index, name).Where(a => a.IsPermanentGlobal).ToList();
        // Down first, as runc: nothing on the host keeps using it while it changes namespace.
        NetLinks.SetUp(host, index, false, name);
        try { NetLinks.MoveToNamespace(host, index, newName, netns, $"{name} to {nsPath}"); }
        catch (SyscallException)
        {
            // Still on the host (the request failed as a whole): as it was before.
            if (NetLinks.IsUp(flags) && NetLinks.TryIndexOf(host, name, out _) == index)
                try { NetLinks.SetUp(host, index, true, name); } catch (SyscallException) { /* the move's error is the one to report */ }
            throw;
        }
        int moved = NetLinks.TryIndexOf(inside, newName, out errno);
        if (moved < 0) throw new SyscallException("netlink", $"RTM_GETLINK {newName} (in {nsPath})", errno);
        foreach (var address in addresses)
            NetLinks.AddAddress(inside, moved, address, $"{newName} in {nsPath}");
    }
}
