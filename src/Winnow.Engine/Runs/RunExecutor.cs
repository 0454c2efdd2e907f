using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Training;

namespace Winnow.Engine.Runs;

/// <summary>Runs one configured training run end to end, or continues one from its last checkpoint, and leaves its run folder behind.</summary>
public static class RunExecutor
{
    /// <summary>Starts a new run in a new folder under <c>Run:OutputDirectory</c>.</summary>
    /// <param name="saved">The effective configuration and the folder relative paths start from, kept in the run folder so that
    /// <see cref="Resume"/> rebuilds the same run.</param>
    /// <param name="log">Where the run's set-up lines go (device, data, folder).</param>
    public static (RunFolder Folder, RunSummary Summary) Start(WinnowSettings settings, SavedSettings saved, PluginCatalog catalog,
        IRunObserver observer, TextWriter log, CancellationToken cancel = default) =>
        Execute(settings, catalog, saved.BaseDirectory, observer, log, cancel, composed =>
        {
            var root = Path.GetFullPath(settings.Run.OutputDirectory, saved.BaseDirectory);
            var folder = RunFolder.Create(root, $"{composed.DatasetPlugin.Name}-{composed.ModelPlugin.Name}-{composed.PolicyName}");
            saved.Write(folder);
            return (folder, null);
        });

    /// <summary>Continues <paramref name="folder"/> from its last checkpoint, with the settings it was started with.</summary>
    public static (RunFolder Folder, RunSummary Summary) Resume(RunFolder folder, WinnowSettings settings, SavedSettings saved, PluginCatalog catalog,
        IRunObserver observer, TextWriter log, CancellationToken cancel = default)
    {
        var checkpoint = new Checkpoint(folder.Path).Latest()
            ?? throw new InvalidDataException($"{folder.Path} has no checkpoint to resume from (it stopped before its first epoch ended); start the run again");
        return Execute(settings, catalog, saved.BaseDirectory, observer, log, cancel, _ => (folder, checkpoint));
    }

    private static (RunFolder Folder, RunSummary Summary) Execute(WinnowSettings settings, PluginCatalog catalog, string baseDirectory,
        IRunObserver observer, TextWriter log, CancellationToken cancel, Func<ComposedRun, (RunFolder Folder, string? Checkpoint)> open)
    {
        var run = settings.Run;
        if (run.Nesterov && run.Momentum <= 0 && run.Optimizer == OptimizerChoice.Sgd)
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

        var (folder, checkpointToResume) = open(composed);
        using var trainer = new Trainer(run, composed, device);
        var epochs = new List<EpochMetrics>();
        var wallBefore = 0.0;
        if (checkpointToResume is null)
        {
            folder.WriteConfig(Resolved(settings, composed, device, threads));
            log.WriteLine($"run folder: {folder.Path}");
        }
        else
        {
            trainer.Restore(checkpointToResume);
            var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(checkpointToResume, Checkpoint.StateFile)), RunFolder.Json)
                ?? throw new InvalidDataException($"{checkpointToResume}: {Checkpoint.StateFile} is empty");
            epochs.AddRange(state.Epochs);
            wallBefore = state.WallSeconds;
            // A kill between writing an epoch's rows and committing its checkpoint leaves rows the checkpoint does not know.
            folder.KeepCsvRows(folder.MetricsCsv, epochs.Count);
            folder.KeepCsvRows(Path.Combine(folder.Path, "selection.csv"), epochs.Count);
            log.WriteLine($"resuming {folder.Path} after epoch {trainer.CompletedEpochs} of {run.Epochs}");
        }

        var selection = new SelectionRecord(folder, RunComposer.LabelsOf(composed.Data.Train), composed.Data.ClassNames.Count);
        var checkpoint = new Checkpoint(folder.Path);
        RunSummary Summary(string status, string? error) =>
            Summarise(folder, settings, composed, device, threads, epochs, status, error, started, wallBefore + wall.Elapsed.TotalSeconds);
        try
        {
            trainer.Train(observer, (m, plan) =>
            {
                epochs.Add(m);
                folder.AppendMetrics(m);
                selection.Add(m.Epoch, plan, trainer.Scores.TimesSelected);
                checkpoint.Commit(m.Epoch, dir =>
                {
                    trainer.Save(dir);
                    using var s = Checkpoint.Create(dir, Checkpoint.StateFile);
                    JsonSerializer.Serialize(s, new CheckpointState(epochs, wallBefore + wall.Elapsed.TotalSeconds), RunFolder.Json);
                });
            }, cancel);
        }
        catch (Exception e)
        {
            selection.WriteCounts(trainer.Scores.TimesSelected);
            folder.WriteSummary(Summary("failed", e.Message));
            throw;
        }
        selection.WriteCounts(trainer.Scores.TimesSelected);
        var summary = Summary(trainer.CompletedEpochs < run.Epochs ? "stopped" : "completed", null);
        folder.WriteSummary(summary);
        return (folder, summary);
    }

    /// <summary>What a checkpoint keeps beside the tensors: the finished epochs' metrics and the wall-clock spent so far.</summary>
    private sealed record CheckpointState(List<EpochMetrics> Epochs, double WallSeconds);

    private static object Resolved(WinnowSettings settings, ComposedRun run, torch.Device device, int threads)
    {
        object Plugin(ChosenPlugin p) => new { p.Entry.Name, Assembly = p.Entry.AssemblyPath, p.Entry.ContractVersion, p.Options };
        var r = settings.Run;
        return new
        {
            Plugins = new { settings.Plugins.Directory },
            Run = new
            {
                r.Epochs, r.BatchSize, r.EvalBatchSize, r.Optimizer, r.LearningRate, r.MinLearningRate, r.Schedule, r.WarmupEpochs,
                r.StepEvery, r.StepGamma, r.OneCyclePeak, r.Momentum, r.Nesterov, r.WeightDecay, r.Beta1, r.Beta2, r.LabelSmoothing,
                r.Device, ResolvedDevice = device.type.ToString().ToLowerInvariant(), r.Threads, ResolvedThreads = threads, r.Seed,
                r.OutputDirectory,
                Model = Plugin(run.ModelPlugin),
                Dataset = Plugin(run.DatasetPlugin),
                Augmentation = run.Data.Augmentation?.GetType().Name,
                Scorer = Plugin(run.ScorerPlugin),
                Policy = Plugin(run.PolicyPlugin),
                PolicyNeeds = run.Needs,
                run.ProxyEnabled,
            },
        };
    }

    private static RunSummary Summarise(RunFolder folder, WinnowSettings settings, ComposedRun run, torch.Device device, int threads,
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
            Model = run.ModelPlugin.Name,
            Dataset = run.DatasetPlugin.Name,
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
