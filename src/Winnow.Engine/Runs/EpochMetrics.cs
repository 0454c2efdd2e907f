using System.Globalization;
using System.Text;

namespace Winnow.Engine.Runs;

/// <summary>One epoch's row of <c>metrics.csv</c>.</summary>
public sealed record EpochMetrics(
    int Epoch,
    double LearningRate,
    int SamplesTrained,
    double TrainLoss,
    double TestLoss,
    double TestAccuracy,
    double TrainSeconds,
    double ScoringSeconds,
    double SelectingSeconds,
    double EvaluatingSeconds)
{
    public const string CsvHeader =
        "epoch,learning_rate,samples_trained,train_loss,test_loss,test_accuracy,train_seconds,scoring_seconds,selecting_seconds,evaluating_seconds";

    public string ToCsv()
    {
        var c = CultureInfo.InvariantCulture;
        return new StringBuilder()
            .Append(Epoch.ToString(c)).Append(',')
            .Append(LearningRate.ToString("G9", c)).Append(',')
            .Append(SamplesTrained.ToString(c)).Append(',')
            .Append(TrainLoss.ToString("G9", c)).Append(',')
            .Append(TestLoss.ToString("G9", c)).Append(',')
            .Append(TestAccuracy.ToString("G9", c)).Append(',')
            .Append(TrainSeconds.ToString("F3", c)).Append(',')
            .Append(ScoringSeconds.ToString("F3", c)).Append(',')
            .Append(SelectingSeconds.ToString("F3", c)).Append(',')
            .Append(EvaluatingSeconds.ToString("F3", c))
            .ToString();
    }
}
