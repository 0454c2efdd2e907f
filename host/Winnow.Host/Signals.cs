using System.Runtime.InteropServices;

namespace Winnow.Host;

/// <summary>Ctrl+C (SIGINT), SIGTERM and SIGHUP stop a run the same way: the epoch in flight is abandoned at its next step, the run's
/// records say "stopped", and the process exits with <see cref="Engine.Core.ExitCodes.Interrupted"/>, so that it can be resumed.</summary>
/// <remarks>SIGTERM is what docker stop, systemd and Slurm send before they kill a process (Slurm on preemption and at the time limit);
/// without a handler .NET ends at once, leaving no summary. A second signal is not needed and is ignored: the first already stops
/// the run within one step.</remarks>
internal static class Signals
{
    private static readonly List<PosixSignalRegistration> Registrations = [];

    /// <summary>The signal that asked the process to stop, if one did.</summary>
    public static string? Received { get; private set; }

    /// <summary>A token cancelled by the first stopping signal, which is kept from ending the process.</summary>
    public static CancellationTokenSource StopOnSignals()
    {
        var cancel = new CancellationTokenSource();
        foreach (var (signal, name) in new[] { (PosixSignal.SIGINT, "SIGINT"), (PosixSignal.SIGTERM, "SIGTERM"), (PosixSignal.SIGHUP, "SIGHUP") })
        {
            Registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                Received ??= name;
                cancel.Cancel();
            }));
        }
        return cancel;
    }
}
