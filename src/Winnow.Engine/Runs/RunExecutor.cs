using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Training;

namespace Winnow.Engine.Runs;

/// <summary>Runs one configured training run end to end and leaves its run folder behind.</summary>
public static class RunExecutor
{
    /// <param name="baseDirectory">The configuration file's folder: relative paths start there.</param>
    /// <param name="log">Where the run's set-up lines go (device, data, folder).</param>
    public static (RunFolder Folder, RunSummary Summary) Execute(WinnowSettings settings, PluginCatalog catalog, string baseDirectory,
        IRunObserver observer, TextWriter log, CancellationToken cancel = default)
    {
        var run = settings.Run;
        if (run.Nesterov && run.Momentum <= 0)
            throw new ConfigurationError("Run:Nesterov: Nesterov momentum needs Run:Momentum > 0 (set Run:Nesterov=false or a momentum)");
        if (run.MinLearningRate > run.LearningRate)
            throw new ConfigurationError($"Run:MinLearningRate ({run.MinLearningRate}) must not exceed Run:LearningRate ({run.LearningRate})");

        var started = DateTimeOffset.Now;
        var wall = Stopwatch.StartNew();
        var device = Devices.Resolve(run.Device);
        var threads = Devices.SetThreads(run.Threads);
        // Names and options are all checked before the data is read.
        RunComposer.Choose(run, catalog);
        using var composed = RunComposer.Create(run, catalog, baseDirectory);
        composed.Model.to(device);
        log.WriteLine($"data: {composed.Data.Train.Count} train / {composed.Data.Test.Count} test samples of shape [{string.Join(", ", composed.Data.SampleShape)}], {composed.Data.ClassNames.Count} classes");
        log.WriteLine($"device: {device.type.ToString().ToLowerInvariant()}, {threads} threads; seed {run.Seed}");
        foreach (var note in composed.Notes) log.WriteLine(note);

        var outputRoot = Path.GetFullPath(run.OutputDirectory, baseDirectory);
        var folder = RunFolder.Create(outputRoot, $"{composed.DatasetPlugin.Entry.Name}-{composed.ModelPlugin.Entry.Name}-{composed.PolicyName}");
        folder.WriteConfig(Resolved(settings, composed, device, threads));
        log.WriteLine($"run folder: {folder.Path}");

        var epochs = new List<EpochMetrics>();
        var selection = new SelectionRecord(folder, LabelsOf(composed.Data.Train), composed.Data.ClassNames.Count);
        RunSummary Summary(string status, string? error) => Summarise(folder, settings, composed, device, threads, epochs, status, error, started, wall.Elapsed.TotalSeconds);
        try
        {
            var trainer = new Trainer(run, composed, device);
            trainer.Train(observer, (m, plan) =>
            {
                epochs.Add(m);
                folder.AppendMetrics(m);
                selection.Add(m.Epoch, plan);
            }, cancel);
        }
        catch (Exception e)
        {
            selection.WriteCounts();
            folder.WriteSummary(Summary("failed", e.Message));
            throw;
        }
        selection.WriteCounts();
        var summary = Summary("completed", null);
        folder.WriteSummary(summary);
        return (folder, summary);
    }

    private static int[] LabelsOf(LabeledData split) => split.Labels.to_type(torch.ScalarType.Int32).data<int>().ToArray();

    private static object Resolved(WinnowSettings settings, ComposedRun run, TorchSharp.torch.Device device, int threads)
    {
        var r = settings.Run;
        object Plugin(ChosenPlugin p) => new { p.Entry.Name, Assembly = p.Entry.AssemblyPath, p.Entry.ContractVersion, p.Options };
        return new
        {
            Plugins = new { settings.Plugins.Directory },
            Run = new
            {
                r.Epochs, r.BatchSize, r.EvalBatchSize, r.LearningRate, r.MinLearningRate, r.Momentum, r.Nesterov, r.WeightDecay,
                r.Device, ResolvedDevice = device.type.ToString().ToLowerInvariant(), r.Threads, ResolvedThreads = threads, r.Seed, r.OutputDirectory,
                Model = Plugin(run.ModelPlugin),
                Dataset = Plugin(run.DatasetPlugin),
                Scorer = Plugin(run.ScorerPlugin),
                Policy = Plugin(run.PolicyPlugin),
                PolicyNeeds = run.Needs,
                run.ProxyEnabled,
            },
        };
    }

    private static RunSummary Summarise(RunFolder folder, WinnowSettings settings, ComposedRun run, TorchSharp.torch.Device device, int threads,
        List<EpochMetrics> epochs, string status, string? error, DateTimeOffset started, double wallSeconds)
    {
        var best = epochs.MaxBy(e => e.TestAccuracy);
        long trained = epochs.Sum(e => (long)e.SamplesTrained);
        var n = run.Data.Train.Count;
        return new RunSummary
        {
            RunId = folder.Id,
            Status = status,
            Error = error,
            Model = run.ModelPlugin.Entry.Name,
            Dataset = run.DatasetPlugin.Entry.Name,
            Scorer = run.ScorerName,
            Policy = run.PolicyName,
            Device = device.type.ToString().ToLowerInvariant(),
            Threads = threads,
            Seed = settings.Run.Seed,
            EpochsPlanned = settings.Run.Epochs,
            EpochsCompleted = epochs.Count,
            TrainSamples = n,
            TestSamples = run.Data.Test.Count,
            FinalTestAccuracy = epochs.LastOrDefault()?.TestAccuracy,
            FinalTestLoss = epochs.LastOrDefault()?.TestLoss,
            BestTestAccuracy = best?.TestAccuracy,
            BestEpoch = best?.Epoch,
            SamplesTrained = trained,
            SamplesForwarded = epochs.Sum(e => e.SamplesForwarded),
            ProxyForwarded = epochs.Sum(e => e.ProxyForwarded),
            NominalKeepFraction = run.Policy.NominalKeepFraction,
            EffectiveKeepFraction = epochs.Count == 0 ? null : (double)trained / ((long)n * epochs.Count),
            TrainSeconds = epochs.Sum(e => e.TrainSeconds),
            ScoringSeconds = epochs.Sum(e => e.ScoringSeconds),
            SelectingSeconds = epochs.Sum(e => e.SelectingSeconds),
            EvaluatingSeconds = epochs.Sum(e => e.EvaluatingSeconds),
            WallSeconds = wallSeconds,
            StartedAt = started,
            EndedAt = DateTimeOffset.Now,
        };
    }
}
