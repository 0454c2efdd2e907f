using System.Diagnostics;
using Winnow.Tests.Sweeps;

namespace Winnow.Tests.Integration;

/// <summary>A sweep on a real Slurm: the single-node cluster eng/test.sh starts on this machine (eng/setup.sh --slurm), reached
/// through the configuration it names in WINNOWTEST_SLURM_CONF. Where Slurm could not be set up these tests say why and do not run.</summary>
[TestClass]
public sealed class SlurmTests
{
    private static string Configuration()
    {
        if (Environment.GetEnvironmentVariable("WINNOWTEST_SLURM_CONF") is { Length: > 0 } conf) return conf;
        Assert.Inconclusive(Environment.GetEnvironmentVariable("WINNOWTEST_SLURM_UNAVAILABLE") is { Length: > 0 } why
            ? $"no Slurm here: {why}"
            : "no Slurm here: run the tests with eng/test.sh, which starts a single-node Slurm (eng/setup.sh --slurm) and names it in WINNOWTEST_SLURM_CONF");
        return "";
    }

    private static string Slurm(string conf, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["SLURM_CONF"] = conf;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1))) process.Kill(entireProcessTree: true);
        Assert.AreEqual(0, process.ExitCode, $"{program} {string.Join(' ', args)}: {output.Result}{error.Result}");
        return output.Result;
    }

    // Writes the scripts with winnow sweep --slurm and submits them; returns the array's and the report job's ids.
    private static (string Array, string Report) Submit(string conf, TempFolder work, string output)
    {
        var written = HostProcess.Run(work.Path, "sweep", "sweep.json", "--slurm", "--output", output, "--cpus-per-task", "1", "--mem", "1G", "--time", "00:10:00", "--signal-before", "60", "--threads", "1");
        Assert.AreEqual(0, written.ExitCode, written.ToString());
        StringAssert.Contains(written.Output, "submit with     bash ");
        var ids = Slurm(conf, "bash", work.Combine(output, "slurm", "submit.sh")).Trim().Split('\n')[^1].Split(' ');
        return (ids[0], ids[1]);
    }

    private static string State(string conf, string job) =>
        Slurm(conf, "scontrol", "show", "job", job).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .First(f => f.StartsWith("JobState=", StringComparison.Ordinal))["JobState=".Length..];

    private static void WaitFor(Func<bool> done, TimeSpan patience, Func<string> what)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > patience) Assert.Fail($"not within {patience.TotalSeconds:F0}s: {what()}");
            Thread.Sleep(250);
        }
    }

    private static string Logs(TempFolder work, string output) =>
        string.Join("\n", Directory.GetFiles(work.Combine(output, "slurm", "logs")).Select(f => $"--- {f}\n{File.ReadAllText(f)}"));

    [TestMethod]
    public void ASweepSubmittedAsAJobArrayEndsWithTheReportOfOneProcess()
    {
        var conf = Configuration();
        using var work = new TempFolder();
        SweepHostTests.WriteSweep(work, """ "Run:Policy:Name": ["full", "random-dynamic"], "Run:Seed": [1, 2] """, ShardTests.Named);

        var (array, report) = Submit(conf, work, "cluster");
        var single = HostProcess.Run(work.Path, "sweep", "sweep.json", "--output", "single");
        WaitFor(() => State(conf, report) is "COMPLETED" or "FAILED" or "CANCELLED" or "TIMEOUT", TimeSpan.FromMinutes(4), () => $"report job {report}: {State(conf, report)}\n{Logs(work, "cluster")}");

        Assert.AreEqual("COMPLETED", State(conf, report), Logs(work, "cluster"));
        foreach (var task in Enumerable.Range(0, 4)) Assert.AreEqual("COMPLETED", State(conf, $"{array}_{task}"), Logs(work, "cluster"));
        Assert.AreEqual(0, single.ExitCode, single.ToString());
        ShardTests.AssertEveryRunOnce(work.Combine("cluster"), 4);
        CollectionAssert.AreEqual(ShardTests.ReportWithoutTimes(work.Combine("single")), ShardTests.ReportWithoutTimes(work.Combine("cluster")));
    }

    [TestMethod]
    public void ATaskSignalledMidRunRequeuesItselfAndResumesToTheSameMetrics()
    {
        var conf = Configuration();
        using var work = new TempFolder();
        // About half a second an epoch, so that the signal comes in the middle of the run.
        SweepHostTests.WriteSweep(work, """ "Run:Seed": [3] """, ShardTests.Named, epochs: 10, datasetOptions: """{ "TrainSize": 30000, "TestSize": 200 }""");

        var (array, _) = Submit(conf, work, "cluster");
        var task = $"{array}_0";
        string? metrics = null;
        WaitFor(() =>
        {
            metrics = Directory.Exists(work.Combine("cluster", "runs", "001-seed_3"))
                ? Directory.GetFiles(work.Combine("cluster", "runs", "001-seed_3"), "metrics.csv", SearchOption.AllDirectories).SingleOrDefault() : null;
            return metrics is not null && File.ReadAllLines(metrics).Length >= 3;
        }, TimeSpan.FromMinutes(2), () => $"two epochs of the run\n{Logs(work, "cluster")}");
        Slurm(conf, "scancel", "--signal=USR1", "--batch", task);
        WaitFor(() => Logs(work, "cluster").Contains("requeueing", StringComparison.Ordinal) && State(conf, task) == "PENDING", TimeSpan.FromMinutes(1),
            () => $"task {task}: {State(conf, task)}\n{Logs(work, "cluster")}");
        // Slurm makes a requeued job wait two minutes before it may start again; the test waits 5 s, enough for slurmd to forget the
        // first start's credential (revoked by the requeue, with one-second resolution), not two minutes.
        Slurm(conf, "scontrol", "update", $"JobId={task}", "StartTime=now+5");

        WaitFor(() => Logs(work, "cluster").Contains("restart 1", StringComparison.Ordinal) && State(conf, task) == "COMPLETED", TimeSpan.FromMinutes(4),
            () => $"task {task}: {State(conf, task)}\n{Logs(work, "cluster")}");
        var log = Logs(work, "cluster");
        StringAssert.Contains(log, "stopped by the signal");
        StringAssert.Contains(log, "resum");
        var single = HostProcess.Run(work.Path, "sweep", "sweep.json", "--output", "single");
        Assert.AreEqual(0, single.ExitCode, single.ToString());
        var whole = Directory.GetDirectories(work.Combine("single", "runs", "001-seed_3")).Single();
        var resumed = Path.GetDirectoryName(metrics)!;
        Assert.HasCount(11, File.ReadAllLines(metrics!), "every epoch once");
        ResumeTests.AssertSameRun(whole, resumed, "the requeued task");
    }
}
