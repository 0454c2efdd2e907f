using System.Globalization;

namespace Winnow.Engine.Runs;

/// <summary>One epoch's row of <c>metrics.csv</c>.</summary>
/// <param name="SamplesTrained">Samples back-propagated this epoch (the plan's size).</param>
/// <param name="SamplesForwarded">Samples passed forward through the full model: training plus refresh passes.</param>
/// <param name="ProxyForwarded">Samples passed forward through the parameter-sharing proxy in refresh passes.</param>
/// <param name="ScoringSeconds">The scorer's work on training batches plus every refresh pass.</param>
/// <param name="SkippedBatches">Batches skipped for a non-finite loss or gradient (<c>Run:NonFiniteLoss=skip</c>): no optimizer step, no scores.</param>
/// <param name="SkippedSamples">The samples in those batches; they are still counted in <paramref name="SamplesTrained"/> (the plan's size).</param>
public sealed record EpochMetrics(
    int Epoch,
    double LearningRate,
    int SamplesTrained,
    long SamplesForwarded,
    long ProxyForwarded,
    double TrainLoss,
    double TestLoss,
    double TestAccuracy,
    double TrainSeconds,
    double ScoringSeconds,
    double SelectingSeconds,
    double EvaluatingSeconds,
    int SkippedBatches = 0,
    int SkippedSamples = 0)
{
    public const string CsvHeader =
        "epoch,learning_rate,samples_trained,samples_forwarded,proxy_forwarded,train_loss,test_loss,test_accuracy," +
        "train_seconds,scoring_seconds,selecting_seconds,evaluating_seconds,skipped_batches,skipped_samples";

    public string ToCsv() => string.Join(',',
        Epoch.ToString(CultureInfo.InvariantCulture),
        LearningRate.ToString("G9", CultureInfo.InvariantCulture),
        SamplesTrained.ToString(CultureInfo.InvariantCulture),
        SamplesForwarded.ToString(CultureInfo.InvariantCulture),
        ProxyForwarded.ToString(CultureInfo.InvariantCulture),
        TrainLoss.ToString("G9", CultureInfo.InvariantCulture),
        TestLoss.ToString("G9", CultureInfo.InvariantCulture),
        TestAccuracy.ToString("G9", CultureInfo.InvariantCulture),
        TrainSeconds.ToString("F3", CultureInfo.InvariantCulture),
        ScoringSeconds.ToString("F3", CultureInfo.InvariantCulture),
        SelectingSeconds.ToString("F3", CultureInfo.InvariantCulture),
        EvaluatingSeconds.ToString("F3", CultureInfo.InvariantCulture),
        SkippedBatches.ToString(CultureInfo.InvariantCulture),
        SkippedSamples.ToString(CultureInfo.InvariantCulture));
}
