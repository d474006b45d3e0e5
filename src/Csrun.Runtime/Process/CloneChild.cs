using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Process;

/// <summary>
/// What the clone child does between clone3 and exec, prepared in unmanaged memory before the
/// clone so the child allocates nothing and makes raw system calls only (shared/notes/aot.md:
/// a clone child that touches the GC can hang forever). It waits for the parent's go (uid/gid
/// maps and time offsets written), joins namespaces given by path, becomes root
/// of a new user namespace, and execs the sealed csrun copy as init.
/// </summary>
public sealed unsafe class CloneChild : IDisposable
{
    // Steps reported in a ChildError message.
    public const int StepSync = 1, StepSetns = 2, StepUnshare = 3, StepSetresgid = 4, StepSetresuid = 5,
        StepSetgroups = 6, StepExec = 7, StepEarlyUnshare = 8, StepFork = 9;

    private const long SYS_close = 3, SYS_setgroups = 116, SYS_setresuid = 117, SYS_setresgid = 119, SYS_unshare = 272;

    [StructLayout(LayoutKind.Sequential)]
    private struct Plan
    {
        public int SyncFd;
        public int ExeFd;
        public byte** Argv;
        public byte** Envp;
        public int JoinCount;
        public int* JoinFds;
        public int* JoinTypes;
        public long UnshareFlags;
        public long EarlyUnshareFlags;
        public byte* UnsharedFrame;
        public int ForkAfterGo;
        public byte* PidFrame;
        public byte* ForkArgs;
        public int BecomeRoot;
        public byte* ErrorFrame;
        public byte* EmptyPath;
        public int CloseFd;
    }

    private readonly Plan* _plan;
    private readonly NativeArena _arena = new();
    public IReadOnlyList<string> JoinPaths { get; }

    public CloneChild(int syncFd, int exeFd, IReadOnlyList<string> argv, IReadOnlyList<string> envp,
        IReadOnlyList<(int Fd, int Type, string Path)> joins, long unshareFlags, bool becomeRoot, long earlyUnshareFlags = 0, bool forkAfterGo = false,
        int closeInChild = -1)
    {
        _plan = (Plan*)Alloc(sizeof(Plan));
        _plan->CloseFd = closeInChild;
        _plan->SyncFd = syncFd;
        _plan->ExeFd = exeFd;
        _plan->Argv = _arena.StringArray(argv);
        _plan->Envp = _arena.StringArray(envp);
        _plan->JoinCount = joins.Count;
        _plan->JoinFds = (int*)Alloc(sizeof(int) * Math.Max(1, joins.Count));
        _plan->JoinTypes = (int*)Alloc(sizeof(int) * Math.Max(1, joins.Count));
        for (int i = 0; i < joins.Count; i++)
        {
            _plan->JoinFds[i] = joins[i].Fd;
            _plan->JoinTypes[i] = joins[i].Type;
        }
        JoinPaths = joins.Select(j => j.Path).ToArray();
        _plan->UnshareFlags = unshareFlags;
        _plan->EarlyUnshareFlags = earlyUnshareFlags;
        _plan->UnsharedFrame = (byte*)Alloc(8);
        BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(_plan->UnsharedFrame, 5), 1);
        _plan->UnsharedFrame[4] = SyncMessage.ChildUnshared;
        _plan->ForkAfterGo = forkAfterGo ? 1 : 0;
        _plan->PidFrame = (byte*)Alloc(16);
        BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(_plan->PidFrame, 5), 5);
        _plan->PidFrame[4] = SyncMessage.ChildPid;
        // struct clone_args for the second fork: CLONE_PARENT makes the grandchild csrun's own
        // child, so csrun can wait for it; exit_signal comes from the caller then.
        _plan->ForkArgs = (byte*)Alloc(88);
        *(ulong*)_plan->ForkArgs = K.CLONE_PARENT;
        _plan->BecomeRoot = becomeRoot ? 1 : 0;
        _plan->ErrorFrame = (byte*)Alloc(16);
        var frame = new Span<byte>(_plan->ErrorFrame, 13);
        BinaryPrimitives.WriteInt32LittleEndian(frame, 9);
        frame[4] = SyncMessage.ChildError;
        _plan->EmptyPath = (byte*)Alloc(1);
        *_plan->EmptyPath = 0;
    }

    /// <summary>Runs in the child right after clone3 returned 0. Never returns.</summary>
    public void RunInChild() => Run(_plan);

    private static void Run(Plan* p)
    {
        // The parent's end of the sync socket, inherited by the fork: without closing it, a
        // parent killed now would never be seen (no EOF) and this child would wait forever.
        if (p->CloseFd >= 0) RawNative.Syscall(SYS_close, p->CloseFd, 0, 0, 0, 0, 0);
        if (p->EarlyUnshareFlags != 0)
        {
            if (RawNative.Syscall(SYS_unshare, p->EarlyUnshareFlags, 0, 0, 0, 0, 0) < 0) Fail(p, StepEarlyUnshare);
            RawNative.Write(p->SyncFd, p->UnsharedFrame, 5);
        }

        byte go = 0;
        nint n;
        do n = RawNative.Read(p->SyncFd, &go, 1); while (n < 0 && RawNative.Errno == Errno.EINTR);
        if (n != 1) RawNative.Exit(1); // the parent gave up: nothing to report to

        if (p->ForkAfterGo != 0)
        {
            long child = RawNative.Syscall(Native.SYS_clone3, (long)p->ForkArgs, 88, 0, 0, 0, 0);
            if (child < 0) Fail(p, StepFork);
            if (child > 0)
            {
                *(int*)(p->PidFrame + 5) = (int)child;
                RawNative.Write(p->SyncFd, p->PidFrame, 9);
                RawNative.Exit(0);
            }
        }

        for (int i = 0; i < p->JoinCount; i++)
            if (RawNative.Syscall(Native.SYS_setns, p->JoinFds[i], p->JoinTypes[i], 0, 0, 0, 0) < 0)
                Fail(p, StepSetns + (i << 8));

        if (p->UnshareFlags != 0 && RawNative.Syscall(SYS_unshare, p->UnshareFlags, 0, 0, 0, 0, 0) < 0)
            Fail(p, StepUnshare);

        if (p->BecomeRoot != 0)
        {
            // Raw system calls on purpose: glibc's setresuid would try to signal threads that
            // exist only in the parent (clone3 skips its fork handlers) and wait forever.
            if (RawNative.Syscall(SYS_setresgid, 0, 0, 0, 0, 0, 0) < 0) Fail(p, StepSetresgid);
            if (RawNative.Syscall(SYS_setresuid, 0, 0, 0, 0, 0, 0) < 0) Fail(p, StepSetresuid);
        }

        RawNative.Syscall(Native.SYS_execveat, p->ExeFd, (long)p->EmptyPath, (long)p->Argv, (long)p->Envp, K.AT_EMPTY_PATH, 0);
        Fail(p, StepExec);
    }

    private static void Fail(Plan* p, int step)
    {
        int errno = RawNative.Errno;
        *(int*)(p->ErrorFrame + 5) = step;
        *(int*)(p->ErrorFrame + 9) = errno;
        RawNative.Write(p->SyncFd, p->ErrorFrame, 13);
        RawNative.Exit(1);
    }

    /// <summary>The one-line error for a ChildError message.</summary>
    public string Describe(ReadOnlySpan<byte> payload)
    {
        int step = BinaryPrimitives.ReadInt32LittleEndian(payload);
        int errno = BinaryPrimitives.ReadInt32LittleEndian(payload.Slice(4));
        return (step & 0xff) switch
        {
            StepSetns => SyscallException.Format("setns", (step >> 8) < JoinPaths.Count ? JoinPaths[step >> 8] : null, errno),
            StepUnshare => SyscallException.Format("unshare", null, errno),
            StepEarlyUnshare => SyscallException.Format("unshare", "(time namespace)", errno),
            StepFork => SyscallException.Format("clone3", "(init inside the time namespace)", errno),
            StepSetresgid => SyscallException.Format("setresgid", "0 in the new user namespace (is gid 0 mapped?)", errno),
            StepSetresuid => SyscallException.Format("setresuid", "0 in the new user namespace (is uid 0 mapped?)", errno),
            StepExec => SyscallException.Format("execveat", "memfd:csrun (init)", errno),
            _ => SyscallException.Format($"clone child step {step}", null, errno),
        };
    }

    private void* Alloc(int size) => _arena.Alloc(size);

    public void Dispose() => _arena.Dispose();
}
