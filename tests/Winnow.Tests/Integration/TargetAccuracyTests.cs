using System.Globalization;
using System.Text.Json;

namespace Winnow.Tests.Integration;

/// <summary><c>Run:EvalEvery</c> and <c>Run:TargetAccuracy</c> through the real host: which epochs are evaluated, when a run stops at its
/// target, what it records, and that a resume keeps both.</summary>
[TestClass]
public sealed class TargetAccuracyTests
{
    private static string[][] Rows(string run) =>
        [.. File.ReadAllLines(Path.Combine(run, "metrics.csv")).Skip(1).Select(l => l.Split(','))];

    private static JsonElement Summary(string run) => JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement;

    [TestMethod]
    public void EpochsThatAreNotDueAreNotEvaluatedAndTheLastAlwaysIs()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, epochs: 5);

        var result = HostProcess.Run(work.Path, "--Run:EvalEvery=2");

        var run = ResumeTests.RunFolderOf(work, "runs", result);
        var rows = Rows(run);
        Assert.HasCount(5, rows);
        // test_loss and test_accuracy are columns 6 and 7: empty in epochs 1 and 3, filled in 2 and 4 (due) and 5 (the last).
        CollectionAssert.AreEqual(new[] { false, true, false, true, true }, rows.Select(r => r[7].Length > 0).ToArray(), string.Join("\n", rows.Select(r => string.Join(',', r))));
        Assert.IsTrue(rows.All(r => (r[6].Length > 0) == (r[7].Length > 0)), "loss and accuracy are evaluated together");
        Assert.IsTrue(rows.Where(r => r[7].Length == 0).All(r => double.Parse(r[11], CultureInfo.InvariantCulture) == 0), "no evaluation time where nothing was evaluated");
        StringAssert.Contains(result.Output, "not evaluated (Run:EvalEvery)", result.ToString());
        Assert.AreEqual(double.Parse(rows[4][7], CultureInfo.InvariantCulture), Summary(run).GetProperty("finalTestAccuracy").GetDouble(), 1e-9);

        var report = HostProcess.Run(work.Path, "report", run);
        Assert.AreEqual(0, report.ExitCode, report.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(run, "accuracy-loss.png")), report.ToString());
    }

    [TestMethod]
    public void ARunStopsAtItsTargetAndRecordsWhen()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, epochs: 8);

        var result = HostProcess.Run(work.Path, "--Run:TargetAccuracy=0.6");

        var run = ResumeTests.RunFolderOf(work, "runs", result);
        var rows = Rows(run);
        var accuracies = rows.Select(r => double.Parse(r[7], CultureInfo.InvariantCulture)).ToList();
        var first = accuracies.FindIndex(a => a >= 0.6);
        Assert.IsGreaterThanOrEqualTo(0, first, $"synthetic clusters reach 60% within 8 epochs: {string.Join(", ", accuracies)}");
        Assert.HasCount(first + 1, rows, "the run stops after the epoch that reached the target");
        var s = Summary(run);
        Assert.AreEqual("completed", s.GetProperty("status").GetString());
        Assert.AreEqual(0.6, s.GetProperty("targetAccuracy").GetDouble(), 1e-12);
        Assert.AreEqual(first + 1, s.GetProperty("targetReachedEpoch").GetInt32());
        var elapsed = double.Parse(rows[first][14], CultureInfo.InvariantCulture);
        Assert.AreEqual(elapsed, s.GetProperty("targetReachedSeconds").GetDouble(), 1e-3, "the time to target is the epoch's elapsed seconds");
        Assert.IsGreaterThan(0, elapsed);
        StringAssert.Contains(result.Output, $"target 60.00%   reached after epoch {first + 1}", result.ToString());
    }

    [TestMethod]
    public void ATargetThatIsNotReachedIsSaidSoAndTheRunGoesToTheEnd()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, epochs: 2);

        // Clusters that do not separate: about a quarter right, never 90%.
        var result = HostProcess.Run(work.Path, "--Run:TargetAccuracy=0.9", "--Run:Dataset:Options:Separation=0.001", "--Run:Dataset:Options:Noise=1");

        var run = ResumeTests.RunFolderOf(work, "runs", result);
        Assert.HasCount(2, Rows(run));
        var s = Summary(run);
        Assert.AreEqual(JsonValueKind.Null, s.GetProperty("targetReachedEpoch").ValueKind);
        StringAssert.Contains(result.Output, "target 90.00%   not reached", result.ToString());
    }

    [TestMethod]
    public void AResumedRunKeepsItsTargetAndElapsedTime()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, epochs: 8);
        var whole = ResumeTests.RunFolderOf(work, "whole", HostProcess.Run(work.Path, "--Run:OutputDirectory=whole", "--Run:TargetAccuracy=0.6"));
        var stopped = ResumeTests.RunFolderOf(work, "stopped", HostProcess.Run(work.Path, "--Run:OutputDirectory=stopped", "--Run:TargetAccuracy=0.6", "--Run:StopAfterEpoch=1"));
        var firstSession = double.Parse(Rows(stopped)[0][14], CultureInfo.InvariantCulture);

        var resumed = HostProcess.Run(work.Path, "resume", stopped);

        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        ResumeTests.AssertSameRun(whole, stopped, "stopped at the target, resumed");
        Assert.AreEqual(Summary(whole).GetProperty("targetReachedEpoch").GetInt32(), Summary(stopped).GetProperty("targetReachedEpoch").GetInt32());
        var elapsed = Rows(stopped).Select(r => double.Parse(r[14], CultureInfo.InvariantCulture)).ToList();
        Assert.IsTrue(elapsed.Zip(elapsed.Skip(1)).All(p => p.Second > p.First) && elapsed[0] == firstSession,
            $"elapsed seconds count on from the first session: {string.Join(", ", elapsed)}");

        var again = HostProcess.Run(work.Path, "resume", stopped);
        Assert.AreEqual(0, again.ExitCode, again.ToString());
        Assert.HasCount(Rows(whole).Length, Rows(stopped), "a run that reached its target trains no further when resumed");
    }
}
