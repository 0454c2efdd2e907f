using System.Globalization;
using System.Text.Json;

namespace Winnow.Tests.Integration;

/// <summary>The real host executable, run as a user runs it, on the real plugin folders the build produced.</summary>
[TestClass]
public sealed class HostTests
{
    [TestMethod]
    public void RunOnSyntheticDataWritesACompleteRunFolder()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, model: "cnn");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "epoch   1/2", result.ToString());
        StringAssert.Contains(result.Output, "run completed", result.ToString());
        var run = Directory.GetDirectories(work.Combine("runs")).Single();
        Assert.IsTrue(File.Exists(Path.Combine(run, "config.json")));

        var rows = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        Assert.HasCount(3, rows, "a header and one row per epoch");
        Assert.AreEqual("epoch,learning_rate,samples_trained,samples_forwarded,proxy_forwarded,train_loss,test_loss,test_accuracy,train_seconds,scoring_seconds,selecting_seconds,evaluating_seconds,skipped_batches,skipped_samples,elapsed_seconds", rows[0]);
        foreach (var (row, epoch) in rows.Skip(1).Select((r, i) => (r.Split(','), i + 1)))
        {
            Assert.AreEqual(epoch.ToString(CultureInfo.InvariantCulture), row[0]);
            Assert.AreEqual("200", row[2], "random-dynamic at 0.5 of 400 trains 200 samples an epoch");
            Assert.AreEqual("200", row[3], "forwarded: the trained samples, no refresh pass");
            Assert.AreEqual("0", row[4], "nothing through a proxy");
            var accuracy = double.Parse(row[7], CultureInfo.InvariantCulture);
            Assert.IsTrue(accuracy is >= 0 and <= 1, $"accuracy {accuracy}");
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        var s = summary.RootElement;
        Assert.AreEqual("completed", s.GetProperty("status").GetString());
        Assert.AreEqual(2, s.GetProperty("epochsCompleted").GetInt32());
        Assert.AreEqual(400, s.GetProperty("samplesTrained").GetInt64());
        Assert.AreEqual(0.5, s.GetProperty("effectiveKeepFraction").GetDouble(), 1e-9);
        Assert.IsGreaterThan(0.5, s.GetProperty("finalTestAccuracy").GetDouble(), "four well separated clusters are learnable in two epochs");

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        var policy = config.RootElement.GetProperty("run").GetProperty("policy");
        Assert.AreEqual("random-dynamic", policy.GetProperty("name").GetString());
        Assert.AreEqual(0.5, policy.GetProperty("options").GetProperty("keepFraction").GetDouble());
    }

    [TestMethod]
    public void FreedTensorMemoryIsKeptForReuseUnlessTurnedOffAndTheResultsAreTheSame()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, model: "cnn", policy: "dynams", policyOptions: """{ "KeepFraction": 0.5, "Q0": 1 }""");

        var kept = HostProcess.Run(work.Path, "--Run:OutputDirectory=kept");
        var returned = HostProcess.Run(work.Path, "--Run:OutputDirectory=returned", "--Runtime:MemoryReuse=false");

        Assert.AreEqual(0, kept.ExitCode, kept.ToString());
        Assert.AreEqual(0, returned.ExitCode, returned.ToString());
        if (OperatingSystem.IsLinux()) StringAssert.Contains(kept.Output, "memory: freed buffers kept for reuse (mmap threshold 1 GiB, no trimming)", kept.ToString());
        StringAssert.Contains(returned.Output, "memory: the C library's defaults (Runtime:MemoryReuse=false)", returned.ToString());
        ResumeTests.AssertSameRun(ResumeTests.RunFolderOf(work, "kept", kept), ResumeTests.RunFolderOf(work, "returned", returned), "memory reuse on and off");
    }

    [TestMethod]
    public void TwoRunsNeverShareAFolder()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        Assert.AreEqual(0, HostProcess.Run(work.Path, "--Run:Epochs=1").ExitCode);
        Assert.AreEqual(0, HostProcess.Run(work.Path, "--Run:Epochs=1").ExitCode);

        Assert.HasCount(2, Directory.GetDirectories(work.Combine("runs")));
    }

    [TestMethod]
    public void CommandLineOverridesTheFile()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        var result = HostProcess.Run(work.Path, "--Run:Policy:Name=full", "--Run:Policy:Options:KeepFraction=", "--Run:Epochs", "1");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var rows = File.ReadAllLines(Path.Combine(Directory.GetDirectories(work.Combine("runs")).Single(), "metrics.csv"));
        Assert.HasCount(2, rows);
        Assert.AreEqual("400", rows[1].Split(',')[2], "full trains every sample");
    }

    [TestMethod]
    public void AnOverrideWithItsValueAsTheNextArgumentMayComeFirst()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        // "1" follows an option, so it is that option's value, not the run command's target.
        var result = HostProcess.Run(work.Path, "--Run:Epochs", "1", "--Run:Policy:Name", "full", "--Run:Policy:Options:KeepFraction=");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var rows = File.ReadAllLines(Path.Combine(Directory.GetDirectories(work.Combine("runs")).Single(), "metrics.csv"));
        Assert.HasCount(2, rows);
        Assert.AreEqual("400", rows[1].Split(',')[2], "full trains every sample");
    }

    [TestMethod]
    public void OptionsThatDoNotFitTheRunAreAConfigurationErrorUnderTheirKey()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        var result = HostProcess.Run(work.Path, "--Run:Policy:Options:Warmup=2");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error,
            "error: Run:Policy:Options: random-dynamic: Warmup (2) + Anneal (0) must be less than the run's 2 epochs, or no epoch is ever pruned" + Environment.NewLine,
            result.ToString());
        Assert.IsFalse(Directory.Exists(work.Combine("runs")), "nothing ran");
    }

    [TestMethod]
    public void SwitchingPluginsIgnoresTheOldPluginsOptionsWithOneWarning()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        var result = HostProcess.Run(work.Path, "--Run:Policy:Name=full");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var warnings = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, warnings, result.ToString());
        StringAssert.StartsWith(warnings[0], "warning: Run:Policy:Options:KeepFraction is ignored: it is an option of policy ");
        StringAssert.Contains(warnings[0], "'random-dynamic'");
        StringAssert.Contains(warnings[0], "not of the chosen 'full'");
        var rows = File.ReadAllLines(Path.Combine(Directory.GetDirectories(work.Combine("runs")).Single(), "metrics.csv"));
        Assert.AreEqual("400", rows[1].Split(',')[2], "full trains every sample");
    }

    [TestMethod]
    public void AnOptionNoPluginDeclaresIsStillRefusedWithItsSuggestionAlone()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        var result = HostProcess.Run(work.Path, "--Run:Policy:Options:KepFraction=0.2");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, "one line: the key and its suggestion, no advice about other plugins\n" + result);
        StringAssert.StartsWith(lines[0], "error: Run:Policy:Options:KepFraction: unknown key (did you mean 'KeepFraction'?); valid keys here: ", result.ToString());
    }

    [TestMethod]
    public void MisspelledKeyIsRefusedByName()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        var result = HostProcess.Run(work.Path, "--Run:Epoch=3");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "Run:Epoch: unknown key (did you mean 'Epochs'?)", result.ToString());
        Assert.IsFalse(Directory.Exists(work.Combine("runs")), "nothing runs on a bad configuration");
    }

    [TestMethod]
    public void PluginOptionOutOfRangeIsRefusedByKey()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, policyOptions: """{ "KeepFraction": 1.5 }""");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "Run:Policy:Options:KeepFraction", result.ToString());
    }

    [TestMethod]
    public void UnknownPluginNameListsTheAvailableOnes()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, policy: "randm-dynamic", policyOptions: "{}");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "Run:Policy:Name: unknown policy plugin 'randm-dynamic'", result.ToString());
        StringAssert.Contains(result.Error, "available policy plugins: dynams, epsilon-greedy, full, infobatch, random-dynamic, static-random, static-score, ucb", result.ToString());
    }

    [TestMethod]
    public void WithoutThePoliciesFolderTheRunNamesTheMissingPolicy()
    {
        using var work = new TempFolder();
        var plugins = work.Combine("plugins");
        foreach (var folder in Directory.GetDirectories(TestPaths.PluginsDirectory).Where(f => !f.EndsWith("Policies", StringComparison.Ordinal)))
            TempFolder.CopyDirectory(folder, Path.Combine(plugins, Path.GetFileName(folder)));
        HostProcess.WriteConfig(work.Path, pluginsDirectory: "plugins");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "unknown policy plugin 'random-dynamic'", result.ToString());
        StringAssert.Contains(result.Error, "no policy plugin is loaded", result.ToString());
    }

    [TestMethod]
    public void PluginListingShowsAllFourKinds()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        var result = HostProcess.Run(work.Path, "plugins");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        foreach (var expected in new[] { "model:", "dataset:", "scorer:", "policy:", "cnn", "mlp", "fashion-mnist", "mnist", "synthetic", "loss", "full", "random-dynamic", "KeepFraction=0.5" })
            StringAssert.Contains(result.Output, expected, result.ToString());
    }

    [TestMethod]
    public void APolicyDroppedIntoThePluginsFolderTrains()
    {
        using var work = new TempFolder();
        var plugins = work.Combine("plugins");
        TempFolder.CopyDirectory(TestPaths.PluginsDirectory, plugins);
        TempFolder.CopyDirectory(TestPaths.FixturePlugin("Winnow.Fixtures.Plugins"), Path.Combine(plugins, "Winnow.Fixtures.Plugins"));
        HostProcess.WriteConfig(work.Path, policy: "first-half", policyOptions: "{}", pluginsDirectory: "plugins");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var rows = File.ReadAllLines(Path.Combine(Directory.GetDirectories(work.Combine("runs")).Single(), "metrics.csv"));
        Assert.AreEqual("200", rows[1].Split(',')[2], "the fixture policy trains the first half of 400 samples");
    }

    [TestMethod]
    public void CorruptDataFileIsNamedAndNothingTrains()
    {
        using var work = new TempFolder();
        var data = Directory.CreateDirectory(work.Combine("data")).FullName;
        foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
            File.WriteAllBytes(Path.Combine(data, name), [0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1]);
        HostProcess.WriteConfig(work.Path, dataset: "fashion-mnist", datasetOptions: """{ "Path": "data" }""");

        var result = HostProcess.Run(work.Path);

        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "dataset 'fashion-mnist' cannot be read", result.ToString());
        StringAssert.Contains(result.Error, Path.Combine(data, "train-"), result.ToString());
        Assert.IsFalse(Directory.Exists(work.Combine("runs")), "no run folder for a run that never started");
    }

    [TestMethod]
    public void AskingForCudaWithoutOneIsRefusedBeforeTraining()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path);

        var result = HostProcess.Run(work.Path, "--Run:Device=cuda");

        if (result.ExitCode == 0) Assert.Inconclusive("this machine has CUDA");
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "Run:Device", result.ToString());
    }
}
