using System.Runtime.InteropServices;

namespace Csrun.Commands;

/// <summary>Forwards the signals a foreground `run` receives to the container's init.</summary>
public sealed class SignalForwarding : IDisposable
{
    private static readonly int[] Forwarded = { 1 /* HUP */, 2 /* INT */, 3 /* QUIT */, 10 /* USR1 */, 12 /* USR2 */, 15 /* TERM */, 28 /* WINCH */ };
    private readonly List<PosixSignalRegistration> _registrations = new();

    public static SignalForwarding To(int pid)
    {
        var f = new SignalForwarding();
        foreach (int signal in Forwarded)
        {
            f._registrations.Add(PosixSignalRegistration.Create((PosixSignal)signal, context =>
            {
                context.Cancel = true;
                Kill(pid, signal);
            }));
        }
        return f;
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
