using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Plugins;
using Winnow.Engine.Sweeps;
using Winnow.Engine.Training;

namespace Winnow.Engine.Runs;

/// <summary>Runs one configured training run end to end, or continues one from its last checkpoint, and leaves its run folder behind.</summary>
public static class RunExecutor
{
    /// <summary>Starts a new run in a new folder under <c>Run:OutputDirectory</c>.</summary>
    /// <param name="saved">The effective configuration and the folder relative paths start from, kept in the run folder so that
    /// <see cref="Resume"/> rebuilds the same run.</param>
    /// <param name="log">Where the run's set-up lines go (device, data, folder).</param>
    /// <param name="datasets">Data kept open across the runs of a sweep; null opens the data for this run only.</param>
    public static (RunFolder Folder, RunSummary Summary) Start(WinnowSettings settings, SavedSettings saved, PluginCatalog catalog,
        IRunObserver observer, TextWriter log, CancellationToken cancel = default, DatasetCache? datasets = null) =>
        Execute(settings, catalog, saved.BaseDirectory, observer, log, cancel, datasets, composed =>
        {
            var root = Path.GetFullPath(settings.Run.OutputDirectory, saved.BaseDirectory);
            var folder = RunFolder.Create(root, $"{composed.DatasetPlugin.Name}-{composed.ModelPlugin.Name}-{composed.PolicyName}");
            IDisposable held;
            try
            {
                // Held until the run ends: a second process (a resume of this folder) is refused instead of writing into it.
                held = folder.Lock();
            }
            catch (IOException)
            {
                folder.Discard();
                throw;
            }
            WriteFirst(folder, held, () => saved.Write(folder));
            return (folder, null, held);
        });

    /// <summary>Continues <paramref name="folder"/> from its last checkpoint, with the settings it was started with.</summary>
    /// <param name="datasets">Data kept open across the runs of a sweep; null opens the data for this run only.</param>
    public static (RunFolder Folder, RunSummary Summary) Resume(RunFolder folder, WinnowSettings settings, SavedSettings saved, PluginCatalog catalog,
        IRunObserver observer, TextWriter log, CancellationToken cancel = default, DatasetCache? datasets = null)
    {
        // Taken before the checkpoint is read: a process still training this folder moves its checkpoint on under a reader.
        var held = folder.Lock();
        try
        {
            var checkpoint = new Checkpoint(folder.Path).Latest()
                ?? throw new InvalidDataException($"{folder.Path} has no checkpoint to resume from (it stopped before its first epoch ended); start the run again");
            return Execute(settings, catalog, saved.BaseDirectory, observer, log, cancel, datasets, _ => (folder, checkpoint, held));
        }
        finally
        {
            held.Dispose();
        }
    }

    private static (RunFolder Folder, RunSummary Summary) Execute(WinnowSettings settings, PluginCatalog catalog, string baseDirectory,
        IRunObserver observer, TextWriter log, CancellationToken cancel, DatasetCache? datasets, Func<ComposedRun, (RunFolder Folder, string? Checkpoint, IDisposable Lock)> open)
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
        using var composed = RunComposer.Create(run, catalog, baseDirectory, datasets);
        composed.Model.to(device);
        log.WriteLine($"data: {composed.Data.Train.Count} train / {composed.Data.Test.Count} test samples of shape [{string.Join(", ", composed.Data.SampleShape)}], {composed.Data.ClassNames.Count} classes");
        log.WriteLine($"device: {device.type.ToString().ToLowerInvariant()}, {threads} threads; seed {run.Seed}");
        if (NativeMemory.Description.Length > 0) log.WriteLine(NativeMemory.Description);
        foreach (var note in composed.Notes) log.WriteLine(note);

        var (folder, checkpointToResume, folderLock) = open(composed);
        // Held until the run ends: a second process (another resume of this folder) is refused instead of writing into it.
        using var held = folderLock;
        using var trainer = new Trainer(run, composed, device);
        var epochs = new List<EpochMetrics>();
        var wallBefore = 0.0;
        var checkpoint = new Checkpoint(folder.Path);
        if (checkpointToResume is null)
        {
            WriteFirst(folder, held, () => folder.WriteConfig(Resolved(settings, composed, device, threads)));
            log.WriteLine($"run folder: {folder.Path}");
        }
        else
        {
            var state = RestoreFrom(trainer, checkpointToResume);
            epochs.AddRange(state.Epochs);
            wallBefore = state.WallSeconds;
            // A kill between writing an epoch's rows and committing its checkpoint leaves rows the checkpoint does not know.
            folder.KeepCsvRows(folder.MetricsCsv, epochs.Count);
            folder.KeepCsvRows(Path.Combine(folder.Path, "selection.csv"), epochs.Count);
            log.WriteLine($"resuming {folder.Path} after epoch {trainer.CompletedEpochs} of {run.Epochs}");
        }

        var selection = new SelectionRecord(folder, RunComposer.LabelsOf(composed.Data.Train), composed.Data.ClassNames.Count);
        RunSummary Summary(string status, string? error) =>
            Summarise(folder, settings, composed, device, threads, epochs, status, error, started, wallBefore + wall.Elapsed.TotalSeconds);
        try
        {
            trainer.Train(observer, (m, plan) =>
            {
                try
                {
                    folder.AppendMetrics(m);
                    selection.Add(m.Epoch, plan, trainer.Scores.TimesSelected);
                    List<EpochMetrics> upTo = [.. epochs, m];
                    checkpoint.Commit(m.Epoch, dir =>
                    {
                        trainer.Save(dir);
                        using var s = Checkpoint.Create(dir, Checkpoint.StateFile);
                        JsonSerializer.Serialize(s, new CheckpointState(upTo, wallBefore + wall.Elapsed.TotalSeconds), RunFolder.Json);
                    });
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new IOException($"cannot save epoch {m.Epoch} in {folder.Path}: {RunFolder.Reason(e)}", e);
                }
                // Counted as finished only once its checkpoint is committed, so the summary of a failed run agrees with what resume finds.
                epochs.Add(m);
            }, cancel);
        }
        catch (Exception e)
        {
            var kept = Kept(folder, checkpoint.LatestEpoch(), run.Epochs);
            // The records are written best effort: on a full disk they fail too, and the error to report is the first one.
            var recorded = TryWrite(() =>
            {
                selection.WriteCounts(trainer.Scores.TimesSelected);
                folder.WriteSummary(Summary("failed", e.Message));
            });
            var note = recorded ? kept : kept + " (summary.json could not be written either)";
            throw e switch
            {
                TrainingError => new TrainingError($"{e.Message}. {note}", e),
                PluginError => new PluginError($"{e.Message}. {note}", e),
                IOException => new IOException($"{e.Message}. {note}", e),
                _ => e is OperationCanceledException ? e : Rethrow(e),
            };
        }
        selection.WriteCounts(trainer.Scores.TimesSelected);
        var summary = Summary(trainer.CompletedEpochs < run.Epochs ? "stopped" : "completed", null);
        folder.WriteSummary(summary);
        return (folder, summary);
    }

    /// <summary>Writes one of a new run's first files. When that fails nothing has been trained, so the folder is released and removed
    /// rather than left half-written.</summary>
    private static void WriteFirst(RunFolder folder, IDisposable held, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            held.Dispose();
            folder.Discard();
            throw new IOException($"cannot write the run folder {folder.Path}: {RunFolder.Reason(e)}; nothing was trained and the folder was removed", e);
        }
    }

    // Keeps the original stack trace for exceptions this layer does not reword.
    private static Exception Rethrow(Exception e)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
        return e;
    }

    /// <summary>What a failed run leaves to continue from, in one sentence for the error message.</summary>
    private static string Kept(RunFolder folder, int committed, int epochs) => committed switch
    {
        0 => $"No epoch was saved in {folder.Path}, so there is nothing to resume: start the run again",
        _ when committed >= epochs => $"All {epochs} epochs are saved in {folder.Path}",
        _ => $"{folder.Path} keeps epoch{(committed == 1 ? " 1" : $"s 1-{committed}")} and the checkpoint after epoch {committed}: " +
             $"continue with winnow resume {folder.Path}",
    };

    private static bool TryWrite(Action write)
    {
        try
        {
            write();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Restores the trainer from a checkpoint folder and returns what the checkpoint kept beside the tensors. A file that
    /// cannot be read (changed by hand, a damaged disk) is reported as bad data naming the checkpoint, never as a crash.</summary>
    private static CheckpointState RestoreFrom(Trainer trainer, string checkpoint)
    {
        try
        {
            trainer.Restore(checkpoint);
            return JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(checkpoint, Checkpoint.StateFile)), RunFolder.Json)
                ?? throw new InvalidDataException($"{checkpoint}: {Checkpoint.StateFile} is empty");
        }
        catch (Exception e) when (e is not (InvalidDataException or OperationCanceledException or OutOfMemoryException))
        {
            throw new InvalidDataException($"the checkpoint {checkpoint} cannot be read: {e.Message}", e);
        }
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
                r.OutputDirectory, r.NonFiniteLoss,
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
            SkippedBatches = epochs.Sum(e => (long)e.SkippedBatches),
            SkippedSamples = epochs.Sum(e => (long)e.SkippedSamples),
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
