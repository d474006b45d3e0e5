using System.Runtime.InteropServices;

namespace Csrun.Runtime.Linux;

/// <summary>
/// Unmanaged memory for what a clone child reads after clone3: strings, argv/envp arrays and
/// plans are built here before the clone, so the child never touches the managed heap.
/// Everything is freed at once.
/// </summary>
public sealed unsafe class NativeArena : IDisposable
{
    private readonly List<nint> _blocks = new();

    public void* Alloc(int size)
    {
        void* p = NativeMemory.AllocZeroed((nuint)Math.Max(1, size));
        _blocks.Add((nint)p);
        return p;
    }

    /// <summary>A NUL-terminated UTF-8 copy.</summary>
    public byte* String(string s)
    {
        byte[] z = Sys.Z(s);
        byte* copy = (byte*)Alloc(z.Length);
        z.CopyTo(new Span<byte>(copy, z.Length));
        return copy;
    }

    /// <summary>A NULL-terminated array of strings, as execve wants argv and envp.</summary>
    public byte** StringArray(IReadOnlyList<string> items)
    {
        var array = (byte**)Alloc(sizeof(byte*) * (items.Count + 1));
        for (int i = 0; i < items.Count; i++) array[i] = String(items[i]);
        array[items.Count] = null;
        return array;
    }

    public void Dispose()
    {
        foreach (var b in _blocks) NativeMemory.Free((void*)b);
        _blocks.Clear();
    }
}
