using System.Text.Json;
using System.Text.RegularExpressions;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Runs;
using Winnow.Engine.Training;
using Winnow.Plugins.Datasets;
using Winnow.Plugins.Models;
using Winnow.Plugins.Policies;
using Winnow.Plugins.Scorers;
using Winnow.Tests.Integration;

namespace Winnow.Tests.Reliability;

/// <summary>A NaN or infinite loss: by default it stops the run naming the epoch and step and keeps the last good checkpoint, from
/// which <c>resume</c> continues exactly; with <c>Run:NonFiniteLoss=skip</c> the bad batch is skipped, counted and reported.</summary>
[TestClass]
public sealed partial class NumericalFaultTests
{
    [GeneratedRegex(@"error: the (?:training loss became \S+ in epoch (?<epoch>\d+), step (?<step>\d+) of \d+|test loss became \S+ after training epoch (?<epoch>\d+))")]
    private static partial Regex Fault();

    [TestMethod]
    public void ADivergingRunStopsWithEpochAndStepAndKeepsTheLastGoodCheckpoint()
    {
        using var work = new TempFolder();
        // The learning rate warms up towards 50 over the run: the first epoch is sane, a later one overflows.
        FaultHost.WriteConfig(work.Path, epochs: 6, extra: """ "LearningRate": 50, "Schedule": "constant", "WarmupEpochs": 6, "Momentum": 0, "Nesterov": false, """);

        var first = FaultHost.Run(work.Path);

        Assert.AreEqual(1, first.ExitCode, first.ToString());
        var fault = Fault().Match(first.Error);
        Assert.IsTrue(fault.Success, $"the message names the epoch (and step): {first}");
        var epoch = int.Parse(fault.Groups["epoch"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsGreaterThanOrEqualTo(2, epoch, $"the fixture must diverge after a good epoch: {first}");
        var folder = FaultHost.OnlyRunFolder(work.Combine("runs"));
        var kept = epoch - 1;
        StringAssert.Contains(first.Error, $"{folder} keeps epoch{(kept == 1 ? " 1" : $"s 1-{kept}")} and the checkpoint after epoch {kept}: continue with winnow resume {folder}", first.ToString());

        FaultHost.AssertReadable(folder, "after the fault");
        using (var pointer = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "checkpoint.json"))))
            Assert.AreEqual(kept, pointer.RootElement.GetProperty("epoch").GetInt32(), "the checkpoint is the last good epoch's");
        Assert.HasCount(kept, FaultHost.Column(folder, "metrics.csv", "epoch"), "metrics.csv holds the good epochs only");
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json"))))
        {
            Assert.AreEqual("failed", summary.RootElement.GetProperty("status").GetString());
            Assert.AreEqual(kept, summary.RootElement.GetProperty("epochsCompleted").GetInt32());
            StringAssert.Contains(summary.RootElement.GetProperty("error").GetString(), $"epoch {epoch}");
        }

        // Resuming continues from exactly that state: the same fault at the same epoch and step.
        var again = FaultHost.Run(work.Path, "resume", folder);
        Assert.AreEqual(1, again.ExitCode, again.ToString());
        StringAssert.Contains(again.Output, $"resuming {folder} after epoch {kept} of 6", again.ToString());
        Assert.AreEqual(fault.Value, Fault().Match(again.Error).Value, again.ToString());

        // The skip option may be switched on when resuming. Here the weights themselves diverge, which skipping cannot mend:
        // batches are skipped and reported, and the run still ends with a clear message and the good checkpoint kept.
        var skipping = FaultHost.Run(work.Path, "resume", folder, "--Run:NonFiniteLoss=skip");
        StringAssert.Contains(skipping.Output, $"resuming {folder} after epoch {kept} of 6", skipping.ToString());
        Assert.DoesNotContain("Unhandled exception", skipping.Error, skipping.ToString());
        if (skipping.ExitCode != 0)
        {
            Assert.AreEqual(1, skipping.ExitCode, skipping.ToString());
            StringAssert.Contains(skipping.Error, "continue with winnow resume", skipping.ToString());
            FaultHost.AssertReadable(folder, "after the skipping resume");
        }
    }

    private sealed class Recorder : IRunObserver
    {
        public List<(int Epoch, int Step, string Reason)> Skipped { get; } = [];

        public List<EpochMetrics> Epochs { get; } = [];

        public void BatchSkipped(int epoch, int step, int steps, string reason) => Skipped.Add((epoch, step, reason));

        public void EpochCompleted(EpochEnd end)
        {
            Epochs.Add(end.Metrics);
            OnEpoch?.Invoke();
        }

        public Action? OnEpoch { get; init; }
    }

    /// <summary>64 synthetic samples of which sample 5 is +infinity in every element, the model, the loss scorer and full data.</summary>
    private static ComposedRun PoisonedRun(int seed)
    {
        static ChosenPlugin Chosen(PluginKind kind, string name, IPlugin plugin, object options) =>
            new(new PluginEntry(kind, name, name, PluginContract.Version, "(in-process)", plugin.GetType(), () => plugin), plugin, options);

        var data = ((IDatasetPlugin)new SyntheticDatasetPlugin()).Open(new SyntheticOptions { TrainSize = 64, TestSize = 32 }, new DatasetContext(Path.GetTempPath(), seed));
        data.Train.Inputs[5].fill_(float.PositiveInfinity);
        torch.manual_seed(seed);
        var modelOptions = new MlpOptions { HiddenUnits = 16, HiddenLayers = 1 };
        var network = ((IModelPlugin)new MlpPlugin()).Create(modelOptions, new ModelSpec(data.SampleShape, data.ClassNames.Count));
        IScorerPlugin scorer = new LossScorerPlugin();
        IPolicyPlugin policy = new FullPolicyPlugin();
        return new ComposedRun(
            Chosen(PluginKind.Model, "mlp", new MlpPlugin(), modelOptions),
            Chosen(PluginKind.Dataset, "synthetic", new SyntheticDatasetPlugin(), new SyntheticOptions()),
            Chosen(PluginKind.Scorer, "loss", scorer, new NoOptions()),
            Chosen(PluginKind.Policy, "full", policy, new NoOptions()),
            network, data, scorer.Create(new NoOptions(), new ScorerContext(64)), policy.Create(new NoOptions(), new PolicyContext(64, 3, seed)),
            PolicyNeeds.Default, proxyEnabled: false, notes: [], ownsData: true);
    }

    private static bool Finite(ComposedRun run)
    {
        using var scope = torch.NewDisposeScope();
        return run.Model.parameters().All(p => p.isfinite().all().item<bool>());
    }

    [TestMethod]
    public void SkippingABadBatchCountsItAndTrainsOnTheRest()
    {
        var settings = new RunSettings { Epochs = 3, BatchSize = 16, LearningRate = 0.05, NonFiniteLoss = NonFiniteLossChoice.Skip, Seed = 3 };
        using var run = PoisonedRun(settings.Seed);
        using var trainer = new Trainer(settings, run, torch.CPU);
        var recorder = new Recorder();
        var epochs = recorder.Epochs;

        trainer.Train(recorder);

        Assert.HasCount(3, epochs);
        foreach (var m in epochs)
        {
            Assert.AreEqual(1, m.SkippedBatches, $"epoch {m.Epoch}: the one batch holding the poisoned sample");
            Assert.AreEqual(16, m.SkippedSamples, $"epoch {m.Epoch}");
            Assert.IsTrue(double.IsFinite(m.TrainLoss) && double.IsFinite(m.TestLoss!.Value), $"epoch {m.Epoch}: {m}");
            Assert.AreEqual(64, m.SamplesTrained, "the plan's size is still what the policy chose");
        }
        Assert.HasCount(3, recorder.Skipped);
        Assert.IsTrue(recorder.Skipped.All(s => s.Reason.Contains("NaN", StringComparison.Ordinal)), string.Join("; ", recorder.Skipped));
        Assert.IsTrue(Finite(run), "no bad batch reached the weights");
        Assert.AreEqual(0, trainer.Scores.TimesObserved[5], "a skipped batch gives no scores");
        for (var i = 0; i < 64; i++)
            if (trainer.Scores.TimesObserved[i] > 0) Assert.IsTrue(float.IsFinite(trainer.Scores.Latest[i]), $"sample {i}: the score board took no NaN");
        CollectionAssert.AreEqual(new[] { "1", "16" }, epochs[0].ToCsv().Split(',')[12..14], "skipped_batches and skipped_samples");
    }

    [TestMethod]
    public void StoppingOnABadBatchNamesItsEpochAndStepAndLeavesTheWeightsUntouched()
    {
        var skipSettings = new RunSettings { Epochs = 1, BatchSize = 16, NonFiniteLoss = NonFiniteLossChoice.Skip, Seed = 3 };
        int badStep;
        using (var run = PoisonedRun(skipSettings.Seed))
        using (var trainer = new Trainer(skipSettings, run, torch.CPU))
        {
            var recorder = new Recorder();
            trainer.Train(recorder);
            badStep = recorder.Skipped.Single().Step;
        }

        var stopSettings = new RunSettings { Epochs = 1, BatchSize = 16, Seed = 3 };
        using var stopped = PoisonedRun(stopSettings.Seed);
        using var stopping = new Trainer(stopSettings, stopped, torch.CPU);
        var error = Assert.ThrowsExactly<TrainingError>(() => stopping.Train(new Recorder { OnEpoch = () => Assert.Fail("no epoch may finish") }));

        StringAssert.StartsWith(error.Message, $"the training loss became NaN in epoch 1, step {badStep} of 4;");
        StringAssert.Contains(error.Message, "Run:NonFiniteLoss=skip");
        Assert.IsTrue(Finite(stopped), "the loss is judged before the backward pass: the weights are those of the last good step");
    }

    [TestMethod]
    public void TheSkipOptionMayBeChangedWhenResumingAndNothingElse()
    {
        Assert.Contains("Run:NonFiniteLoss", SavedSettings.ResumableKeys);
        Assert.AreEqual(NonFiniteLossChoice.Stop, new RunSettings().NonFiniteLoss, "stopping is the default");
    }
}
