using System.Diagnostics;
using TorchSharp;
using Winnow.Engine.Configuration;
using Winnow.Engine.Core;
using Winnow.Engine.Plugins;
using Winnow.Engine.Training;

namespace Winnow.Engine.Runs;

/// <summary>What a run is started with.</summary>
/// <param name="Saved">The effective configuration and the folder relative paths start from, kept in the run folder so that a resume
/// rebuilds the same run.</param>
/// <param name="Observer">Hears of the run's progress (the host prints it).</param>
/// <param name="Log">Where the run's set-up lines go (data, device, folder).</param>
/// <param name="Warnings">Where warnings go, one line each (options ignored because they belong to another plugin).</param>
/// <param name="Datasets">Data kept open across the runs of a sweep; null opens the data for this run only.</param>
public sealed record RunContext(WinnowSettings Settings, SavedSettings Saved, PluginCatalog Catalog, IRunObserver Observer, TextWriter Log,
    TextWriter Warnings, DatasetCache? Datasets = null);

/// <summary>Runs one configured training run end to end, or continues one from its last checkpoint, and leaves its run folder behind.</summary>
public static class RunExecutor
{
    /// <summary>Starts a new run in a new folder under <c>Run:OutputDirectory</c>.</summary>
    public static (RunFolder Folder, RunSummary Summary) Start(RunContext context, CancellationToken cancel = default)
    {
        using var session = Session.Open(context);
        var root = Path.GetFullPath(context.Settings.Run.OutputDirectory, context.Saved.BaseDirectory);
        var composed = session.Composed;
        var folder = RunFolder.Create(root, $"{composed.DatasetPlugin.Name}-{composed.ModelPlugin.Name}-{composed.PolicyName}");
        IDisposable held;
        try
        {
            // Held until the run ends: a second process (a resume of this folder) is refused instead of writing into it.
            held = folder.Lock();
        }
        catch (StorageError)
        {
            folder.Discard();
            throw;
        }
        using (held)
        {
            var saved = context.Saved with { RunId = Guid.NewGuid().ToString("N") };
            WriteFirst(folder, held, () =>
            {
                folder.WriteSettings(saved);
                folder.WriteConfig(session.Resolved());
            });
            context.Log.WriteLine($"run folder: {folder.Path}");
            return (folder, session.Train(folder, saved.RunId!, restored: null, cancel));
        }
    }

    /// <summary>Continues <paramref name="folder"/> from its last checkpoint, with the settings it was started with.</summary>
    public static (RunFolder Folder, RunSummary Summary) Resume(RunFolder folder, RunContext context, CancellationToken cancel = default)
    {
        // Taken before the checkpoint is read: a process still training this folder moves its checkpoint on under a reader.
        using var held = folder.Lock();
        var checkpoint = new Checkpoint(folder).Latest()
            ?? throw new StorageError($"{folder.Path} has no checkpoint to resume from (it stopped before its first epoch ended); start the run again");
        var runId = context.Saved.RunId
            ?? throw new StorageError($"{folder.File(RunFolder.SettingsFile)} has no run id: the folder was made by another version of Winnow, which this one cannot resume; start the run again");
        using var session = Session.Open(context);
        return (folder, session.Train(folder, runId, checkpoint, cancel));
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
            throw new StorageError($"cannot write the run folder {folder.Path}: {Storage.Reason(e)}; nothing was trained and the folder was removed", e);
        }
    }

    /// <summary>One run's live parts: its settings, device and composed plugins, from set-up to summary.</summary>
    private sealed class Session : IDisposable
    {
        private readonly RunContext _context;
        private readonly Stopwatch _wall = Stopwatch.StartNew();
        private readonly DateTimeOffset _started = DateTimeOffset.Now;
        private readonly torch.Device _device;
        private readonly int _threads;

        private Session(RunContext context, torch.Device device, int threads, ComposedRun composed)
        {
            _context = context;
            _device = device;
            _threads = threads;
            Composed = composed;
        }

        public ComposedRun Composed { get; }

        private RunSettings Run => _context.Settings.Run;

        public static Session Open(RunContext context)
        {
            var run = context.Settings.Run;
            RunChecks.Validate(run);
            var device = Devices.Resolve(run.Device);
            var threads = Devices.SetThreads(run.Threads);
            // Names and options are all checked before the data is read.
            var chosen = RunComposer.Choose(run, context.Catalog);
            foreach (var warning in chosen.Warnings) context.Warnings.WriteLine($"warning: {warning}");
            var composed = RunComposer.Create(run, chosen, context.Catalog, context.Saved.BaseDirectory, context.Datasets);
            try
            {
                composed.Model.to(device);
                var data = composed.Data;
                context.Log.WriteLine($"data: {data.Train.Count} train / {data.Test.Count} test samples of shape [{string.Join(", ", data.SampleShape)}], {data.ClassNames.Count} classes");
                context.Log.WriteLine($"device: {device.type.ToString().ToLowerInvariant()}, {threads} threads; seed {run.Seed}");
                if (NativeMemory.Description.Length > 0) context.Log.WriteLine(NativeMemory.Description);
                foreach (var note in composed.Notes) context.Log.WriteLine(note);
                return new Session(context, device, threads, composed);
            }
            catch
            {
                composed.Dispose();
                throw;
            }
        }

        /// <summary>Trains into <paramref name="folder"/> (from <paramref name="restored"/> when resuming) and writes its summary.</summary>
        public RunSummary Train(RunFolder folder, string runId, ICheckpointStore? restored, CancellationToken cancel)
        {
            using var trainer = new Trainer(Run, Composed, _device);
            var state = restored is null ? new CheckpointState(runId, [], 0) : Restore(trainer, restored);
            if (restored is not null)
            {
                if (state.RunId != runId)
                    throw new StorageError($"the checkpoint {restored.Name} belongs to another run ({state.RunId}), not to the run of {folder.Path} ({runId}); " +
                                           "was it copied or linked from another run folder? Nothing was resumed");
                // Every row kept is checked against the checkpoint's own record; rows of an epoch whose checkpoint was never committed go.
                RunRecords.CheckAndTrim(folder, state.Epochs);
                _context.Log.WriteLine($"resuming {folder.Path} after epoch {trainer.CompletedEpochs} of {Run.Epochs}");
            }
            var selection = new SelectionRecord(folder, RunComposer.LabelsOf(Composed.Data.Train), Composed.Data.ClassNames.Count);
            var recorder = new RunRecorder(folder, runId, selection, state.Epochs, () => state.WallSeconds + _wall.Elapsed.TotalSeconds);
            RunSummary Summary(RunStatus status, string? error) =>
                Summarise(folder, recorder.Epochs, status, error, state.WallSeconds + _wall.Elapsed.TotalSeconds);

            TrainingEnd end;
            try
            {
                // A run resumed after it reached its target has nothing left to train.
                end = state.Epochs.Any(m => Trainer.ReachedTarget(Run, m))
                    ? TrainingEnd.TargetReached
                    : trainer.Train(new RunObservers(_context.Observer, recorder), cancel, state.Epochs.LastOrDefault()?.ElapsedSeconds ?? 0);
            }
            catch (Exception e)
            {
                Record(folder, selection, trainer, () => Summary(e is OperationCanceledException ? RunStatus.Stopped : RunStatus.Failed,
                    e is OperationCanceledException ? null : e.Message), out var recorded);
                var note = Kept(folder, recorder.Committed, Run.Epochs) + (recorded ? "" : " (summary.json could not be written either)");
                if (e is OperationCanceledException) throw new StoppedError($"the run was stopped before it finished; {note}", e);
                throw e switch
                {
                    TrainingError => new TrainingError($"{e.Message}. {note}", e),
                    PluginError => new PluginError($"{e.Message}. {note}", e),
                    StorageError => new StorageError($"{e.Message}. {note}", e),
                    _ => Rethrow(e),
                };
            }
            selection.WriteCounts(trainer.Scores.TimesSelected);
            var summary = Summary(end == TrainingEnd.Stopped ? RunStatus.Stopped : RunStatus.Completed, null);
            folder.WriteSummary(summary);
            return summary;
        }

        // The records are written best effort: on a full disk they fail too, and the error to report is the first one.
        private static void Record(RunFolder folder, SelectionRecord selection, Trainer trainer, Func<RunSummary> summary, out bool recorded)
        {
            try
            {
                selection.WriteCounts(trainer.Scores.TimesSelected);
                folder.WriteSummary(summary());
                recorded = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                recorded = false;
            }
        }

        /// <summary>Restores the trainer from a checkpoint and returns what the checkpoint kept beside the tensors. A file that cannot be
        /// read (changed by hand, a damaged disk) is reported naming the checkpoint, never as a crash.</summary>
        private static CheckpointState Restore(Trainer trainer, ICheckpointStore checkpoint)
        {
            try
            {
                trainer.Restore(checkpoint);
                return RunRecorder.ReadState(checkpoint);
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException or WinnowError))
            {
                throw new StorageError($"the checkpoint {checkpoint.Name} cannot be read: {e.Message}", e);
            }
        }

        /// <summary>The resolved configuration: every setting and every plugin's options with defaults filled in, and where each plugin came from.</summary>
        public object Resolved()
        {
            object Plugin(ChosenPlugin p) => new { p.Entry.Name, Assembly = p.Entry.AssemblyPath, p.Entry.ContractVersion, p.Options };
            var r = Run;
            var c = Composed;
            return new
            {
                Plugins = new { _context.Settings.Plugins.Directory },
                Run = new
                {
                    r.Epochs, r.BatchSize, r.EvalBatchSize, r.EvalEvery, r.TargetAccuracy, r.Optimizer, r.LearningRate, r.MinLearningRate, r.Schedule,
                    r.WarmupEpochs, r.StepEvery, r.StepGamma, r.OneCyclePeak, r.Momentum, r.Nesterov, r.WeightDecay, r.Beta1, r.Beta2, r.LabelSmoothing,
                    r.Device, ResolvedDevice = _device.type.ToString().ToLowerInvariant(), r.Threads, ResolvedThreads = _threads, r.Seed,
                    r.OutputDirectory, r.NonFiniteLoss,
                    Model = Plugin(c.ModelPlugin),
                    Dataset = Plugin(c.DatasetPlugin),
                    Augmentation = c.Data.Augmentation?.GetType().Name,
                    Scorer = Plugin(c.ScorerPlugin),
                    Policy = Plugin(c.PolicyPlugin),
                    PolicyNeeds = c.Needs,
                    c.ProxyEnabled,
                },
            };
        }

        private RunSummary Summarise(RunFolder folder, IReadOnlyList<EpochMetrics> epochs, RunStatus status, string? error, double wallSeconds)
        {
            var evaluated = epochs.Where(e => e.Evaluated).ToList();
            var best = evaluated.MaxBy(e => e.TestAccuracy);
            var reached = epochs.FirstOrDefault(e => Trainer.ReachedTarget(Run, e));
            long trained = epochs.Sum(e => (long)e.SamplesTrained);
            var n = Composed.Data.Train.Count;
            return new RunSummary
            {
                RunId = folder.Id,
                Status = status,
                Error = error,
                Model = Composed.ModelPlugin.Name,
                Dataset = Composed.DatasetPlugin.Name,
                Scorer = Composed.ScorerName,
                Policy = Composed.PolicyName,
                Device = _device.type.ToString().ToLowerInvariant(),
                Threads = _threads,
                Seed = Run.Seed,
                EpochsPlanned = Run.Epochs,
                EpochsCompleted = epochs.Count,
                TrainSamples = n,
                TestSamples = Composed.Data.Test.Count,
                FinalTestAccuracy = evaluated.LastOrDefault()?.TestAccuracy,
                FinalTestLoss = evaluated.LastOrDefault()?.TestLoss,
                BestTestAccuracy = best?.TestAccuracy,
                BestEpoch = best?.Epoch,
                SamplesTrained = trained,
                SamplesForwarded = epochs.Sum(e => e.SamplesForwarded),
                ProxyForwarded = epochs.Sum(e => e.ProxyForwarded),
                SkippedBatches = epochs.Sum(e => (long)e.SkippedBatches),
                SkippedSamples = epochs.Sum(e => (long)e.SkippedSamples),
                NominalKeepFraction = Composed.Policy.NominalKeepFraction,
                EffectiveKeepFraction = epochs.Count == 0 ? null : (double)trained / ((long)n * epochs.Count),
                TrainSeconds = epochs.Sum(e => e.TrainSeconds),
                ScoringSeconds = epochs.Sum(e => e.ScoringSeconds),
                SelectingSeconds = epochs.Sum(e => e.SelectingSeconds),
                EvaluatingSeconds = epochs.Sum(e => e.EvaluatingSeconds),
                WallSeconds = wallSeconds,
                TargetAccuracy = Run.TargetAccuracy > 0 ? Run.TargetAccuracy : null,
                TargetReachedEpoch = reached?.Epoch,
                TargetReachedSeconds = reached?.ElapsedSeconds,
                StartedAt = _started,
                EndedAt = DateTimeOffset.Now,
            };
        }

        public void Dispose() => Composed.Dispose();
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
}
