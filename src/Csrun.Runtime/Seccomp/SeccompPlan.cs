using System.Text.Json.Serialization;
using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Seccomp;

/// <summary>
/// A compiled linux.seccomp, as create hands it to init and keeps it for exec: compiled once,
/// in the parent, before anything is created (a profile that cannot compile leaves nothing
/// behind), and never parsed again on the way to execve.
/// </summary>
public sealed class SeccompPlan
{
    /// <summary>struct sock_filter[] as the kernel reads it (8 bytes per instruction).</summary>
    [JsonPropertyName("program")] public byte[] Program { get; set; } = Array.Empty<byte>();
    [JsonPropertyName("flags")] public uint Flags { get; set; }
    [JsonPropertyName("needsListener")] public bool NeedsListener { get; set; }
    [JsonPropertyName("listenerPath")] public string? ListenerPath { get; set; }
    [JsonPropertyName("listenerMetadata")] public string? ListenerMetadata { get; set; }

    [JsonIgnore] public int InstructionCount => Program.Length / 8;

    /// <summary>Null when the spec asks for no filter (no seccomp, or neither a default action
    /// nor rules, which runc also treats as "no filter").</summary>
    public static SeccompPlan? For(LinuxSeccomp? profile)
    {
        if (profile is null || string.IsNullOrEmpty(profile.DefaultAction)) return null;
        var compiled = SeccompCompiler.Compile(profile, SeccompArchitectures.Native);
        return new SeccompPlan
        {
            Program = Encode(compiled.Program),
            Flags = compiled.Flags,
            NeedsListener = compiled.NeedsListener,
            ListenerPath = profile.ListenerPath,
            ListenerMetadata = profile.ListenerMetadata,
        };
    }

    public static byte[] Encode(SockFilter[] program)
    {
        var bytes = new byte[program.Length * 8];
        for (int i = 0; i < program.Length; i++)
        {
            var span = bytes.AsSpan(i * 8);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(span, program[i].Code);
            span[2] = program[i].Jt;
            span[3] = program[i].Jf;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span.Slice(4), program[i].K);
        }
        return bytes;
    }
}
