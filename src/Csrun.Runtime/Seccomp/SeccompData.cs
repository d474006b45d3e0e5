namespace Csrun.Runtime.Seccomp;

/// <summary>
/// Offsets in struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; },
/// the only memory a seccomp filter can load from.
/// </summary>
internal static class SeccompData
{
    public const uint NrOffset = 0;
    public const uint ArchOffset = 4;
    public const uint ArgsOffset = 16;

    /// <summary>sizeof(struct seccomp_data): loads must stay below it.</summary>
    public const uint Size = 64;

    /// <summary>Every architecture csrun has tables for is little-endian: the low half comes first.</summary>
    public static uint ArgLowOffset(int index) => ArgsOffset + 8u * (uint)index;

    public static uint ArgHighOffset(int index) => ArgsOffset + 8u * (uint)index + 4;
}
