using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Csrun.Runtime.Linux;

namespace Csrun.Runtime.Process;

/// <summary>
/// The raw half of `exec`, prepared in unmanaged memory before clone3 so the children allocate
/// nothing (shared/notes/aot.md). The middle child turns non-dumpable (its /proc/PID/exe is the
/// host binary: nothing in the container may open it, CVE-2019-5736), waits for the parent's go,
/// sets the AppArmor/SELinux exec labels through the host's /proc, joins every namespace of the container's init at once through its pidfd, and forks: the
/// grandchild is born in the container's pid namespace. It takes the process's scheduler, I/O
/// priority, the container's personality and memory policy, user, groups, capabilities,
/// rlimits, umask, no_new_privs, terminal, cwd and final CPU affinity, closes the fds it must not
/// leak, and execs. A failure is one frame (step, errno) on the sync socket; a successful exec
/// closes the socket (close-on-exec), which is how the parent knows.
/// </summary>
public sealed unsafe class ExecChild : IDisposable
{
    public const int StepSync = 1, StepDumpable = 2, StepSetns = 3, StepFork = 4, StepSetsid = 5, StepTty = 6,
        StepDup = 7, StepBounding = 8, StepKeepCaps = 9, StepSetgroups = 10, StepSetresgid = 11, StepSetresuid = 12,
        StepCapset = 13, StepAmbient = 14, StepRlimit = 15, StepNoNewPrivs = 16, StepChdir = 17, StepCloseRange = 18,
        StepExec = 19, StepSeccomp = 20, StepSeccompSend = 21, StepCwdOutside = 22, StepScheduler = 23,
        StepIOPriority = 24, StepPersonality = 25, StepMemoryPolicy = 26, StepAffinity = 27;
    public const int StepAppArmorOpen = 30, StepAppArmorWrite = 31, StepSelinuxOpen = 32, StepSelinuxWrite = 33;

    private const long SYS_chdir = 80, SYS_umask = 95, SYS_setgroups = 116, SYS_setresuid = 117, SYS_setresgid = 119,
        SYS_setsid = 112, SYS_ioctl = 16, SYS_dup3 = 292, SYS_execve = 59, SYS_prctl = 157, SYS_close = 3,
        SYS_sendmsg = 46, SYS_write = 1, SYS_open = 2;

    /// <summary>When the filter goes on: without no_new_privs the kernel wants CAP_SYS_ADMIN, so
    /// before the user and capabilities change; with it, as late as possible (runc's order).</summary>
    private const int SeccompNone = 0, SeccompEarly = 1, SeccompLate = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct Plan
    {
        public int SyncFd, ParentSyncFd, InitPidfd, NsFlags, TtyFd, PreserveFds, GroupCount, RlimitCount, NoNewPrivs, HasCaps, LastCap;
        public uint Uid, Gid, Umask;
        public int HasUmask;
        public int WaitBeforeExec;
        public byte* ReadyFrame;
        public uint* Groups;
        public ulong* Rlimits;      // (resource, soft, hard) triples
        public ulong Bounding, Ambient;
        public uint* CapHeader;
        public uint* CapData;
        public byte* Path, Cwd, ErrorFrame, PidFrame, ForkArgs;
        public byte** Argv;
        public byte** Envp;
        public int SeccompWhen, SeccompListener;
        public uint SeccompFlags;
        public byte* SeccompFprog;     // struct sock_fprog
        public Native.MsgHdr* ListenerMsg; // a SeccompListener frame; the fd is filled in after seccomp()
        public int* ListenerFdSlot;
        public byte* AppArmorAttr, AppArmorValue, SelinuxAttr, SelinuxValue;
        public int AppArmorLen, SelinuxLen;
        public byte* RootPath;         // "/"
        public byte* CwdHow;           // struct open_how for the working directory
        public byte* CwdBuf;           // getcwd's answer (CwdBufSize bytes)
        public SchedAttr* Scheduler;   // null: leave the policy alone
        public int HasIOPriority, IOPriority, HasPersonality;
        public uint Personality;
        public int HasMemoryPolicy, MemoryPolicyMode;
        public ulong* MemoryPolicyNodes;  // null: no mask
        public long MemoryPolicyMaxNode;
        public ulong* AffinityMask;       // set right before execve; null: no change
        public int AffinityBytes;
        public int AffinityIsReset;       // best effort, as in runc: a failed reset is not an error
    }

    private const int CwdBufSize = 4096;

    private readonly Plan* _plan;
    private readonly NativeArena _arena = new();

    public sealed class Settings
    {
        public required int SyncFd { get; init; }
        /// <summary>The parent's end of the sync socket: closed first thing in the child, so a
        /// parent that dies is seen as EOF.</summary>
        public int ParentSyncFd { get; init; } = -1;
        public required int InitPidfd { get; init; }
        public required int NamespaceFlags { get; init; }
        public int TtyFd { get; init; } = -1;
        public int PreserveFds { get; init; }
        /// <summary>Stop before execve until the parent has moved the process into the cgroup
        /// (a frozen cgroup would freeze it mid-setup otherwise).</summary>
        public bool WaitBeforeExec { get; init; }
        public required string Path { get; init; }
        public required IReadOnlyList<string> Args { get; init; }
        public required IReadOnlyList<string> Env { get; init; }
        public required string Cwd { get; init; }
        public uint Uid { get; init; }
        public uint Gid { get; init; }
        public uint? Umask { get; init; }
        public IReadOnlyList<uint> Groups { get; init; } = Array.Empty<uint>();
        public IReadOnlyList<(int Resource, ulong Soft, ulong Hard)> Rlimits { get; init; } = Array.Empty<(int, ulong, ulong)>();
        public bool NoNewPrivs { get; init; }
        public Security.Capabilities? Capabilities { get; init; }
        public Seccomp.SeccompPlan? Seccomp { get; init; }
        /// <summary>Labels for the execve (see <see cref="Security.LsmLabels"/>); null or "": none.</summary>
        public string? AppArmorProfile { get; init; }
        public string? SelinuxLabel { get; init; }
        /// <summary>Scheduler, I/O priority, personality and memory policy; null: none.</summary>
        public ProcessAttributesPlan? Attributes { get; init; }
        /// <summary>The CPU affinity set right before execve (see <see cref="ExecCpuAffinityPlan"/>).</summary>
        public ExecCpuAffinityPlan? Affinity { get; init; }
    }

    public ExecChild(Settings s)
    {
        _plan = (Plan*)Alloc(sizeof(Plan));
        var p = _plan;
        p->SyncFd = s.SyncFd;
        p->ParentSyncFd = s.ParentSyncFd;
        p->InitPidfd = s.InitPidfd;
        p->NsFlags = s.NamespaceFlags;
        p->TtyFd = s.TtyFd;
        p->PreserveFds = s.PreserveFds;
        p->Uid = s.Uid;
        p->Gid = s.Gid;
        p->HasUmask = s.Umask.HasValue ? 1 : 0;
        p->WaitBeforeExec = s.WaitBeforeExec ? 1 : 0;
        p->ReadyFrame = (byte*)Alloc(8);
        BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(p->ReadyFrame, 4), 1);
        p->ReadyFrame[4] = SyncMessage.ReadyToExec;
        p->Umask = s.Umask ?? 0;
        p->GroupCount = s.Groups.Count;
        p->Groups = (uint*)Alloc(sizeof(uint) * Math.Max(1, s.Groups.Count));
        for (int i = 0; i < s.Groups.Count; i++) p->Groups[i] = s.Groups[i];
        p->RlimitCount = s.Rlimits.Count;
        p->Rlimits = (ulong*)Alloc(sizeof(ulong) * 3 * Math.Max(1, s.Rlimits.Count));
        for (int i = 0; i < s.Rlimits.Count; i++)
        {
            p->Rlimits[3 * i] = (ulong)s.Rlimits[i].Resource;
            p->Rlimits[3 * i + 1] = s.Rlimits[i].Soft;
            p->Rlimits[3 * i + 2] = s.Rlimits[i].Hard;
        }
        p->NoNewPrivs = s.NoNewPrivs ? 1 : 0;
        p->HasCaps = s.Capabilities is null ? 0 : 1;
        p->LastCap = Security.Capabilities.LastCap();
        p->CapHeader = (uint*)Alloc(8);
        p->CapData = (uint*)Alloc(24);
        if (s.Capabilities is { } c)
        {
            p->Bounding = c.Bounding;
            p->Ambient = c.Ambient;
            p->CapHeader[0] = 0x20080522;
            p->CapData[0] = (uint)c.Effective; p->CapData[1] = (uint)c.Permitted; p->CapData[2] = (uint)c.Inheritable;
            p->CapData[3] = (uint)(c.Effective >> 32); p->CapData[4] = (uint)(c.Permitted >> 32); p->CapData[5] = (uint)(c.Inheritable >> 32);
        }
        p->Path = _arena.String(s.Path);
        p->Cwd = _arena.String(s.Cwd);
        p->RootPath = _arena.String("/");
        p->CwdHow = (byte*)Alloc(24);
        *(ulong*)p->CwdHow = (ulong)(K.O_PATH | K.O_DIRECTORY | K.O_CLOEXEC);
        *(ulong*)(p->CwdHow + 16) = Rootfs.RootDir.Resolve;
        p->CwdBuf = (byte*)Alloc(CwdBufSize);
        p->Argv = _arena.StringArray(s.Args);
        p->Envp = _arena.StringArray(s.Env);
        p->ErrorFrame = (byte*)Alloc(16);
        BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(p->ErrorFrame, 4), 9);
        p->ErrorFrame[4] = SyncMessage.ChildError;
        p->PidFrame = (byte*)Alloc(16);
        BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(p->PidFrame, 4), 5);
        p->PidFrame[4] = SyncMessage.ChildPid;
        p->ForkArgs = (byte*)Alloc(88);
        *(ulong*)p->ForkArgs = K.CLONE_PARENT;
        if (s.AppArmorProfile is { Length: > 0 } profile)
        {
            p->AppArmorAttr = _arena.String(Security.LsmLabels.AppArmorExecAttr);
            p->AppArmorValue = _arena.String(Security.LsmLabels.AppArmorValue(profile));
            p->AppArmorLen = System.Text.Encoding.UTF8.GetByteCount(Security.LsmLabels.AppArmorValue(profile));
        }
        if (s.SelinuxLabel is { Length: > 0 } label)
        {
            p->SelinuxAttr = _arena.String(Security.LsmLabels.SelinuxExecAttr);
            p->SelinuxValue = _arena.String(label);
            p->SelinuxLen = System.Text.Encoding.UTF8.GetByteCount(label);
        }
        if (s.Seccomp is { } seccomp) PrepareSeccomp(p, seccomp, s.NoNewPrivs);
        if (s.Attributes is { } attributes) PrepareAttributes(p, attributes);
        if (s.Affinity?.BeforeExec is { } affinity)
        {
            p->AffinityMask = CopyWords(affinity);
            p->AffinityBytes = affinity.Length * sizeof(ulong);
            p->AffinityIsReset = s.Affinity.ResetsBeforeExec ? 1 : 0;
        }
    }

    private void PrepareAttributes(Plan* p, ProcessAttributesPlan a)
    {
        if (a.Scheduler is { } attr)
        {
            p->Scheduler = (SchedAttr*)Alloc(sizeof(SchedAttr));
            *p->Scheduler = attr;
            p->Scheduler->Size = SchedAttr.SizeVer1;
        }
        p->HasIOPriority = a.IOPriority.HasValue ? 1 : 0;
        p->IOPriority = a.IOPriority ?? 0;
        p->HasPersonality = a.Personality.HasValue ? 1 : 0;
        p->Personality = a.Personality ?? 0;
        p->HasMemoryPolicy = a.MemoryPolicyMode.HasValue ? 1 : 0;
        p->MemoryPolicyMode = a.MemoryPolicyMode ?? 0;
        if (a.MemoryPolicyNodes is { Length: > 0 } nodes)
        {
            p->MemoryPolicyNodes = CopyWords(nodes);
            p->MemoryPolicyMaxNode = ProcessAttributes.MaxNode(nodes.Length);
        }
    }

    private ulong* CopyWords(ulong[] words)
    {
        var copy = (ulong*)Alloc(words.Length * sizeof(ulong));
        words.CopyTo(new Span<ulong>(copy, words.Length));
        return copy;
    }

    /// <summary>runc's setns init order: after the terminal, before capabilities and the user
    /// change (a real-time policy or the RT I/O class needs root).</summary>
    private static void ApplyAttributes(Plan* p)
    {
        if (p->Scheduler != null && Sys3(ProcessAttributes.SYS_sched_setattr, 0, (long)p->Scheduler, 0) < 0) Fail(p, StepScheduler);
        if (p->HasIOPriority != 0 && Sys3(ProcessAttributes.SYS_ioprio_set, ProcessAttributes.IOPRIO_WHO_PROCESS, 0, p->IOPriority) < 0)
            Fail(p, StepIOPriority);
        if (p->HasPersonality != 0 && Sys3(ProcessAttributes.SYS_personality, p->Personality) == -1) Fail(p, StepPersonality);
        if (p->HasMemoryPolicy != 0 && Sys3(ProcessAttributes.SYS_set_mempolicy, p->MemoryPolicyMode, (long)p->MemoryPolicyNodes, p->MemoryPolicyMaxNode) < 0)
            Fail(p, StepMemoryPolicy);
    }

    private void PrepareSeccomp(Plan* p, Seccomp.SeccompPlan seccomp, bool noNewPrivs)
    {
        p->SeccompWhen = noNewPrivs ? SeccompLate : SeccompEarly;
        p->SeccompFlags = seccomp.Flags;
        p->SeccompListener = seccomp.NeedsListener ? 1 : 0;
        byte* insns = (byte*)Alloc(seccomp.Program.Length);
        seccomp.Program.CopyTo(new Span<byte>(insns, seccomp.Program.Length));
        p->SeccompFprog = (byte*)Alloc(16);
        *(ulong*)p->SeccompFprog = (ulong)seccomp.InstructionCount;
        *(ulong*)(p->SeccompFprog + 8) = (ulong)insns;
        if (!seccomp.NeedsListener) return;
        // One frame (length 1, type SeccompListener) with the listener fd as SCM_RIGHTS.
        byte* frame = (byte*)Alloc(8);
        BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(frame, 4), 1);
        frame[4] = SyncMessage.SeccompListener;
        var iov = (Native.IoVec*)Alloc(sizeof(Native.IoVec));
        iov->Base = frame;
        iov->Len = 5;
        byte* control = (byte*)Alloc(24);
        *(ulong*)control = 20;                 // cmsg_len: header + one int
        *(int*)(control + 8) = K.SOL_SOCKET;
        *(int*)(control + 12) = K.SCM_RIGHTS;
        p->ListenerFdSlot = (int*)(control + 16);
        p->ListenerMsg = (Native.MsgHdr*)Alloc(sizeof(Native.MsgHdr));
        p->ListenerMsg->Iov = iov;
        p->ListenerMsg->IovLen = 1;
        p->ListenerMsg->Control = control;
        p->ListenerMsg->ControlLen = 24;
    }

    /// <summary>Loads the filter; a listener fd goes to the parent (which hands it to the
    /// agent) and is closed once the parent says so: the new process must not inherit it.</summary>
    private static void InstallSeccomp(Plan* p)
    {
        long fd = Sys3(SeccompFilter.SYS_seccomp, SeccompFilter.SECCOMP_SET_MODE_FILTER, p->SeccompFlags, (long)p->SeccompFprog);
        if (fd < 0) Fail(p, StepSeccomp);
        if (p->SeccompListener == 0) return;
        *p->ListenerFdSlot = (int)fd;
        long n;
        do n = Sys3(SYS_sendmsg, p->SyncFd, (long)p->ListenerMsg, K.MSG_NOSIGNAL); while (n < 0 && RawNative.Errno == Errno.EINTR);
        if (n < 0) Fail(p, StepSeccompSend);
        byte ack = 0;
        nint got;
        do got = RawNative.Read(p->SyncFd, &ack, 1); while (got < 0 && RawNative.Errno == Errno.EINTR);
        if (got != 1) RawNative.Exit(1);
        Sys3(SYS_close, fd);
    }

    public void RunInChild() => Run(_plan);

    private static long Sys3(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) => RawNative.Syscall(n, a, b, c, d, e, 0);

    private static void Run(Plan* p)
    {
        if (p->ParentSyncFd >= 0) Sys3(SYS_close, p->ParentSyncFd);
        if (Sys3(SYS_prctl, K.PR_SET_DUMPABLE, 0) < 0) Fail(p, StepDumpable);
        byte go = 0;
        nint n;
        do n = RawNative.Read(p->SyncFd, &go, 1); while (n < 0 && RawNative.Errno == Errno.EINTR);
        if (n != 1) RawNative.Exit(1);

        // Still in the host's mount namespace: the host's /proc takes the exec labels, which the
        // grandchild inherits and the kernel applies at its execve.
        if (p->AppArmorLen > 0) WriteAttr(p, p->AppArmorAttr, p->AppArmorValue, p->AppArmorLen, StepAppArmorOpen);
        if (p->SelinuxLen > 0) WriteAttr(p, p->SelinuxAttr, p->SelinuxValue, p->SelinuxLen, StepSelinuxOpen);
        if (Sys3(Native.SYS_setns, p->InitPidfd, p->NsFlags) < 0) Fail(p, StepSetns);
        long child = Sys3(Native.SYS_clone3, (long)p->ForkArgs, 88);
        if (child < 0) Fail(p, StepFork);
        if (child > 0)
        {
            *(int*)(p->PidFrame + 5) = (int)child;
            RawNative.Write(p->SyncFd, p->PidFrame, 9);
            RawNative.Exit(0);
        }

        if (p->TtyFd >= 0)
        {
            if (Sys3(SYS_setsid) < 0) Fail(p, StepSetsid);
            if (Sys3(SYS_ioctl, p->TtyFd, (long)K.TIOCSCTTY, 0) < 0) Fail(p, StepTty);
            for (int fd = 0; fd < 3; fd++)
                if (Sys3(SYS_dup3, p->TtyFd, fd, 0) < 0) Fail(p, StepDup);
            if (p->TtyFd > 2) Sys3(SYS_close, p->TtyFd);
        }

        ApplyAttributes(p);
        if (p->HasCaps != 0)
        {
            for (int cap = 0; cap <= p->LastCap; cap++)
                if ((p->Bounding & (1UL << cap)) == 0 && Sys3(SYS_prctl, K.PR_CAPBSET_DROP, cap) < 0 && RawNative.Errno != Errno.EINVAL)
                    Fail(p, StepBounding);
            if (Sys3(SYS_prctl, K.PR_SET_KEEPCAPS, 1) < 0) Fail(p, StepKeepCaps);
        }
        if (p->SeccompWhen == SeccompEarly) InstallSeccomp(p);
        if (Sys3(SYS_setgroups, p->GroupCount, (long)p->Groups) < 0 && (p->GroupCount > 0 || RawNative.Errno != Errno.EPERM))
            Fail(p, StepSetgroups);
        if (Sys3(SYS_setresgid, p->Gid, p->Gid, p->Gid) < 0) Fail(p, StepSetresgid);
        if (Sys3(SYS_setresuid, p->Uid, p->Uid, p->Uid) < 0) Fail(p, StepSetresuid);
        if (p->HasCaps != 0)
        {
            if (Sys3(Native.SYS_capset, (long)p->CapHeader, (long)p->CapData) < 0) Fail(p, StepCapset);
            Sys3(SYS_prctl, K.PR_CAP_AMBIENT, K.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
            for (int cap = 0; cap < 64; cap++)
                if ((p->Ambient & (1UL << cap)) != 0 && Sys3(SYS_prctl, K.PR_CAP_AMBIENT, K.PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && RawNative.Errno != Errno.EPERM)
                    Fail(p, StepAmbient);
        }
        for (int i = 0; i < p->RlimitCount; i++)
            if (Sys3(Native.SYS_prlimit64, 0, (long)p->Rlimits[3 * i], (long)(p->Rlimits + 3 * i + 1), 0) < 0) Fail(p, StepRlimit);
        if (p->HasUmask != 0) Sys3(SYS_umask, p->Umask);
        if (p->NoNewPrivs != 0 && Sys3(SYS_prctl, K.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) Fail(p, StepNoNewPrivs);
        EnterWorkingDirectory(p);
        if (Sys3(Native.SYS_close_range, 3 + p->PreserveFds, uint.MaxValue, K.CLOSE_RANGE_CLOEXEC) < 0) Fail(p, StepCloseRange);
        // The sync socket is close-on-exec: a successful execve closes it, a failed one reports.
        if (p->SyncFd < 3 + p->PreserveFds) Fail(p, StepCloseRange);
        // Before the cgroup move of a paused container: the process freezes as it joins, and the
        // listener must reach the agent before that.
        if (p->SeccompWhen == SeccompLate) InstallSeccomp(p);
        if (p->WaitBeforeExec != 0)
        {
            RawNative.Write(p->SyncFd, p->ReadyFrame, 5);
            do n = RawNative.Read(p->SyncFd, &go, 1); while (n < 0 && RawNative.Errno == Errno.EINTR);
            if (n != 1) RawNative.Exit(1);
        }
        // In the container's cgroup by now (born there, or joined above): the final affinity.
        if (p->AffinityMask != null && Sys3(ProcessAttributes.SYS_sched_setaffinity, 0, p->AffinityBytes, (long)p->AffinityMask) < 0
            && p->AffinityIsReset == 0)
            Fail(p, StepAffinity);
        Sys3(SYS_execve, (long)p->Path, (long)p->Argv, (long)p->Envp);
        Fail(p, StepExec);
    }

    /// <summary>
    /// The working directory (CVE-2024-21626): openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
    /// from the container's "/", so /proc/self/fd/N of an fd this process still holds (a host
    /// cgroup directory, or one the caller leaked to csrun) is refused instead of followed; then
    /// fchdir, and getcwd must answer with a path from the root (not "(unreachable)").
    /// </summary>
    private static void EnterWorkingDirectory(Plan* p)
    {
        long root = Sys3(SYS_open, (long)p->RootPath, K.O_PATH | K.O_DIRECTORY | K.O_CLOEXEC);
        if (root < 0) Fail(p, StepChdir);
        long fd;
        int attempt = 0;
        do fd = Sys3(Native.SYS_openat2, root, (long)p->Cwd, (long)p->CwdHow, 24);
        while (fd < 0 && (RawNative.Errno == Errno.EINTR || RawNative.Errno == Errno.EAGAIN) && ++attempt < 32);
        if (fd < 0) Fail(p, StepChdir);
        Sys3(SYS_close, root);
        if (Sys3(Native.SYS_fchdir, fd) < 0) Fail(p, StepChdir);
        Sys3(SYS_close, fd);
        long n = Sys3(Native.SYS_getcwd, (long)p->CwdBuf, CwdBufSize);
        if (n < 0) Fail(p, StepCwdOutside);
        if (p->CwdBuf[0] != (byte)'/')
        {
            *RawNative.ErrnoLocation() = Errno.ENOENT;
            Fail(p, StepCwdOutside);
        }
    }

    /// <summary>open + write + close of a procfs attribute; <paramref name="openStep"/> + 1 is the write's step.</summary>
    private static void WriteAttr(Plan* p, byte* path, byte* value, int length, int openStep)
    {
        long fd = Sys3(SYS_open, (long)path, K.O_WRONLY | K.O_CLOEXEC);
        if (fd < 0) Fail(p, openStep);
        long written = Sys3(SYS_write, fd, (long)value, length);
        if (written != length)
        {
            if (written >= 0) *RawNative.ErrnoLocation() = Errno.EIO;
            Fail(p, openStep + 1);
        }
        Sys3(SYS_close, fd);
    }

    private static void Fail(Plan* p, int step)
    {
        int errno = RawNative.Errno;
        *(int*)(p->ErrorFrame + 5) = step;
        *(int*)(p->ErrorFrame + 9) = errno;
        RawNative.Write(p->SyncFd, p->ErrorFrame, 13);
        RawNative.Exit(127);
    }

    public static string Describe(ReadOnlySpan<byte> payload, string path, string cwd)
    {
        int step = BinaryPrimitives.ReadInt32LittleEndian(payload);
        int errno = BinaryPrimitives.ReadInt32LittleEndian(payload.Slice(4));
        string what = step switch
        {
            StepDumpable => "prctl(PR_SET_DUMPABLE)",
            StepSetns => "setns (joining the container's namespaces)",
            StepFork => "clone3 (into the container's pid namespace)",
            StepSetsid => "setsid",
            StepTty => "ioctl(TIOCSCTTY)",
            StepDup => "dup3 (terminal)",
            StepBounding => "prctl(PR_CAPBSET_DROP)",
            StepKeepCaps => "prctl(PR_SET_KEEPCAPS)",
            StepSetgroups => "setgroups",
            StepSetresgid => "setresgid",
            StepSetresuid => "setresuid",
            StepCapset => "capset",
            StepAmbient => "prctl(PR_CAP_AMBIENT_RAISE)",
            StepRlimit => "prlimit64",
            StepNoNewPrivs => "prctl(PR_SET_NO_NEW_PRIVS)",
            StepChdir when errno == Errno.ELOOP => $"chdir {cwd} (magic links such as /proc/self/fd/N are refused)",
            StepChdir => $"chdir {cwd}",
            StepCwdOutside => $"chdir {cwd}: the working directory is outside the container's root",
            StepCloseRange => "close_range",
            StepScheduler when errno == Errno.EPERM => $"sched_setattr {ProcessAttributesPlan.SchedulerField} {ProcessAttributesPlan.RealtimeHint}",
            StepScheduler => $"sched_setattr {ProcessAttributesPlan.SchedulerField}",
            StepIOPriority => $"ioprio_set {ProcessAttributesPlan.IOPriorityField}",
            StepPersonality => $"personality {ProcessAttributesPlan.PersonalityField}",
            StepMemoryPolicy => $"set_mempolicy {ProcessAttributesPlan.MemoryPolicyField}",
            StepAffinity => $"sched_setaffinity {ExecCpuAffinityPlan.FinalField}",
            StepExec => $"exec {path}",
            StepSeccomp => "seccomp(SECCOMP_SET_MODE_FILTER) (linux.seccomp)",
            StepSeccompSend => "sendmsg (seccomp listener fd to csrun)",
            StepAppArmorOpen => $"apparmor failed to apply profile: open {Security.LsmLabels.AppArmorExecAttr}",
            StepAppArmorWrite => $"apparmor failed to apply profile: write {Security.LsmLabels.AppArmorExecAttr}",
            StepSelinuxOpen => $"can't set process label: open {Security.LsmLabels.SelinuxExecAttr}",
            StepSelinuxWrite => $"can't set process label: write {Security.LsmLabels.SelinuxExecAttr}",
            _ => $"exec child step {step}",
        };
        return $"{what}: {SyscallException.Describe(errno)}";
    }

    private void* Alloc(int size) => _arena.Alloc(size);

    public void Dispose() => _arena.Dispose();
}
