using System.Diagnostics;
using System.Text.Json;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Sweeps;

/// <summary>Sweeps and reports through the real host: every run in one process, the records and the report, and a sweep that
/// was stopped or killed continuing without redoing what it finished.</summary>
[TestClass]
public sealed class SweepHostTests
{
    // The base is the tests' usual small configuration (synthetic data, mlp, 2 epochs, batch 32, one thread), read from its file.
    internal static string WriteSweep(TempFolder work, string vary, string extra = "", int epochs = 2, string datasetOptions = HostProcess.SmallSynthetic)
    {
        HostProcess.WriteConfig(work.Path, epochs: epochs, datasetOptions: datasetOptions);
        var path = work.Combine("sweep.json");
        File.WriteAllText(path, $$"""{ "Base": "appsettings.json", {{extra}} "Vary": { {{vary}} } }""");
        return path;
    }

    private const string ThreePolicies = """
        "Run:Policy:Name": ["full", "random-dynamic", "ucb"], "Run:Policy:Options:KeepFraction": [0.5, 0.3], "Run:Seed": [1, 2]
        """;

    private static JsonElement SweepJson(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json"))).RootElement;

    internal static List<JsonElement> Runs(string folder) => SweepJson(folder).GetProperty("runs").EnumerateArray().ToList();

    [TestMethod]
    public void ASweepRunsEveryCombinationInOneProcessAndWritesItsReport()
    {
        using var work = new TempFolder();
        WriteSweep(work, ThreePolicies, """
            "Claims": [ { "Claim": "ucb keeps up", "Better": "ucb KeepFraction=0.3", "Than": "random-dynamic KeepFraction=0.3" } ],
            """);

        var result = HostProcess.Run(work.Path, "sweep", "sweep.json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var folder = work.Combine("runs", "sweeps", "sweep");
        var runs = Runs(folder);
        CollectionAssert.AreEqual(new[]
        {
            "full seed=1", "full seed=2", "random-dynamic KeepFraction=0.5 seed=1", "random-dynamic KeepFraction=0.5 seed=2",
            "random-dynamic KeepFraction=0.3 seed=1", "random-dynamic KeepFraction=0.3 seed=2",
            "ucb KeepFraction=0.5 seed=1", "ucb KeepFraction=0.5 seed=2", "ucb KeepFraction=0.3 seed=1", "ucb KeepFraction=0.3 seed=2",
        }, runs.Select(r => r.GetProperty("label").GetString()).ToArray());
        foreach (var run in runs)
        {
            Assert.AreEqual("completed", run.GetProperty("status").GetString());
            var runFolder = Path.Combine(folder, run.GetProperty("runFolder").GetString()!);
            Assert.IsTrue(runFolder.StartsWith(Path.Combine(folder, run.GetProperty("directory").GetString()!), StringComparison.Ordinal), "each run's folder is its own, under the sweep's");
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(runFolder, "summary.json")));
            Assert.AreEqual("completed", summary.RootElement.GetProperty("status").GetString());
            AssertPicture(Path.Combine(runFolder, "accuracy-loss"));
        }
        CollectionAssert.AreEqual(new[] { "Run:Policy:Options:KeepFraction" },
            runs[0].GetProperty("skipped").EnumerateArray().Select(s => s.GetString()).ToArray(), "full has no keep fraction");
        StringAssert.Contains(result.Output, "data opened 2 time(s), reused 8 time(s)", "one dataset per seed, shared by that seed's runs");

        var report = File.ReadAllText(Path.Combine(folder, "report.md"));
        StringAssert.Contains(report, "| configuration | runs | final acc % | best acc % | Δ vs full (pp) |");
        StringAssert.Contains(report, "| full | 2 | ");
        StringAssert.Contains(report, "| ucb KeepFraction=0.3 | 2 | ");
        StringAssert.Contains(report, "![Test accuracy per epoch, keep 0.3](plots/accuracy-per-epoch-keep-0.3.png)");
        StringAssert.Contains(report, "## Claims");
        Assert.MatchesRegex(new System.Text.RegularExpressions.Regex(
            @"\| ucb keeps up \| ucb KeepFraction=0\.3 \| random-dynamic KeepFraction=0\.3 \| 1, 2 \| [0-9.]+ ± [0-9.]+ \| [0-9.]+ ± [0-9.]+ \| [-+][0-9.]+ ± [0-9.]+ \| .* \| \*\*(holds|does not hold|within noise)\*\* \|"),
            report);
        var csv = File.ReadAllLines(Path.Combine(folder, "report.csv"));
        Assert.HasCount(1 + 5, csv, "a header and one row per configuration");
        StringAssert.StartsWith(csv[1], "full,full,2,");
        Assert.HasCount(1 + 10, File.ReadAllLines(Path.Combine(folder, "runs.csv")));
        foreach (var plot in new[] { "accuracy-per-epoch", "accuracy-vs-time", "selection-counts" })
            foreach (var keep in new[] { "0.5", "0.3" })
                AssertPicture(Path.Combine(folder, "plots", $"{plot}-keep-{keep}"));

        // Sharing the opened data changes nothing: a run of the sweep equals the same run made on its own.
        var standalone = ResumeTests.RunFolderOf(work, "alone", HostProcess.Run(work.Path, "--Run:OutputDirectory=alone",
            "--Run:Policy:Name=ucb", "--Run:Policy:Options:KeepFraction=0.3", "--Run:Seed=2"));
        ResumeTests.AssertSameRun(standalone, Path.Combine(folder, runs[9].GetProperty("runFolder").GetString()!), "ucb 0.3 seed 2 in the sweep and alone");
    }

    [TestMethod]
    public void RunsTheEditedSweepFileNoLongerPlansAreKeptButLeftOutOfTheReport()
    {
        using var work = new TempFolder();
        WriteSweep(work, """ "Run:Policy:Name": ["full", "random-dynamic"], "Run:Policy:Options:KeepFraction": [0.5] """);
        var first = HostProcess.Run(work.Path, "sweep", "sweep.json");
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        var folder = work.Combine("runs", "sweeps", "sweep");
        var oldRun = Path.Combine(folder, Runs(folder)[1].GetProperty("runFolder").GetString()!);

        // The author edits the sweep: random-dynamic now runs at 0.3, so the 0.5 run is no longer part of it.
        WriteSweep(work, """ "Run:Policy:Name": ["full", "random-dynamic"], "Run:Policy:Options:KeepFraction": [0.3] """);
        var second = HostProcess.Run(work.Path, "sweep", "sweep.json");

        Assert.AreEqual(0, second.ExitCode, second.ToString());
        var runs = Runs(folder);
        CollectionAssert.AreEqual(new[] { false, true, false }, runs.Select(r => r.GetProperty("notInSweepFile").GetBoolean()).ToArray());
        Assert.IsTrue(File.Exists(Path.Combine(oldRun, "summary.json")), "the earlier run's folder is kept");
        var report = File.ReadAllText(Path.Combine(folder, "report.md"));
        StringAssert.Contains(report, "| random-dynamic KeepFraction=0.3 | 1 | ");
        Assert.DoesNotContain("random-dynamic KeepFraction=0.5", report);
        StringAssert.Contains(report, "- left out: run 2, which the sweep file no longer plans (their folders are kept)");
        Assert.HasCount(1 + 2, File.ReadAllLines(Path.Combine(folder, "runs.csv")));
    }

    [TestMethod]
    public void ADryRunListsTheRunsAndTrainsNothing()
    {
        using var work = new TempFolder();
        WriteSweep(work, ThreePolicies);

        var result = HostProcess.Run(work.Path, "sweep", "sweep.json", "--dry-run", "--output", "out");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "sweep sweep: 10 runs (5 configurations)");
        StringAssert.Contains(result.Output, "full seed=1");
        StringAssert.Contains(result.Output, "Run:Policy:Options:KeepFraction");
        StringAssert.Contains(result.Output, "ucb KeepFraction=0.3 seed=2");
        Assert.IsFalse(Directory.Exists(work.Combine("out")), "a dry run writes nothing");
    }

    [TestMethod]
    public void AMistakeInTheSweepStopsItBeforeAnyRun()
    {
        using var work = new TempFolder();
        WriteSweep(work, """ "Run:Policy:Name": ["full", "ucb"], "Run:Policy:Options:KepFraction": [0.5] """);
        var typo = HostProcess.Run(work.Path, "sweep", "sweep.json");
        Assert.AreEqual(2, typo.ExitCode, typo.ToString());
        StringAssert.Contains(typo.Error, "Run:Policy:Options:KepFraction: no loaded policy plugin has an option 'KepFraction'", typo.ToString());

        WriteSweep(work, """ "Run:Policy:Name": ["full", "nope"] """);
        var unknown = HostProcess.Run(work.Path, "sweep", "sweep.json");
        Assert.AreEqual(2, unknown.ExitCode, unknown.ToString());
        StringAssert.Contains(unknown.Error, "run 2 (nope): Run:Policy:Name: unknown policy plugin 'nope'", unknown.ToString());
        Assert.IsFalse(Directory.Exists(work.Combine("runs")), "nothing ran");

        WriteSweep(work, """ "Run:Policy:Name": ["full", "ucb"] """, """ "Claims": [ { "Claim": "x", "Better": "ucb", "Than": "fulll" } ], """);
        var claim = HostProcess.Run(work.Path, "sweep", "sweep.json", "--dry-run");
        Assert.AreEqual(2, claim.ExitCode, claim.ToString());
        StringAssert.Contains(claim.Error, "Claims: 'fulll' is no configuration of this sweep; its configurations are: full; ucb", claim.ToString());

        var missing = HostProcess.Run(work.Path, "sweep", "nowhere.json");
        Assert.AreEqual(2, missing.ExitCode, missing.ToString());
        StringAssert.Contains(missing.Error, "sweep file not found", missing.ToString());
    }

    [TestMethod]
    public void AStoppedSweepContinuesWhereItStopped()
    {
        using var work = new TempFolder();
        WriteSweep(work, """ "Run:Policy:Name": ["full", "ucb"], "Run:Policy:Options:KeepFraction": [0.3] """);

        var first = HostProcess.Run(work.Path, "sweep", "sweep.json", "--Run:StopAfterEpoch=1");
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        var folder = work.Combine("runs", "sweeps", "sweep");
        CollectionAssert.AreEqual(new[] { "stopped", "stopped" }, Runs(folder).Select(r => r.GetProperty("status").GetString()).ToArray());
        StringAssert.Contains(first.Output, "continue with   winnow sweep sweep.json");
        var folders = Runs(folder).Select(r => r.GetProperty("runFolder").GetString()).ToArray();

        var changed = HostProcess.Run(work.Path, "sweep", "sweep.json", "--Run:Epochs=3");
        Assert.AreEqual(2, changed.ExitCode, changed.ToString());
        StringAssert.Contains(changed.Error, "holds a sweep started with another base configuration (Run:Epochs differ)", changed.ToString());

        var second = HostProcess.Run(work.Path, "sweep", "sweep.json");

        Assert.AreEqual(0, second.ExitCode, second.ToString());
        Assert.AreEqual(2, second.Output.Split("after epoch 1 of 2").Length - 1, "both runs resumed from their checkpoints:\n" + second.Output);
        var runs = Runs(folder);
        CollectionAssert.AreEqual(new[] { "completed", "completed" }, runs.Select(r => r.GetProperty("status").GetString()).ToArray());
        CollectionAssert.AreEqual(folders, runs.Select(r => r.GetProperty("runFolder").GetString()).ToArray(), "the same run folders, continued");
        foreach (var f in folders) Assert.HasCount(1 + 2, File.ReadAllLines(Path.Combine(folder, f!, "metrics.csv")));
        StringAssert.Contains(File.ReadAllText(Path.Combine(folder, "report.md")), "| ucb KeepFraction=0.3 | 1 | ");
    }

    [TestMethod]
    public void AKilledSweepSkipsItsFinishedRunsAndResumesTheKilledOne()
    {
        using var work = new TempFolder();
        // A quick first run, then a longer one to kill after its first checkpoint.
        WriteSweep(work, """ "Run:Policy:Name": ["random-dynamic", "full"], "Run:Policy:Options:KeepFraction": [0.1] """);
        var args = new[] { "sweep", "sweep.json", "--Run:Epochs=8", "--Run:Dataset:Options:TrainSize=4000" };
        var folder = work.Combine("runs", "sweeps", "sweep");

        var killedIn = KillDuringSecondRun(work.Path, folder, args);
        var before = Runs(folder);
        Assert.AreEqual("completed", before[0].GetProperty("status").GetString());
        Assert.AreEqual("running", before[1].GetProperty("status").GetString(), "killed: sweep.json still says running");
        var firstSummary = File.ReadAllText(Path.Combine(folder, before[0].GetProperty("runFolder").GetString()!, "summary.json"));

        var continued = HostProcess.Run(work.Path, args);

        Assert.AreEqual(0, continued.ExitCode, continued.ToString());
        StringAssert.Contains(continued.Output, "run 1 (1 of 2): random-dynamic KeepFraction=0.1: completed before, skipped", continued.ToString());
        StringAssert.Contains(continued.Output, $"resuming {killedIn} after epoch", continued.ToString());
        var after = Runs(folder);
        Assert.AreEqual("completed", after[1].GetProperty("status").GetString());
        Assert.AreEqual(killedIn, Path.Combine(folder, after[1].GetProperty("runFolder").GetString()!), "the killed run was continued, not started again");
        Assert.AreEqual(firstSummary, File.ReadAllText(Path.Combine(folder, after[0].GetProperty("runFolder").GetString()!, "summary.json")), "the finished run was not redone");
        Assert.HasCount(1 + 8, File.ReadAllLines(Path.Combine(killedIn, "metrics.csv")));
    }

    [TestMethod]
    public void ASingleRunGetsItsOwnPlot()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);
        var run = ResumeTests.RunFolderOf(work, "runs", HostProcess.Run(work.Path));

        var result = HostProcess.Run(work.Path, "report", run);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        AssertPicture(Path.Combine(run, "accuracy-loss"));
        var notAFolder = HostProcess.Run(work.Path, "report", work.Path);
        Assert.AreEqual(2, notAFolder.ExitCode, notAFolder.ToString());
        StringAssert.Contains(notAFolder.Error, "is neither a sweep folder", notAFolder.ToString());
        var missing = HostProcess.Run(work.Path, "report", work.Combine("nope"));
        Assert.AreEqual(2, missing.ExitCode, missing.ToString());
    }

    // Starts the sweep, waits until its first run completed and its second committed a checkpoint, and kills it (SIGKILL).
    private static string KillDuringSecondRun(string workingDirectory, string folder, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(TestPaths.HostDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("WINNOW_", StringComparison.Ordinal)))
            start.Environment.Remove(key);
        using var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the sweep ended (exit {process.ExitCode}) before it could be killed; make its second run longer");
            if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("the second run made no checkpoint within 2 minutes");
            var second = Path.Combine(folder, "runs", "002-full");
            var runFolder = Directory.Exists(second) ? Directory.GetDirectories(second).SingleOrDefault() : null;
            if (runFolder is not null && File.Exists(Path.Combine(runFolder, "checkpoint.json")))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return runFolder;
            }
            Thread.Sleep(10);
        }
    }

    private static void AssertPicture(string stem)
    {
        var png = File.ReadAllBytes(stem + ".png");
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4).ToArray(), $"{stem}.png is a PNG");
        Assert.IsGreaterThan(5_000, png.Length, $"{stem}.png has something drawn in it");
        StringAssert.Contains(File.ReadAllText(stem + ".svg"), "<svg", $"{stem}.svg is an SVG");
    }
}
