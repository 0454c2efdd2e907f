using System.Diagnostics;
using System.Globalization;
using Winnow.Engine.Runs;
using Winnow.Engine.Training;

namespace Winnow.Host;

/// <summary>Prints a run's progress: a live step counter on a terminal, a plain line every few seconds otherwise
/// (CI logs and files), and one line per finished epoch.</summary>
internal sealed class ConsoleProgress(TextWriter output) : IRunObserver
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private readonly Stopwatch _sinceLast = new();
    private readonly Stopwatch _epochClock = new();

    public void EpochStarted(int epoch, int epochs, int samples, double learningRate)
    {
        _epochClock.Restart();
        _sinceLast.Restart();
        if (!_interactive)
            output.WriteLine(string.Create(C, $"epoch {epoch + 1}/{epochs}: training on {samples} samples, lr {learningRate:G4}"));
    }

    public void StepCompleted(int epoch, int step, int steps, double loss)
    {
        var every = _interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(20);
        if (_sinceLast.Elapsed < every && step != steps) return;
        _sinceLast.Restart();
        var elapsed = _epochClock.Elapsed.TotalSeconds;
        var eta = step == 0 ? 0 : elapsed / step * (steps - step);
        var line = string.Create(C, $"  epoch {epoch + 1}: step {step}/{steps} ({100.0 * step / steps:F0}%), loss {loss:F4}, {elapsed:F0}s elapsed, ~{eta:F0}s left");
        if (_interactive) output.Write("\r" + line.PadRight(Math.Max(Console.WindowWidth - 1, 20)));
        else output.WriteLine(line);
    }

    public void BatchSkipped(int epoch, int step, int steps, string reason)
    {
        if (_interactive) output.WriteLine();
        output.WriteLine(string.Create(C, $"  epoch {epoch + 1}: step {step}/{steps} skipped: {reason} (Run:NonFiniteLoss=skip)"));
    }

    public void EpochCompleted(EpochEnd end)
    {
        var m = end.Metrics;
        if (_interactive) output.Write("\r" + new string(' ', Math.Max(Console.WindowWidth - 1, 20)) + "\r");
        var test = m.Evaluated ? string.Create(C, $"test loss {m.TestLoss:F4}  test acc {m.TestAccuracy * 100:F2}%") : "not evaluated (Run:EvalEvery)";
        output.WriteLine(string.Create(C,
            $"epoch {m.Epoch,3}/{end.Epochs}  lr {m.LearningRate:F4}  trained {m.SamplesTrained,7}  train loss {m.TrainLoss:F4}  {test}  " +
            $"[train {m.TrainSeconds:F1}s, score {m.ScoringSeconds:F1}s, select {m.SelectingSeconds:F2}s, eval {m.EvaluatingSeconds:F1}s]"));
    }

    public static void PrintSummary(TextWriter output, RunFolder folder, RunSummary s)
    {
        output.WriteLine();
        output.WriteLine(string.Create(C, $"run {s.Status.ToString().ToLowerInvariant()}: {s.Dataset} / {s.Model} / {s.Policy} (scorer {s.Scorer}), {s.EpochsCompleted} of {s.EpochsPlanned} epochs"));
        if (s.FinalTestAccuracy is { } final)
            output.WriteLine(string.Create(C, $"  test accuracy   final {final * 100:F2}%, best {s.BestTestAccuracy * 100:F2}% (epoch {s.BestEpoch})"));
        if (s.TargetAccuracy is { } target)
            output.WriteLine(s.TargetReachedEpoch is { } epoch
                ? string.Create(C, $"  target {target * 100:F2}%   reached after epoch {epoch}, {s.TargetReachedSeconds:F1}s after training began")
                : string.Create(C, $"  target {target * 100:F2}%   not reached (best {(s.BestTestAccuracy ?? 0) * 100:F2}%)"));
        if (s.EffectiveKeepFraction is { } keep)
            output.WriteLine(string.Create(C, $"  samples trained {s.SamplesTrained} of {(long)s.TrainSamples * s.EpochsCompleted}: keep fraction {keep:F3} effective, {s.NominalKeepFraction:F3} nominal"));
        var proxy = s.ProxyForwarded > 0 ? string.Create(C, $", {s.ProxyForwarded} through the proxy") : "";
        output.WriteLine(string.Create(C, $"  forwarded       {s.SamplesForwarded} through the model{proxy}"));
        if (s.SkippedBatches > 0)
            output.WriteLine(string.Create(C, $"  skipped         {s.SkippedBatches} batches ({s.SkippedSamples} samples) for a non-finite loss or gradient"));
        output.WriteLine(string.Create(C,
            $"  time            {s.WallSeconds:F1}s wall: train {s.TrainSeconds:F1}s, scoring {s.ScoringSeconds:F1}s, selecting {s.SelectingSeconds:F2}s, evaluating {s.EvaluatingSeconds:F1}s"));
        output.WriteLine($"  files           {folder.Path}/ (config.json, metrics.csv, selection.csv, selection-counts.csv, summary.json)");
        if (s.Status != RunStatus.Completed)
            output.WriteLine($"  continue with   winnow resume {folder.Path}");
    }
}
