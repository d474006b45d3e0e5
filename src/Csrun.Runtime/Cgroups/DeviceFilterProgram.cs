using Csrun.Runtime.Spec;

namespace Csrun.Runtime.Cgroups;

/// <summary>
/// Compiles device rules into a BPF_PROG_TYPE_CGROUP_DEVICE program, cgroup v2's only way to
/// restrict devices. Rules are checked newest first and the first match decides, which is what
/// the v1 devices.allow/devices.deny sequence means; nothing matching is denied. Pure logic.
/// </summary>
public static class DeviceFilterProgram
{
    /// <summary>One rule: type 'a', 'b' or 'c'; null major/minor for any; access a subset of "rwm".</summary>
    public readonly record struct Rule(bool Allow, char Type, long? Major, long? Minor, string Access);

    // struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }: access_type is
    // (access << 16) | type, with type BLOCK 1 / CHAR 2 and access MKNOD 1, READ 2, WRITE 4.
    private const int DevBlock = 1, DevChar = 2, AccMknod = 1, AccRead = 2, AccWrite = 4;

    /// <summary>The rules runc puts in the cgroup: deny all, the spec's rules, the spec's devices,
    /// then the devices every container gets.</summary>
    public static List<Rule> RulesFor(IEnumerable<LinuxDeviceCgroup>? rules, IEnumerable<LinuxDevice>? devices)
    {
        var list = new List<Rule> { new(false, 'a', null, null, "rwm") };
        foreach (var r in rules ?? Enumerable.Empty<LinuxDeviceCgroup>())
            list.Add(new(r.Allow, string.IsNullOrEmpty(r.Type) ? 'a' : r.Type[0], r.Major is >= 0 ? r.Major : null, r.Minor is >= 0 ? r.Minor : null, string.IsNullOrEmpty(r.Access) ? "rwm" : r.Access));
        foreach (var d in devices ?? Enumerable.Empty<LinuxDevice>())
            if (d.Type is "c" or "b" or "u")
                list.Add(new(true, d.Type == "b" ? 'b' : 'c', d.Major, d.Minor, "rwm"));
        foreach (var line in ResourcePlanner.DefaultAllowedDevices)
        {
            var parts = line.Split(' ');
            var mm = parts[1].Split(':');
            list.Add(new(true, parts[0][0], mm[0] == "*" ? null : long.Parse(mm[0]), mm[1] == "*" ? null : long.Parse(mm[1]), parts[2]));
        }
        return list;
    }

    public static ulong[] Compile(IReadOnlyList<Rule> rules)
    {
        var code = new List<ulong>
        {
            Ldx(2, 1, 0), Alu32Imm(0x54, 2, 0xffff),   // r2 = type
            Ldx(3, 1, 0), Alu32Imm(0x74, 3, 16),       // r3 = access
            Ldx(4, 1, 4),                              // r4 = major
            Ldx(5, 1, 8),                              // r5 = minor
        };
        for (int i = rules.Count - 1; i >= 0; i--)
        {
            var rule = rules[i];
            var block = new List<ulong>();
            // Each check jumps past the rest of the block when it does not match; offsets are
            // patched once the block's length is known.
            var jumps = new List<int>();
            if (rule.Type != 'a')
            {
                jumps.Add(block.Count);
                block.Add(JmpImm(0x55, 2, rule.Type == 'b' ? DevBlock : DevChar));
            }
            int access = AccessBits(rule.Access);
            if (access != (AccMknod | AccRead | AccWrite))
            {
                block.Add(Mov32Reg(1, 3));
                block.Add(Alu32Imm(0x54, 1, access));
                jumps.Add(block.Count);
                block.Add(JmpReg(0x5d, 1, 3));
            }
            if (rule.Major is long major)
            {
                jumps.Add(block.Count);
                block.Add(JmpImm(0x55, 4, (int)major));
            }
            if (rule.Minor is long minor)
            {
                jumps.Add(block.Count);
                block.Add(JmpImm(0x55, 5, (int)minor));
            }
            block.Add(MovImm(0, rule.Allow ? 1 : 0));
            block.Add(Exit());
            foreach (int at in jumps)
                block[at] = WithOffset(block[at], (short)(block.Count - at - 1));
            code.AddRange(block);
            // A rule with no conditions decides everything: later (older) rules are dead code.
            if (jumps.Count == 0) return code.ToArray();
        }
        code.Add(MovImm(0, 0));
        code.Add(Exit());
        return code.ToArray();
    }

    public static int AccessBits(string access)
    {
        int bits = 0;
        foreach (char c in access)
            bits |= c switch { 'm' => AccMknod, 'r' => AccRead, 'w' => AccWrite, _ => throw new ArgumentException($"device access \"{access}\": only r, w and m are allowed") };
        return bits;
    }

    private static ulong Insn(byte op, int dst, int src, short off, int imm) =>
        op | ((ulong)(dst & 0xf) << 8) | ((ulong)(src & 0xf) << 12) | ((ulong)(ushort)off << 16) | ((ulong)(uint)imm << 32);

    private static ulong Ldx(int dst, int src, short off) => Insn(0x61, dst, src, off, 0);      // BPF_LDX|BPF_MEM|BPF_W
    private static ulong Alu32Imm(byte op, int dst, int imm) => Insn(op, dst, 0, 0, imm);
    private static ulong Mov32Reg(int dst, int src) => Insn(0xbc, dst, src, 0, 0);               // BPF_ALU|BPF_MOV|BPF_X
    private static ulong MovImm(int dst, int imm) => Insn(0xb7, dst, 0, 0, imm);                 // BPF_ALU64|BPF_MOV|BPF_K
    private static ulong JmpImm(byte op, int dst, int imm) => Insn(op, dst, 0, 0, imm);
    private static ulong JmpReg(byte op, int dst, int src) => Insn(op, dst, src, 0, 0);
    private static ulong Exit() => Insn(0x95, 0, 0, 0, 0);
    private static ulong WithOffset(ulong insn, short off) => (insn & ~(0xffffUL << 16)) | ((ulong)(ushort)off << 16);

    /// <summary>Runs a compiled program on one access, for tests: returns 1 (allow) or 0 (deny).</summary>
    public static int Evaluate(ulong[] program, int type, int access, uint major, uint minor)
    {
        var reg = new ulong[11];
        uint[] ctx = { (uint)((access << 16) | type), major, minor };
        for (int pc = 0; pc < program.Length; pc++)
        {
            ulong insn = program[pc];
            byte op = (byte)insn;
            int dst = (int)((insn >> 8) & 0xf), src = (int)((insn >> 12) & 0xf);
            short off = (short)(insn >> 16);
            int imm = (int)(insn >> 32);
            switch (op)
            {
                case 0x61: reg[dst] = ctx[off / 4]; break;
                case 0x54: reg[dst] = (uint)reg[dst] & (uint)imm; break;
                case 0x74: reg[dst] = (uint)reg[dst] >> imm; break;
                case 0xbc: reg[dst] = (uint)reg[src]; break;
                case 0xb7: reg[dst] = (ulong)(long)imm; break;
                case 0x55: if (reg[dst] != (ulong)(long)imm) pc += off; break;
                case 0x5d: if (reg[dst] != reg[src]) pc += off; break;
                case 0x95: return (int)reg[0];
                default: throw new InvalidOperationException($"opcode 0x{op:x2}");
            }
        }
        throw new InvalidOperationException("program fell off its end");
    }
}
