using Csrun.Runtime.Seccomp;
using Xunit;
using Xunit.Sdk;

namespace Csrun.Tests.Seccomp;

/// <summary>The interpreter is the tests' oracle: it must itself refuse what the kernel would.</summary>
public sealed class BpfInterpreterTests
{
    private static SockFilter Ret(uint k) => new(0x06, 0, 0, k);

    [Fact]
    public void RunsLoadsAndJumps()
    {
        SockFilter[] program =
        [
            new(0x20, 0, 0, 4),            // ld arch
            new(0x15, 0, 4, 7),            // jeq 7 ? next : ret 1
            new(0x20, 0, 0, 16),           // ld args[0].lo
            new(0x54, 0, 0, 0xf0),         // and 0xf0
            new(0x15, 0, 1, 0x30),         // jeq 0x30 ? ret 2 : ret 1
            Ret(2),
            Ret(1),
        ];
        BpfInterpreter.Check(program);
        Assert.Equal(2u, BpfInterpreter.Run(program, 7, 0, 0x1234_5634));
        Assert.Equal(1u, BpfInterpreter.Run(program, 7, 0, 0x1234_5644));
        Assert.Equal(1u, BpfInterpreter.Run(program, 8, 0, 0x30));
    }

    [Fact]
    public void RefusesUnknownOpcodes() =>
        Assert.Throws<FailException>(() => BpfInterpreter.Check([new SockFilter(0x00, 0, 0, 0), Ret(0)]));  // ld imm

    [Fact]
    public void RefusesJumpsOutOfTheProgram()
    {
        Assert.Throws<FailException>(() => BpfInterpreter.Check([new SockFilter(0x15, 1, 0, 0), Ret(0)]));
        Assert.Throws<FailException>(() => BpfInterpreter.Check([new SockFilter(0x05, 0, 0, 5), Ret(0)]));
    }

    [Fact]
    public void RefusesLoadsOutsideSeccompData()
    {
        Assert.Throws<FailException>(() => BpfInterpreter.Check([new SockFilter(0x20, 0, 0, 64), Ret(0)]));
        Assert.Throws<FailException>(() => BpfInterpreter.Check([new SockFilter(0x20, 0, 0, 2), Ret(0)]));
    }

    [Fact]
    public void RefusesAProgramThatDoesNotEndInRet() =>
        Assert.Throws<FailException>(() => BpfInterpreter.Check([Ret(0), new SockFilter(0x20, 0, 0, 0)]));

    [Fact]
    public void FailsWhenRunningOffTheEnd() =>
        Assert.Throws<FailException>(() => BpfInterpreter.Run([new SockFilter(0x20, 0, 0, 0)], 0, 0));
}
