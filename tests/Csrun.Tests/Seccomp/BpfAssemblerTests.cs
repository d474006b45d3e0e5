using Csrun.Runtime.Seccomp;
using Xunit;

namespace Csrun.Tests.Seccomp;

public sealed class BpfAssemblerTests
{
    private const ushort Jeq = 0x15, Ja = 0x05, Ret = 0x06;

    /// <summary>ld nr; jeq 1 → far, with <paramref name="filler"/> instructions in between.</summary>
    private static SockFilter[] FarJump(int filler, bool farTargetIsRet)
    {
        var asm = new BpfAssembler();
        int far = asm.NewLabel();
        asm.LoadWord(0);
        asm.JumpIf(BpfOpcodes.JumpIfEqual, 1, far, BpfAssembler.Next);
        for (int i = 0; i < filler; i++)
            asm.LoadWord(4);
        asm.Return(100);
        asm.Bind(far);
        if (!farTargetIsRet)
            asm.LoadWord(0);
        asm.Return(200);
        return asm.Assemble();
    }

    [Fact]
    public void NearJumpsNeedNoTrampoline()
    {
        SockFilter[] program = FarJump(254, farTargetIsRet: false);   // offset 255 exactly
        Assert.Equal(1 + 1 + 254 + 1 + 2, program.Length);
        Assert.Equal(255, program[1].Jt);
        Assert.Equal(200u, BpfInterpreter.Run(program, 0, 1));
        Assert.Equal(100u, BpfInterpreter.Run(program, 0, 2));
    }

    [Fact]
    public void FarJumpGoesThroughJa()
    {
        SockFilter[] program = FarJump(255, farTargetIsRet: false);   // offset 256
        BpfInterpreter.Check(program);
        Assert.Equal(1 + 1 + 1 + 255 + 1 + 2, program.Length);
        Assert.Equal(Ja, program[2].Code);
        Assert.Equal((0, 1), (program[1].Jt, program[1].Jf));
        Assert.Equal(200u, BpfInterpreter.Run(program, 0, 1));
        Assert.Equal(100u, BpfInterpreter.Run(program, 0, 2));
    }

    [Fact]
    public void FarJumpToRetCopiesTheRet()
    {
        SockFilter[] program = FarJump(300, farTargetIsRet: true);
        BpfInterpreter.Check(program);
        Assert.Equal(new SockFilter(Ret, 0, 0, 200), program[2]);
        Assert.Equal(200u, BpfInterpreter.Run(program, 0, 1));
        Assert.Equal(100u, BpfInterpreter.Run(program, 0, 2));
    }

    [Fact]
    public void BothBranchesFar()
    {
        var asm = new BpfAssembler();
        int a = asm.NewLabel(), b = asm.NewLabel();
        asm.LoadWord(0);
        asm.JumpIf(BpfOpcodes.JumpIfGreater, 5, a, b);
        for (int i = 0; i < 300; i++)
            asm.LoadWord(4);
        asm.Return(1);
        asm.Bind(a);
        asm.LoadWord(4);
        for (int i = 0; i < 300; i++)
            asm.LoadWord(4);
        asm.Return(2);
        asm.Bind(b);
        asm.LoadWord(0);
        asm.Return(3);
        SockFilter[] program = asm.Assemble();
        BpfInterpreter.Check(program);
        Assert.Equal((Ja, Ja), (program[2].Code, program[3].Code));
        Assert.Equal(2u, BpfInterpreter.Run(program, 0, 6));
        Assert.Equal(3u, BpfInterpreter.Run(program, 0, 5));
    }

    [Fact]
    public void TrampolinesPushingOtherJumpsFarAreFixedToo()
    {
        // Many jumps whose targets sit just within reach: each trampoline inserted pushes the
        // others over the edge, so layout must iterate.
        var asm = new BpfAssembler();
        const int jumps = 40;
        var labels = new int[jumps];
        asm.LoadWord(0);
        for (int i = 0; i < jumps; i++)
        {
            labels[i] = asm.NewLabel();
            asm.JumpIf(BpfOpcodes.JumpIfEqual, (uint)i, labels[i], BpfAssembler.Next);
        }
        for (int i = 0; i < 250; i++)
            asm.LoadWord(4);
        asm.Return(999);
        for (int i = 0; i < jumps; i++)
        {
            asm.Bind(labels[i]);
            asm.LoadWord(0);
            asm.Return((uint)i);
        }
        SockFilter[] program = asm.Assemble();
        BpfInterpreter.Check(program);
        for (uint i = 0; i < jumps; i++)
            Assert.Equal(i, BpfInterpreter.Run(program, 0, i));
        Assert.Equal(999u, BpfInterpreter.Run(program, 0, jumps));
    }

    [Fact]
    public void BackwardOrDanglingTargetsAreBugs()
    {
        var asm = new BpfAssembler();
        int label = asm.NewLabel();
        asm.Bind(label);
        asm.LoadWord(0);
        asm.Jump(label);
        asm.Return(0);
        Assert.Throws<InvalidOperationException>(() => asm.Assemble());

        var dangling = new BpfAssembler();
        dangling.Jump(dangling.NewLabel());
        dangling.Return(0);
        Assert.Throws<InvalidOperationException>(() => dangling.Assemble());
    }

    [Fact]
    public void ReturnTargetsShareFewPooledRets()
    {
        // 1000 tests that each jump to one of two verdicts: the rets are pooled within reach
        // instead of emitted 2000 times, and every jump still lands on the right one.
        var asm = new BpfAssembler();
        const int tests = 1000;
        asm.LoadWord(0);
        for (int i = 0; i < tests; i++)
        {
            int next = asm.NewLabel();
            asm.JumpIf(BpfOpcodes.JumpIfEqual, (uint)i, asm.ReturnTarget(i % 2 == 0 ? 7u : 8u), next);
            asm.Bind(next);
            asm.LoadWord(0);
        }
        asm.Return(9);
        SockFilter[] program = asm.Assemble();
        BpfInterpreter.Check(program);
        int rets = 0, jas = 0;
        foreach (SockFilter ins in program)
        {
            rets += ins.Code == Ret ? 1 : 0;
            jas += ins.Code == Ja ? 1 : 0;
        }
        Assert.True(rets < 40, $"{rets} rets");
        Assert.Equal(0, jas);
        for (uint i = 0; i < tests; i++)
            Assert.Equal(i % 2 == 0 ? 7u : 8u, BpfInterpreter.Run(program, 0, i));
        Assert.Equal(9u, BpfInterpreter.Run(program, 0, tests));
    }

    [Fact]
    public void PoolsNeverInterruptFallThrough()
    {
        // Only fall-through code for a long stretch: the pool must wait for the ret at the end,
        // and the early user then reaches it through a trampoline.
        var asm = new BpfAssembler();
        asm.LoadWord(0);
        asm.JumpIf(BpfOpcodes.JumpIfEqual, 1, asm.ReturnTarget(5), BpfAssembler.Next);
        for (int i = 0; i < 400; i++)
            asm.LoadWord(4);
        asm.Return(6);
        SockFilter[] program = asm.Assemble();
        BpfInterpreter.Check(program);
        Assert.Equal(5u, BpfInterpreter.Run(program, 0, 1));
        Assert.Equal(6u, BpfInterpreter.Run(program, 0, 2));
    }
}
