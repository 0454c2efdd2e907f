using System.Globalization;

namespace Winnow.Engine.Training;

/// <summary>One epoch's row of the run's metrics.</summary>
/// <param name="SamplesTrained">Samples back-propagated this epoch (the plan's size).</param>
/// <param name="SamplesForwarded">Samples passed forward through the full model: training plus refresh passes.</param>
/// <param name="ProxyForwarded">Samples passed forward through the parameter-sharing proxy in refresh passes.</param>
/// <param name="TestLoss">Null for an epoch that was not evaluated (<c>Run:EvalEvery</c>).</param>
/// <param name="TestAccuracy">Null for an epoch that was not evaluated.</param>
/// <param name="ScoringSeconds">The scorer's work on training batches plus every refresh pass.</param>
/// <param name="SkippedBatches">Batches skipped for a non-finite loss or gradient (<c>Run:NonFiniteLoss=skip</c>): no optimizer step, no scores.</param>
/// <param name="SkippedSamples">The samples in those batches; they are still counted in <paramref name="SamplesTrained"/> (the plan's size).</param>
/// <param name="ElapsedSeconds">Wall-clock from the start of the first epoch to the end of this one's evaluation: everything the user
/// waited for (training, scoring, selecting, evaluating, and the records and checkpoints of the epochs before), summed over the
/// sessions of a resumed run. Time to a target accuracy is read from it.</param>
public sealed record EpochMetrics(
    int Epoch,
    double LearningRate,
    int SamplesTrained,
    long SamplesForwarded,
    long ProxyForwarded,
    double TrainLoss,
    double? TestLoss,
    double? TestAccuracy,
    double TrainSeconds,
    double ScoringSeconds,
    double SelectingSeconds,
    double EvaluatingSeconds,
    int SkippedBatches = 0,
    int SkippedSamples = 0,
    double ElapsedSeconds = 0)
{
    public const string CsvHeader =
        "epoch,learning_rate,samples_trained,samples_forwarded,proxy_forwarded,train_loss,test_loss,test_accuracy," +
        "train_seconds,scoring_seconds,selecting_seconds,evaluating_seconds,skipped_batches,skipped_samples,elapsed_seconds";

    /// <summary>Whether the test split was evaluated after this epoch.</summary>
    public bool Evaluated => TestAccuracy is not null;

    public string ToCsv() => string.Join(',',
        Epoch.ToString(CultureInfo.InvariantCulture),
        LearningRate.ToString("G9", CultureInfo.InvariantCulture),
        SamplesTrained.ToString(CultureInfo.InvariantCulture),
        SamplesForwarded.ToString(CultureInfo.InvariantCulture),
        ProxyForwarded.ToString(CultureInfo.InvariantCulture),
        TrainLoss.ToString("G9", CultureInfo.InvariantCulture),
        TestLoss?.ToString("G9", CultureInfo.InvariantCulture) ?? "",
        TestAccuracy?.ToString("G9", CultureInfo.InvariantCulture) ?? "",
        TrainSeconds.ToString("F3", CultureInfo.InvariantCulture),
        ScoringSeconds.ToString("F3", CultureInfo.InvariantCulture),
        SelectingSeconds.ToString("F3", CultureInfo.InvariantCulture),
        EvaluatingSeconds.ToString("F3", CultureInfo.InvariantCulture),
        SkippedBatches.ToString(CultureInfo.InvariantCulture),
        SkippedSamples.ToString(CultureInfo.InvariantCulture),
        ElapsedSeconds.ToString("F3", CultureInfo.InvariantCulture));
}
