using System.Globalization;
using System.Text;
using Winnow.Engine.Configuration;
using Winnow.Engine.Core;

namespace Winnow.Host.Commands;

/// <summary>What the sbatch scripts of a sweep ask Slurm for.</summary>
/// <param name="Tasks">Array tasks: one per run, or fewer, each a shard of the runs.</param>
/// <param name="Threads">libtorch threads of each task (<c>Run:Threads</c>); 0 for the CPUs of the task.</param>
/// <param name="SignalSeconds">How long before the time limit Slurm warns a task, which then stops at the next step and is requeued.</param>
internal sealed record SlurmRequest(int Tasks, int Cpus, string Memory, string Time, string? Partition, int Threads, int SignalSeconds);

/// <summary>Writes the job array that runs a sweep on Slurm, the report job that follows it, and the script that submits both.</summary>
/// <remarks>The scripts need nothing on the cluster but the .NET runtime and this build of Winnow, on a file system every node
/// shares with the sweep folder. Each task runs <c>winnow sweep --shard slurm</c>: its shard comes from the array task's variables.
/// <para>Stopping and requeueing: Slurm sends SIGUSR1 to the batch shell <see cref="SlurmRequest.SignalSeconds"/> before the time
/// limit (or when a user sends it with <c>scancel --signal=USR1 --batch</c>). The shell passes SIGTERM to winnow, which stops at
/// the next step; every finished epoch has its checkpoint. The shell then requeues its own task (<c>scontrol requeue</c>), and
/// when Slurm starts it again the same command skips the finished runs and resumes the stopped one from its last checkpoint, to the
/// same result as an uninterrupted run. A task preempted by Slurm gets SIGTERM, stops the same way, and is requeued by Slurm
/// (<c>--requeue</c>).</para></remarks>
internal static class SlurmScripts
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Writes <c>slurm/array.sbatch</c>, <c>slurm/report.sbatch</c> and <c>slurm/submit.sh</c> in the sweep folder; returns the
    /// submit script.</summary>
    public static string Write(string sweepFile, string folder, string name, IReadOnlyList<string> overrides, SlurmRequest request)
    {
        var slurm = Path.Combine(folder, "slurm");
        var logs = Path.Combine(slurm, "logs");
        Directory.CreateDirectory(logs);
        var winnow = typeof(SlurmScripts).Assembly.Location;
        var job = "winnow-" + Names.Sanitize(name);
        var threads = request.Threads > 0 ? request.Threads.ToString(C) : "${SLURM_CPUS_PER_TASK:-1}";
        var command = new[] { "\"${WINNOW_DOTNET:-dotnet}\"", Quote(winnow), "sweep", Quote(Path.GetFullPath(sweepFile)), "--output", Quote(folder), "--shard", "slurm", $"--Run:Threads={threads}" }
            .Concat(overrides.Select(Quote));

        var array = new StringBuilder();
        array.Append(C, $$"""
            #!/bin/bash
            # The runs of sweep '{{name}}' as a Slurm job array: task i runs shard i+1 of {{request.Tasks}}. Written by winnow sweep --slurm;
            # submit it with submit.sh beside it, which also queues the report job.
            #SBATCH --job-name={{job}}
            #SBATCH --array=0-{{request.Tasks - 1}}
            #SBATCH --cpus-per-task={{request.Cpus}}
            #SBATCH --mem={{request.Memory}}
            #SBATCH --time={{request.Time}}

            """);
        if (request.Partition is { } partition) array.Append(C, $"#SBATCH --partition={partition}\n");
        array.Append(C, $$"""
            #SBATCH --requeue
            #SBATCH --signal=B:USR1@{{request.SignalSeconds}}
            #SBATCH --open-mode=append
            #SBATCH --output={{logs}}/%A_%a.out
            set -u
            export OMP_NUM_THREADS={{threads}}
            echo "winnow: task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} (restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -Is)"
            requeue=0
            # A warning before the time limit, or scancel --signal=USR1 --batch: stop at the next step, then go back in the queue.
            trap 'requeue=1; kill -TERM "$pid" 2>/dev/null' USR1
            trap 'kill -TERM "$pid" 2>/dev/null' TERM
            {{string.Join(' ', command)}} &
            pid=$!
            # wait returns early when a trapped signal arrives: wait again until winnow has stopped.
            while true; do
              wait "$pid"
              status=$?
              kill -0 "$pid" 2>/dev/null || break
            done
            if [ "$requeue" = 1 ]; then
              echo "winnow: stopped by the signal (exit $status); requeueing ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} to resume from its checkpoint"
              scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
              exit 0
            fi
            exit $status

            """);
        var report = new StringBuilder();
        report.Append(C, $$"""
            #!/bin/bash
            # The report of sweep '{{name}}', once every task of its job array has ended (submit.sh queues it with --dependency=afterany).
            #SBATCH --job-name={{job}}-report
            #SBATCH --cpus-per-task=1
            #SBATCH --mem=2G
            #SBATCH --time=00:30:00

            """);
        if (request.Partition is { } p) report.Append(C, $"#SBATCH --partition={p}\n");
        report.Append(C, $$"""
            #SBATCH --output={{logs}}/report_%j.out
            exec "${WINNOW_DOTNET:-dotnet}" {{Quote(winnow)}} report {{Quote(folder)}}

            """);
        var submit = $$"""
            #!/usr/bin/env bash
            # Queues the job array of sweep '{{name}}' and, after it, its report. Written by winnow sweep --slurm.
            set -euo pipefail
            here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
            array=$(sbatch --parsable "$here/array.sbatch")
            array=${array%%;*}
            report=$(sbatch --parsable --dependency=afterany:$array "$here/report.sbatch")
            report=${report%%;*}
            echo "submitted job array $array ({{request.Tasks}} tasks) and report job $report, which runs when every task has ended"
            echo "follow it with: squeue -j $array,$report; logs in {{logs}}; the report will be {{Path.Combine(folder, "report.md")}}"
            echo "$array $report"

            """;
        File.WriteAllText(Path.Combine(slurm, "array.sbatch"), array.ToString());
        File.WriteAllText(Path.Combine(slurm, "report.sbatch"), report.ToString());
        var submitPath = Path.Combine(slurm, "submit.sh");
        File.WriteAllText(submitPath, submit);
        if (!OperatingSystem.IsWindows())
            foreach (var f in new[] { "array.sbatch", "report.sbatch", "submit.sh" })
                File.SetUnixFileMode(Path.Combine(slurm, f), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return submitPath;
    }

    /// <summary>A Slurm time limit in seconds, or null when it is not one: minutes, <c>MM:SS</c>, <c>HH:MM:SS</c>, <c>D-HH</c>,
    /// <c>D-HH:MM</c> or <c>D-HH:MM:SS</c>.</summary>
    public static long? Seconds(string time)
    {
        var match = System.Text.RegularExpressions.Regex.Match(time, @"^(?:(\d+)-)?(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$");
        if (!match.Success) return null;
        long Part(int group) => match.Groups[group].Success ? long.Parse(match.Groups[group].Value, C) : 0;
        if (match.Groups[1].Success) return Part(1) * 86400 + Part(2) * 3600 + Part(3) * 60 + Part(4);
        return match.Groups[4].Success ? Part(2) * 3600 + Part(3) * 60 + Part(4) : match.Groups[3].Success ? Part(2) * 60 + Part(3) : Part(2) * 60;
    }

    /// <summary>What is wrong with warning a task <paramref name="signalSeconds"/> before a limit of <paramref name="limitSeconds"/>,
    /// or null. Slurm may send the warning up to a minute early; a task warned as soon as it starts would be requeued again and again
    /// without finishing an epoch.</summary>
    public static string? SignalProblem(long limitSeconds, int signalSeconds) =>
        signalSeconds + 60 <= limitSeconds / 2 ? null
            : $"--signal-before {signalSeconds} with a time limit of {limitSeconds} s leaves too little time to train: Slurm may send the warning up to 60 s early, " +
              "and a task warned before it finishes an epoch is requeued without progress; the warning and 60 s must fit in half the time limit " +
              $"(a longer --time, or --signal-before at most {Math.Max(0, limitSeconds / 2 - 60)})";

    /// <summary>Checks a Slurm memory size: a whole number with an optional K, M, G or T.</summary>
    public static bool IsMemory(string memory) => System.Text.RegularExpressions.Regex.IsMatch(memory, "^[0-9]+[KMGT]?$");

    // Single quotes for the shell, so that paths and overrides with spaces or $ arrive as they are.
    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
