using System.Diagnostics;
using System.Text.Json;

namespace Winnow.Tests.Integration;

/// <summary>A run stopped at any epoch, or killed at any moment, and resumed, ends exactly where an uninterrupted run ends.</summary>
[TestClass]
public sealed class ResumeTests
{
    private const int Epochs = 4;

    // Dropout and a noisy dataset make every random generator matter: the global one (dropout), the policy's, the shuffle's.
    private static string Config(TempFolder work, string policy, string options, string model = "cnn") =>
        HostProcess.WriteConfig(work.Path, model: model, policy: policy, policyOptions: options, epochs: Epochs,
            datasetOptions: """{ "TrainSize": 300, "TestSize": 100, "Noise": 3 }""");

    [TestMethod]
    [DataRow("ucb", """{ "KeepFraction": 0.4, "Interval": 3 }""")]
    [DataRow("random-dynamic", """{ "KeepFraction": 0.3, "Cover": true }""")]
    [DataRow("dynams", """{ "KeepFraction": 0.4, "Q0": 3 }""")]
    [DataRow("infobatch", """{ "KeepFraction": 0.4, "Delta": 0.6 }""")]
    [DataRow("static-score", """{ "KeepFraction": 0.4, "ScoringEpochs": 1, "Scorer": "forgetting" }""")]
    public void StoppingAfterAnyEpochAndResumingChangesNothing(string policy, string options)
    {
        using var work = new TempFolder();
        Config(work, policy, options);
        var whole = RunFolderOf(work, "whole", HostProcess.Run(work.Path, "--Run:OutputDirectory=whole", "--Run:Model:Options:Dropout=0.3"));

        for (var stop = 1; stop < Epochs; stop++)
        {
            var output = $"stopped-{stop}";
            var first = HostProcess.Run(work.Path, $"--Run:OutputDirectory={output}", "--Run:Model:Options:Dropout=0.3", $"--Run:StopAfterEpoch={stop}");
            var folder = RunFolderOf(work, output, first);
            Assert.AreEqual("stopped", Summary(folder).GetProperty("status").GetString());
            StringAssert.Contains(first.Output, "winnow resume", first.ToString());

            var resumed = HostProcess.Run(work.Path, "resume", folder);
            Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
            StringAssert.Contains(resumed.Output, $"resuming {folder} after epoch {stop} of {Epochs}", resumed.ToString());
            AssertSameRun(whole, folder, $"{policy}, stopped after epoch {stop}");
        }
    }

    [TestMethod]
    public void AKilledRunResumesToTheSameEnd()
    {
        using var work = new TempFolder();
        Config(work, "epsilon-greedy", """{ "KeepFraction": 0.4 }""");
        var args = new[] { "--Run:Model:Options:Dropout=0.3", "--Run:Dataset:Options:TrainSize=6000", "--Run:Epochs=5" };
        var whole = RunFolderOf(work, "whole", HostProcess.Run(work.Path, ["--Run:OutputDirectory=whole", .. args]));
        var epochSeconds = Summary(whole).GetProperty("trainSeconds").GetDouble() / 5;

        // Kill somewhere in the two and a half epochs after the first checkpoint: in training, evaluation or checkpoint writing.
        var random = new Random(2024);
        for (var trial = 0; trial < 2; trial++)
        {
            var output = $"killed-{trial}";
            var folder = HostProcess.StartAndKill(work.Path, output, [$"--Run:OutputDirectory={output}", .. args],
                afterCheckpoint: TimeSpan.FromSeconds(random.NextDouble() * 2.5 * epochSeconds));
            var resumed = HostProcess.Run(work.Path, "resume", folder);
            Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
            AssertSameRun(whole, folder, $"trial {trial}");
        }
    }

    [TestMethod]
    public void ResumeRefusesToChangeTheRun()
    {
        using var work = new TempFolder();
        Config(work, "full", "{}");
        var folder = RunFolderOf(work, "runs", HostProcess.Run(work.Path, "--Run:StopAfterEpoch=1"));

        var result = HostProcess.Run(work.Path, "resume", folder, "--Run:Epochs=9");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "Run:Epochs: cannot change when resuming", result.ToString());
    }

    [TestMethod]
    public void ResumeWithoutACheckpointOrFolderIsExplained()
    {
        using var work = new TempFolder();
        var missing = HostProcess.Run(work.Path, "resume", work.Combine("nope"));
        Assert.AreEqual(2, missing.ExitCode, missing.ToString());
        StringAssert.Contains(missing.Error, "run folder not found", missing.ToString());

        var notARun = HostProcess.Run(work.Path, "resume", work.Path);
        Assert.AreEqual(2, notARun.ExitCode, notARun.ToString());
        StringAssert.Contains(notARun.Error, "is not a run folder", notARun.ToString());
    }

    [TestMethod]
    public void APartialCheckpointIsIgnored()
    {
        using var work = new TempFolder();
        Config(work, "random-dynamic", """{ "KeepFraction": 0.5 }""");
        var whole = RunFolderOf(work, "whole", HostProcess.Run(work.Path, "--Run:OutputDirectory=whole"));
        var folder = RunFolderOf(work, "runs", HostProcess.Run(work.Path, "--Run:StopAfterEpoch=2"));
        // What a kill during the next checkpoint's writing leaves: a staging folder, half written, and rows for an epoch it never committed.
        var partial = Directory.CreateDirectory(Path.Combine(folder, "checkpoints", "epoch-0003.partial")).FullName;
        File.WriteAllBytes(Path.Combine(partial, "model.bin"), [1, 2, 3]);
        File.AppendAllText(Path.Combine(folder, "metrics.csv"), "3,0.1,150,150,0,9,9,0.1,1,0,0,0\n");

        var resumed = HostProcess.Run(work.Path, "resume", folder);

        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        AssertSameRun(whole, folder, "after a partial checkpoint");
        Assert.IsFalse(Directory.Exists(partial), "the staging folder is cleared");
    }

    internal static string RunFolderOf(TempFolder work, string output, HostResult result)
    {
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return Directory.GetDirectories(work.Combine(output)).Single();
    }

    private static JsonElement Summary(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json"))).RootElement;

    /// <summary>Every metric but the timings, every selection row and every per-sample count are equal.</summary>
    internal static void AssertSameRun(string expected, string actual, string what)
    {
        static string[] Metrics(string folder) => File.ReadAllLines(Path.Combine(folder, "metrics.csv"))
            .Select(l => string.Join(',', l.Split(',').Take(8))).ToArray();
        CollectionAssert.AreEqual(Metrics(expected), Metrics(actual), $"{what}: metrics differ\n{string.Join('\n', Metrics(expected))}\nvs\n{string.Join('\n', Metrics(actual))}");
        CollectionAssert.AreEqual(File.ReadAllLines(Path.Combine(expected, "selection.csv")), File.ReadAllLines(Path.Combine(actual, "selection.csv")), $"{what}: selection.csv differs");
        CollectionAssert.AreEqual(File.ReadAllLines(Path.Combine(expected, "selection-counts.csv")), File.ReadAllLines(Path.Combine(actual, "selection-counts.csv")), $"{what}: selection counts differ");
        Assert.AreEqual("completed", Summary(actual).GetProperty("status").GetString(), what);
    }
}
