using System.Globalization;
using System.Text.Json;

namespace Winnow.Tests.Integration;

/// <summary>Every policy through the real host: it trains, reports its cost, and its selection record adds up.</summary>
[TestClass]
public sealed class PolicyRunTests
{
    private const int TrainSize = 400;
    private const int Epochs = 3;

    [TestMethod]
    [DataRow("full", "{}", "loss")]
    [DataRow("random-dynamic", """{ "KeepFraction": 0.3, "Cover": true }""", "loss")]
    [DataRow("static-random", """{ "KeepFraction": 0.3 }""", "loss")]
    [DataRow("static-score", """{ "KeepFraction": 0.3, "ScoringEpochs": 1, "Scorer": "grand" }""", "grand")]
    [DataRow("epsilon-greedy", """{ "KeepFraction": 0.3 }""", "loss")]
    [DataRow("ucb", """{ "KeepFraction": 0.3 }""", "loss")]
    [DataRow("dynams", """{ "KeepFraction": 0.3, "Q0": 1 }""", "margin")]
    [DataRow("infobatch", """{ "KeepFraction": 0.3, "Delta": 0.6 }""", "loss")]
    public void EveryPolicyTrainsAndItsSelectionRecordAddsUp(string policy, string options, string scorer)
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, model: "cnn", policy: policy, policyOptions: options, epochs: Epochs);

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var run = Directory.GetDirectories(work.Combine("runs")).Single();
        using var summaryJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        var summary = summaryJson.RootElement;
        Assert.AreEqual("completed", summary.GetProperty("status").GetString());
        Assert.AreEqual(scorer, summary.GetProperty("scorer").GetString(), "the scorer the policy ranks by");
        var trained = summary.GetProperty("samplesTrained").GetInt64();
        Assert.AreEqual((double)trained / (TrainSize * Epochs), summary.GetProperty("effectiveKeepFraction").GetDouble(), 1e-9);
        Assert.AreEqual(policy == "full" ? 1.0 : 0.3, summary.GetProperty("nominalKeepFraction").GetDouble(), 1e-9);
        foreach (var part in new[] { "trainSeconds", "scoringSeconds", "selectingSeconds", "evaluatingSeconds" })
            Assert.IsGreaterThanOrEqualTo(0.0, summary.GetProperty(part).GetDouble(), part);
        Assert.IsGreaterThanOrEqualTo(trained, summary.GetProperty("samplesForwarded").GetInt64(), "every trained sample was forwarded");

        var counts = File.ReadAllLines(Path.Combine(run, "selection-counts.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.HasCount(TrainSize, counts);
        Assert.AreEqual(trained, counts.Sum(c => long.Parse(c[2], CultureInfo.InvariantCulture)), "the per-sample counts add up to the samples back-propagated");

        var epochs = File.ReadAllLines(Path.Combine(run, "selection.csv"));
        Assert.HasCount(Epochs + 1, epochs);
        StringAssert.StartsWith(epochs[0], "epoch,selected,weighted,distinct_so_far,never_selected_share,class_0,class_1,class_2,class_3");
        foreach (var row in epochs.Skip(1).Select(l => l.Split(',')))
        {
            var selected = int.Parse(row[1], CultureInfo.InvariantCulture);
            Assert.AreEqual(selected, row.Skip(5).Sum(v => int.Parse(v, CultureInfo.InvariantCulture)), "the class balance covers the plan");
        }

        if (policy == "dynams")
            Assert.IsGreaterThan(0, summary.GetProperty("proxyForwarded").GetInt64(), "dynams refreshes margins through the proxy");
        if (policy == "static-score")
            Assert.IsGreaterThan(trained, summary.GetProperty("samplesForwarded").GetInt64(), "the scoring pass forwards every sample once more");
        if (policy == "infobatch")
            Assert.IsGreaterThan(0.3, summary.GetProperty("effectiveKeepFraction").GetDouble(), "InfoBatch keeps every above-mean sample: it saves less than its nominal ratio");
    }

    [TestMethod]
    public void AScorerThatContradictsThePolicyIsRefused()
    {
        using var work = new TempFolder();
        HostProcess.WriteConfig(work.Path, policy: "dynams", policyOptions: "{}", scorer: "loss");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "Run:Scorer:Name: policy 'dynams' ranks samples by 'margin', but the scorer is set to 'loss'", result.ToString());
    }

    [TestMethod]
    public void AModelWithoutAProxyFallsBackToFullRefreshesWithANote()
    {
        using var work = new TempFolder();
        WithFixturePlugins(work);
        HostProcess.WriteConfig(work.Path, model: "linear", policy: "dynams", policyOptions: """{ "Q0": 1 }""", pluginsDirectory: "plugins");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "proxy: model 'linear' cannot slice itself; policy 'dynams' refreshes through the full model instead", result.ToString());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory.GetDirectories(work.Combine("runs")).Single(), "summary.json")));
        Assert.AreEqual(0, summary.RootElement.GetProperty("proxyForwarded").GetInt64());
        Assert.IsGreaterThan(summary.RootElement.GetProperty("samplesTrained").GetInt64(), summary.RootElement.GetProperty("samplesForwarded").GetInt64(),
            "the margins were refreshed through the full model");
    }

    [TestMethod]
    public void AScorerThatNeedsFeaturesIsRefusedForAModelWithout()
    {
        using var work = new TempFolder();
        WithFixturePlugins(work);
        HostProcess.WriteConfig(work.Path, model: "linear", policy: "full", policyOptions: "{}", scorer: "grand", pluginsDirectory: "plugins");

        var result = HostProcess.Run(work.Path);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "scorer 'grand' needs penultimate features, which model 'linear' does not give", result.ToString());
    }

    private static void WithFixturePlugins(TempFolder work)
    {
        TempFolder.CopyDirectory(TestPaths.PluginsDirectory, work.Combine("plugins"));
        TempFolder.CopyDirectory(TestPaths.FixturePlugin("Winnow.Fixtures.Plugins"), work.Combine("plugins", "Winnow.Fixtures.Plugins"));
    }
}
