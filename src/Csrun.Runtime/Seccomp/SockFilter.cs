using System.Runtime.InteropServices;

namespace Csrun.Runtime.Seccomp;

/// <summary>One classic BPF instruction, laid out as the kernel's struct sock_filter.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct SockFilter(ushort Code, byte Jt, byte Jf, uint K);

/// <summary>What the compiler hands the loader: the program, the seccomp(2) flags, and whether
/// the filter asks for a notify listener (SECCOMP_FILTER_FLAG_NEW_LISTENER is in Flags then).</summary>
public sealed record CompiledFilter(SockFilter[] Program, uint Flags, bool NeedsListener);
