using System.Text.Json;
using Winnow.Engine.Core;
using Winnow.Engine.Training;

namespace Winnow.Engine.Runs;

/// <summary>What a checkpoint keeps beside the trainer's state: the run it belongs to, the finished epochs' metrics and the wall-clock so far.</summary>
public sealed record CheckpointState(string RunId, List<EpochMetrics> Epochs, double WallSeconds);

/// <summary>Writes a run down as it trains: each finished epoch's metrics row and selection row, then its checkpoint. An epoch counts
/// as finished only once its checkpoint is committed, so the summary of a failed run agrees with what <c>resume</c> finds.</summary>
public sealed class RunRecorder(RunFolder folder, string runId, SelectionRecord selection, IEnumerable<EpochMetrics> restored, Func<double> wallSeconds) : IRunObserver
{
    private readonly Checkpoint _checkpoint = new(folder);
    private readonly List<EpochMetrics> _epochs = [.. restored];

    /// <summary>Every finished epoch, restored ones first.</summary>
    public IReadOnlyList<EpochMetrics> Epochs => _epochs;

    /// <summary>The epoch of the last committed checkpoint (0 for none).</summary>
    public int Committed => _checkpoint.LatestEpoch();

    public void EpochCompleted(EpochEnd end)
    {
        var m = end.Metrics;
        try
        {
            folder.AppendMetrics(m);
            selection.Add(m.Epoch, end.Plan, end.Scores.TimesSelected);
            var state = new CheckpointState(runId, [.. _epochs, m], wallSeconds());
            _checkpoint.Commit(m.Epoch, store =>
            {
                end.State.Save(store);
                using var s = store.Create(Checkpoint.StatePart);
                JsonSerializer.Serialize(s, state, JsonFormat.Options);
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageError($"cannot save epoch {m.Epoch} in {folder.Path}: {Storage.Reason(e)}", e);
        }
        _epochs.Add(m);
    }

    /// <summary>Reads a checkpoint's state part.</summary>
    /// <exception cref="InvalidDataException">it is missing, empty or not readable.</exception>
    public static CheckpointState ReadState(ICheckpointStore store)
    {
        using var s = store.Open(Checkpoint.StatePart);
        return JsonSerializer.Deserialize<CheckpointState>(s, JsonFormat.Options) ?? throw new InvalidDataException($"{store.Name}: {Checkpoint.StatePart} is empty");
    }
}
