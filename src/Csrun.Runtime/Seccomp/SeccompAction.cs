using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Seccomp;

/// <summary>Turns an SCMP_ACT_* name and its errno into the value the filter returns.</summary>
internal static class SeccompAction
{
    /// <summary>
    /// ERRNO and TRACE carry errnoRet; like runc, a missing one means EPERM. False for names
    /// that are not actions (the validator rejects them first).
    /// </summary>
    public static bool TryGetReturnValue(string? action, uint? errnoRet, out uint value)
    {
        uint data = (errnoRet ?? SeccompReturn.Eperm) & SeccompReturn.DataMask;
        switch (action)
        {
            case SeccompNames.ActAllow: value = SeccompReturn.Allow; return true;
            case SeccompNames.ActKill:
            case SeccompNames.ActKillThread: value = SeccompReturn.KillThread; return true;
            case SeccompNames.ActKillProcess: value = SeccompReturn.KillProcess; return true;
            case SeccompNames.ActTrap: value = SeccompReturn.Trap; return true;
            case SeccompNames.ActErrno: value = SeccompReturn.Errno | data; return true;
            case SeccompNames.ActTrace: value = SeccompReturn.Trace | data; return true;
            case SeccompNames.ActLog: value = SeccompReturn.Log; return true;
            case SeccompNames.ActNotify: value = SeccompReturn.UserNotif; return true;
            default: value = 0; return false;
        }
    }

    /// <summary>
    /// runc's ENOSYS stub is left out when unknown syscalls already succeed or reach a tracer,
    /// or when the default already answers ENOSYS.
    /// </summary>
    public static bool NeedsEnosysStub(uint defaultReturn) =>
        defaultReturn != SeccompReturn.Allow
        && defaultReturn != SeccompReturn.Log
        && (defaultReturn & ~SeccompReturn.DataMask) != SeccompReturn.Trace
        && defaultReturn != (SeccompReturn.Errno | SeccompReturn.Enosys);
}
