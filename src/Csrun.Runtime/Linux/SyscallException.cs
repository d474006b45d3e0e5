using System.Runtime.InteropServices;

namespace Csrun.Runtime.Linux;

/// <summary>A failed system call: what was called, on which path, and the errno, so the
/// one-line error a user sees says exactly what to fix.</summary>
public sealed class SyscallException : Exception
{
    public string Syscall { get; }
    public string? Path { get; }
    public int Errno { get; }

    public SyscallException(string syscall, string? path, int errno)
        : base(Format(syscall, path, errno))
    {
        Syscall = syscall;
        Path = path;
        Errno = errno;
    }

    public static string Format(string syscall, string? path, int errno) =>
        path is null ? $"{syscall}: {Describe(errno)}" : $"{syscall} {path}: {Describe(errno)}";

    /// <summary>strerror text in the lower-case style runc (Go) prints.</summary>
    public static string Describe(int errno)
    {
        string text = Marshal.GetPInvokeErrorMessage(errno);
        if (text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]))
            text = char.ToLowerInvariant(text[0]) + text.Substring(1);
        return text;
    }
}
