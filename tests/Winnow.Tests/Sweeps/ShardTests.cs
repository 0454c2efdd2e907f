using System.Text.Json;
using Winnow.Engine.Configuration;
using Winnow.Engine.Sweeps;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Sweeps;

/// <summary>Shards of a sweep: which runs a shard owns, the job array task's shard, and shards sweeping one folder at once.</summary>
[TestClass]
public sealed class ShardTests
{
    [TestMethod]
    public void AShardOwnsEveryNthRunOfThePlanAndTheShardsCoverItOnce()
    {
        var shards = Enumerable.Range(1, 3).Select(i => new SweepShard(i, 3)).ToList();
        CollectionAssert.AreEqual(new[] { 1, 4, 7 }, Enumerable.Range(0, 8).Where(shards[1].Owns).ToArray());
        foreach (var position in Enumerable.Range(0, 8)) Assert.AreEqual(1, shards.Count(s => s.Owns(position)), $"position {position}");
        Assert.IsTrue(Enumerable.Range(0, 8).All(SweepShard.Whole.Owns));
    }

    [TestMethod]
    [DataRow("1/1", 1, 1)]
    [DataRow("2/4", 2, 4)]
    [DataRow("4/4", 4, 4)]
    public void AShardIsReadAsIOfN(string text, int number, int count) =>
        Assert.AreEqual(new SweepShard(number, count), SweepShard.Parse(text, _ => null));

    [TestMethod]
    [DataRow("0/4")]
    [DataRow("5/4")]
    [DataRow("1/0")]
    [DataRow("2")]
    [DataRow("a/b")]
    [DataRow("-1/4")]
    public void AShardThatIsNotIOfNIsRefusedByName(string text)
    {
        var e = Assert.ThrowsExactly<ConfigurationError>(() => SweepShard.Parse(text, _ => null));
        StringAssert.Contains(e.Message, $"--shard '{text}' is not <i>/<n>");
    }

    private static Func<string, string?> Slurm(params (string Key, string Value)[] variables) =>
        key => variables.FirstOrDefault(v => v.Key == key).Value;

    [TestMethod]
    public void TheSlurmShardComesFromTheArrayTasksVariables()
    {
        Assert.AreEqual(new SweepShard(1, 4), SweepShard.Parse("slurm", Slurm(("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "0"))));
        Assert.AreEqual(new SweepShard(4, 4), SweepShard.Parse("slurm", Slurm(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        // --array=1-7:2 is tasks 1, 3, 5, 7.
        Assert.AreEqual(new SweepShard(3, 4), SweepShard.Parse("slurm", Slurm(("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_STEP", "2"))));
    }

    [TestMethod]
    public void TheSlurmShardOutsideAJobArrayIsRefusedByVariable()
    {
        var missing = Assert.ThrowsExactly<ConfigurationError>(() => SweepShard.Parse("slurm", _ => null));
        StringAssert.Contains(missing.Message, "SLURM_ARRAY_TASK_ID is not set");
        var outside = Assert.ThrowsExactly<ConfigurationError>(() => SweepShard.Parse("slurm", Slurm(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        StringAssert.Contains(outside.Message, "task 4 is not one of 4 tasks");
        var garbled = Assert.ThrowsExactly<ConfigurationError>(() => SweepShard.Parse("slurm", Slurm(("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        StringAssert.Contains(garbled.Message, "SLURM_ARRAY_TASK_ID='x' is not a whole number");
    }

    private const string SixRuns = """
        "Run:Policy:Name": ["full", "random-dynamic"], "Run:Policy:Options:KeepFraction": [0.5, 0.3], "Run:Seed": [1, 2]
        """;

    // The sweep host tests' sweep (SweepHostTests.WriteSweep) under this name, so that its folder is runs/sweeps/shards.
    internal const string Named = """ "Name": "shards", """;

    /// <summary>report.csv without its time columns (seconds, speed-ups, time to accuracy), which differ from process to process.</summary>
    internal static string[] ReportWithoutTimes(string sweepFolder)
    {
        var lines = File.ReadAllLines(Path.Combine(sweepFolder, "report.csv"));
        var header = lines[0].Split(',');
        var kept = Enumerable.Range(0, header.Length)
            .Where(i => !header[i].Contains("seconds", StringComparison.Ordinal) && !header[i].Contains("speed_up", StringComparison.Ordinal) && !header[i].StartsWith("time_to", StringComparison.Ordinal))
            .ToList();
        Assert.IsGreaterThan(8, kept.Count, "the accuracy and keep columns are compared");
        return lines.Select(l => string.Join(',', kept.Select(i => l.Split(',')[i]))).ToArray();
    }

    /// <summary>Every run of the record completed, in its own directory, with exactly one run folder: none ran twice, none was lost.</summary>
    internal static void AssertEveryRunOnce(string sweepFolder, int count)
    {
        var runs = SweepHostTests.Runs(sweepFolder);
        Assert.HasCount(count, runs, "one entry per run: none lost");
        CollectionAssert.AreEquivalent(Enumerable.Range(1, count).ToArray(), runs.Select(r => r.GetProperty("index").GetInt32()).ToArray());
        foreach (var run in runs)
        {
            Assert.AreEqual("completed", run.GetProperty("status").GetString(), run.ToString());
            var directory = Path.Combine(sweepFolder, run.GetProperty("directory").GetString()!);
            Assert.HasCount(1, Directory.GetDirectories(directory), $"{directory}: one run folder, so the run ran once");
        }
    }

    [TestMethod]
    [DataRow(new[] { "--slurm", "--shard", "1/2" }, "--slurm writes the scripts whose tasks take --shard slurm; give one or the other")]
    [DataRow(new[] { "--mem", "4G" }, "--mem only go with --slurm")]
    [DataRow(new[] { "--slurm", "--time", "4 hours" }, "--time '4 hours' is not a Slurm time limit such as 04:00:00 or 1-12:00")]
    [DataRow(new[] { "--slurm", "--mem", "lots" }, "--mem 'lots' is not a size such as 4G or 8000M")]
    [DataRow(new[] { "--slurm", "--time", "00:02:00", "--signal-before", "90" }, "--signal-before 90 with a time limit of 120 s leaves too little time to train")]
    [DataRow(new[] { "--slurm", "--time", "10" }, "--signal-before 300 with a time limit of 600 s leaves too little time to train")]
    [DataRow(new[] { "--slurm", "--tasks", "9" }, "--tasks 9 is more than the sweep's 2 runs; give at most 2")]
    [DataRow(new[] { "--shard", "3/2" }, "--shard '3/2' is not <i>/<n>")]
    [DataRow(new[] { "--shard", "slurm" }, "--shard slurm: SLURM_ARRAY_TASK_ID is not set")]
    public void AShardOrASlurmRequestThatCannotBeIsRefusedBeforeAnythingRuns(string[] options, string message)
    {
        using var work = new TempFolder();
        SweepHostTests.WriteSweep(work, """ "Run:Seed": [1, 2] """, Named);
        var result = HostProcess.Run(work.Path, ["sweep", "sweep.json", .. options]);
        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, message, result.ToString());
        Assert.DoesNotContain("   at ", result.Error, "no stack trace");
        Assert.IsFalse(Directory.Exists(work.Combine("runs", "sweeps", "shards", "slurm")), "no scripts written");
        Assert.IsFalse(File.Exists(work.Combine("runs", "sweeps", "shards", "sweep.json")), "nothing ran");
    }

    [TestMethod]
    public void TheSlurmScriptsAskForWhatTheOptionsSay()
    {
        using var work = new TempFolder();
        SweepHostTests.WriteSweep(work, SixRuns, Named);
        var result = HostProcess.Run(work.Path, "sweep", "sweep.json", "--slurm", "--tasks", "4", "--cpus-per-task", "3", "--mem", "6G", "--time", "1-02:00",
            "--partition", "gpu", "--threads", "2", "--signal-before", "90", "--Run:Epochs=1");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var folder = work.Combine("runs", "sweeps", "shards", "slurm");
        StringAssert.Contains(result.Output, $"submit with     bash {Path.Combine(folder, "submit.sh")}");
        var array = File.ReadAllText(Path.Combine(folder, "array.sbatch"));
        foreach (var line in new[] { "#SBATCH --array=0-3", "#SBATCH --cpus-per-task=3", "#SBATCH --mem=6G", "#SBATCH --time=1-02:00", "#SBATCH --partition=gpu",
                     "#SBATCH --requeue", "#SBATCH --signal=B:USR1@90", "export OMP_NUM_THREADS=2", "--shard slurm --Run:Threads=2 '--Run:Epochs=1' &",
                     "scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"" })
            StringAssert.Contains(array, line);
        StringAssert.Contains(File.ReadAllText(Path.Combine(folder, "report.sbatch")), $"report '{work.Combine("runs", "sweeps", "shards")}'");
        StringAssert.Contains(File.ReadAllText(Path.Combine(folder, "submit.sh")), "--dependency=afterany:$array");
        Assert.IsFalse(File.Exists(work.Combine("runs", "sweeps", "shards", "sweep.json")), "nothing ran");
    }

    [TestMethod]
    public void TwoShardsStartedAtOnceOnOneFolderRunEveryRunOnceAndReportAsOneProcess()
    {
        using var work = new TempFolder();
        SweepHostTests.WriteSweep(work, SixRuns, Named);

        var shards = new[] { "1/2", "2/2" }.Select(s => Task.Run(() => HostProcess.Run(work.Path, "sweep", "sweep.json", "--output", "shared", "--shard", s))).ToArray();
        var single = HostProcess.Run(work.Path, "sweep", "sweep.json", "--output", "single");
        Task.WaitAll(shards);

        Assert.AreEqual(0, single.ExitCode, single.ToString());
        foreach (var shard in shards) Assert.AreEqual(0, shard.Result.ExitCode, shard.Result.ToString());
        StringAssert.Contains(shards[0].Result.Output, "shard 1/2: 3 of them");
        StringAssert.Contains(shards[1].Result.Output, "shard 2/2: 3 of them");
        var shared = work.Combine("shared");
        AssertEveryRunOnce(shared, 6);
        // full skips KeepFraction, so the plan is full ×2 seeds, then random-dynamic ×2 keeps ×2 seeds; shard 1 has positions 0, 2, 4.
        StringAssert.Contains(shards[0].Result.Output, "run 1 ");
        Assert.DoesNotContain("run 2 (", shards[0].Result.Output, "run 2 is shard 2's");

        // The last shard to finish wrote the report; written again, it is the same. It equals the single process's, times aside.
        var written = ReportWithoutTimes(shared);
        Assert.AreEqual(0, HostProcess.Run(work.Path, "report", "shared").ExitCode);
        CollectionAssert.AreEqual(written, ReportWithoutTimes(shared));
        CollectionAssert.AreEqual(ReportWithoutTimes(work.Combine("single")), written);
    }

    [TestMethod]
    public void ARunAnotherProcessHoldsIsSkippedAndTheReportWaitsForIt()
    {
        using var work = new TempFolder();
        SweepHostTests.WriteSweep(work, """ "Run:Seed": [1, 2] """, Named);
        var claim = work.Combine("runs", "sweeps", "shards", "runs", "002-seed_2", ".claim");
        Directory.CreateDirectory(Path.GetDirectoryName(claim)!);

        HostResult result;
        using (new FileStream(claim, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            result = HostProcess.Run(work.Path, "sweep", "sweep.json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, $"another process is running it (it holds {claim}), skipped");
        StringAssert.Contains(result.Output, "1 completed, 0 stopped, 0 failed of 2, 1 being run by another process");
        StringAssert.Contains(result.Output, "report          not yet");
        Assert.IsFalse(File.Exists(work.Combine("runs", "sweeps", "shards", "report.md")));

        var rest = HostProcess.Run(work.Path, "sweep", "sweep.json");
        Assert.AreEqual(0, rest.ExitCode, rest.ToString());
        StringAssert.Contains(rest.Output, "completed before, skipped");
        AssertEveryRunOnce(work.Combine("runs", "sweeps", "shards"), 2);
        Assert.IsTrue(File.Exists(work.Combine("runs", "sweeps", "shards", "report.md")));
    }
}
