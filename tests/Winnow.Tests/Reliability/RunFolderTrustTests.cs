using Winnow.Tests.Integration;

namespace Winnow.Tests.Reliability;

/// <summary>A run folder's parts are checked against each other before anything is carried forward: each kept row of
/// <c>metrics.csv</c> and <c>selection.csv</c> against the checkpoint, the checkpoint against the run it claims, and a sweep's record
/// against the folders on disk.</summary>
[TestClass]
public sealed class RunFolderTrustTests
{
    /// <summary>A 4-epoch run stopped after epoch 2 (<c>Run:StopAfterEpoch</c>), so that two epochs are kept and two are left.</summary>
    private static string Stopped(TempFolder work, string output)
    {
        FaultHost.WriteConfig(work.Path, epochs: 4);
        var result = FaultHost.Run(work.Path, $"--Run:OutputDirectory={output}", "--Run:StopAfterEpoch=2");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return FaultHost.OnlyRunFolder(work.Combine(output));
    }

    /// <summary>Resume is refused with one error line naming <paramref name="file"/> and <paramref name="why"/>, and the file is left
    /// exactly as it was.</summary>
    private static void AssertRefused(TempFolder work, string folder, string file, string why)
    {
        var path = Path.Combine(folder, file);
        var before = File.ReadAllBytes(path);
        var result = FaultHost.Run(work.Path, "resume", folder);
        Assert.AreEqual(1, result.ExitCode, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, result.ToString());
        StringAssert.StartsWith(lines[0], "error: ", result.ToString());
        StringAssert.Contains(lines[0], path, result.ToString());
        StringAssert.Contains(lines[0], why, result.ToString());
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), $"{file} was changed by a refused resume");
    }

    private static void Edit(string folder, string file, Func<string[], string[]> change)
    {
        var path = Path.Combine(folder, file);
        File.WriteAllLines(path, change(File.ReadAllLines(path)));
    }

    [TestMethod]
    public void DamagedMetricsRowsAreRefusedNamingTheFileAndTheRow()
    {
        using var work = new TempFolder();
        var folder = Stopped(work, "runs");
        var original = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));

        Edit(folder, "metrics.csv", lines => lines[1..]);
        AssertRefused(work, folder, "metrics.csv", "line 1: the header is");

        File.WriteAllLines(Path.Combine(folder, "metrics.csv"), original);
        Edit(folder, "metrics.csv", lines => [lines[0], lines[1], lines[2].Replace(lines[2].Split(',')[0] + ",", "7,")]);
        AssertRefused(work, folder, "metrics.csv", "line 3");

        File.WriteAllLines(Path.Combine(folder, "metrics.csv"), original);
        Edit(folder, "metrics.csv", lines => [lines[0], lines[1]]);
        AssertRefused(work, folder, "metrics.csv", "rows are missing");

        File.WriteAllLines(Path.Combine(folder, "metrics.csv"), original);
        Edit(folder, "metrics.csv", lines => [lines[0], lines[1], lines[2] + ",1"]);
        AssertRefused(work, folder, "metrics.csv", "fields for");

        File.WriteAllLines(Path.Combine(folder, "metrics.csv"), original);
        var resumed = FaultHost.Run(work.Path, "resume", folder);
        Assert.AreEqual(0, resumed.ExitCode, $"the repaired folder resumes: {resumed}");
    }

    [TestMethod]
    public void DamagedSelectionRowsAreRefusedNamingTheFileAndTheRow()
    {
        using var work = new TempFolder();
        var folder = Stopped(work, "runs");
        Edit(folder, "selection.csv", lines => [lines[0], lines[1].Replace(lines[1].Split(',')[1], "9999"), .. lines[2..]]);
        AssertRefused(work, folder, "selection.csv", "line 2");
    }

    [TestMethod]
    public void ACheckpointOfAnotherRunReachedThroughALinkIsRefused()
    {
        using var work = new TempFolder();
        var mine = Stopped(work, "mine");
        var theirs = Stopped(work, "theirs");
        // Same configuration, same epochs: only the run id tells the two apart.
        Directory.Delete(Path.Combine(mine, "checkpoints"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(mine, "checkpoints"), Path.Combine(theirs, "checkpoints"));

        var result = FaultHost.Run(work.Path, "resume", mine);
        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "belongs to another run", result.ToString());
        Assert.AreEqual(1, result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, result.ToString());
    }

    [TestMethod]
    public void ARunFolderDeletedAfterItsSweepIsMissingInTheReportAndRunAgainByTheSweep()
    {
        using var work = new TempFolder();
        FaultHost.WriteConfig(work.Path, epochs: 1);
        File.WriteAllText(work.Combine("sweep.json"), """{ "Base": "appsettings.json", "Vary": { "Run:Seed": [1, 2] } }""");
        var first = FaultHost.Run(work.Path, "sweep", "sweep.json");
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        var sweep = work.Combine("runs", "sweeps", "sweep");
        var gone = Directory.GetDirectories(Path.Combine(sweep, "runs")).Order().First();
        Directory.Delete(gone, recursive: true);

        var report = FaultHost.Run(work.Path, "report", sweep);
        Assert.AreEqual(0, report.ExitCode, report.ToString());
        StringAssert.Contains(File.ReadAllText(Path.Combine(sweep, "report.md")), "missing", "the report counts the deleted run as missing, not completed");

        var again = FaultHost.Run(work.Path, "sweep", "sweep.json");
        Assert.AreEqual(0, again.ExitCode, again.ToString());
        Assert.IsTrue(Directory.Exists(gone) && Directory.GetDirectories(gone).Length == 1, $"the sweep runs the deleted run again: {again}");
    }
}
